import { parentPort } from 'node:worker_threads';
import type { ChunkJob, ChunkProgress } from './chunk-job.js';
import { runJob } from './chunk-runner.js';

parentPort?.on('message', (job: ChunkJob) => {
  parentPort!.postMessage(
    runJob(job, (progress) => parentPort!.postMessage({ progress } satisfies ChunkProgress)),
  );
});
