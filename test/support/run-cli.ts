import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process with captured stdout/stderr and the given stdin text. */
export async function runCli(
  argv: string[],
  stdinText = '',
): Promise<{ status: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const status = await main(argv, {
    stdout,
    stderr,
    stdin: Readable.from(stdinText ? [Buffer.from(stdinText)] : []),
  });
  return { status, out, err };
}
