import { parentPort } from 'node:worker_threads';
import { type AnalysisState, serializeState } from '../audit/analysis.js';
import type { ChunkJob, ChunkProgress, ChunkResult } from './chunk-job.js';
import { runAnyJob } from './chunk-runner.js';

parentPort?.on('message', async (job: ChunkJob) => {
  const result = await runAnyJob(job, (progress) =>
    parentPort!.postMessage({ progress } satisfies ChunkProgress),
  );
  if (!job.endsWorker || result.state === undefined) {
    parentPort!.postMessage(result);
    return;
  }
  // Serialised here and transferred: the main thread gets the bytes without a copy and
  // rebuilds the state after this thread, and its heap, are gone.
  const stateBytes = serializeState(result.state as AnalysisState);
  delete result.state;
  const sent: ChunkResult = { ...result, stateBytes };
  parentPort!.postMessage(
    sent,
    stateBytes.map((b) => b.buffer as ArrayBuffer),
  );
  parentPort!.close();
});
