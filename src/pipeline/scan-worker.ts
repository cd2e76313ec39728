import { parentPort } from 'node:worker_threads';
import type { ChunkJob, ChunkProgress } from './chunk-job.js';
import { runAnyJob } from './chunk-runner.js';

parentPort?.on('message', async (job: ChunkJob) => {
  parentPort!.postMessage(
    await runAnyJob(job, (progress) => parentPort!.postMessage({ progress } satisfies ChunkProgress)),
  );
});
