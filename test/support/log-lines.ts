import { readFileSync } from 'node:fs';

/** Calls `visit` with each line of `file` (without its newline) and its 1-based number. */
export function forEachLine(file: string, visit: (line: Buffer, lineNo: number) => void): void {
  const data = readFileSync(file);
  let start = 0;
  let lineNo = 0;
  while (start < data.length) {
    let end = data.indexOf(10, start);
    if (end < 0) end = data.length;
    visit(data.subarray(start, end), ++lineNo);
    start = end + 1;
  }
}
