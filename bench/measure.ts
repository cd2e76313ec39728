import { spawnSync } from 'node:child_process';

export interface Measurement {
  name: string;
  /** The exact command line, for reproducing it. */
  command: string;
  seconds: number;
  /** Peak resident set size of the command (its largest process), in MiB. */
  peakRssMiB: number;
  lines: number;
  bytes: number;
  linesPerSecond: number;
  mbPerSecond: number;
  /** Set when the command ran on a prefix of the input because a full run would take too long. */
  note?: string;
  exitCode: number;
}

// Python's resource module reports the peak RSS of waited-for children, which
// Node cannot; the wrapper also takes the wall time around the child alone.
const WRAPPER = [
  'import json, resource, subprocess, sys, time',
  't = time.monotonic()',
  'r = subprocess.run(["/bin/bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL)',
  'd = time.monotonic() - t',
  'print(json.dumps({"seconds": d, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "code": r.returncode}))',
].join('\n');

/** Runs a shell command once, timing it and measuring its peak memory. */
export function measure(
  name: string,
  command: string,
  lines: number,
  bytes: number,
  note?: string,
): Measurement {
  const result = spawnSync('python3', ['-c', WRAPPER, command], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`${name}: the measuring wrapper failed: ${result.stderr}`);
  const data = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    seconds: number;
    maxrss_kib: number;
    code: number;
  };
  const m: Measurement = {
    name,
    command,
    seconds: data.seconds,
    peakRssMiB: data.maxrss_kib / 1024,
    lines,
    bytes,
    linesPerSecond: lines / data.seconds,
    mbPerSecond: bytes / 1e6 / data.seconds,
    exitCode: data.code,
  };
  if (note !== undefined) m.note = note;
  return m;
}

export function commandExists(name: string): boolean {
  return spawnSync('/bin/bash', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
