/**
 * Per address and user: the failed logins before the first success, and that
 * success. There are as many pairs as users an attacker guesses (150,000 in a 1 GB
 * log), so they live in columns of typed arrays, a pair being an index: about 50
 * bytes each instead of an object of some 200. Plain data (no methods), so that a
 * worker's state serialises and merges like any other.
 */
export interface LoginPairs {
  size: number;
  saslBefore: Int32Array;
  loginBefore: Int32Array;
  authBefore: Int32Array;
  /** +Infinity: no failure yet. */
  firstFail: Float64Array;
  /** NaN: no success yet. */
  success: Float64Array;
  /** Indexes into `files` (-1: none) and line numbers (0: none) of the lines a hit cites. */
  successFile: Int32Array;
  successLine: Int32Array;
  failFile: Int32Array;
  failLine1: Int32Array;
  failLine2: Int32Array;
  files: string[];
}

const COLUMNS = [
  'saslBefore',
  'loginBefore',
  'authBefore',
  'firstFail',
  'success',
  'successFile',
  'successLine',
  'failFile',
  'failLine1',
  'failLine2',
] as const;

export function newLoginPairs(capacity = 256): LoginPairs {
  return {
    size: 0,
    saslBefore: new Int32Array(capacity),
    loginBefore: new Int32Array(capacity),
    authBefore: new Int32Array(capacity),
    firstFail: new Float64Array(capacity),
    success: new Float64Array(capacity),
    successFile: new Int32Array(capacity),
    successLine: new Int32Array(capacity),
    failFile: new Int32Array(capacity),
    failLine1: new Int32Array(capacity),
    failLine2: new Int32Array(capacity),
    files: [],
  };
}

function grow(c: LoginPairs): void {
  for (const name of COLUMNS) {
    const old = c[name];
    const wider = new (old.constructor as Int32ArrayConstructor | Float64ArrayConstructor)(old.length * 2);
    wider.set(old);
    (c as unknown as Record<string, Int32Array | Float64Array>)[name] = wider;
  }
}

/** A new pair with no failure and no success. */
export function addPair(c: LoginPairs): number {
  if (c.size === c.saslBefore.length) grow(c);
  const i = c.size++;
  c.firstFail[i] = Number.POSITIVE_INFINITY;
  c.success[i] = Number.NaN;
  c.successFile[i] = -1;
  c.failFile[i] = -1;
  return i;
}

export function fileIndex(c: LoginPairs, file: string): number {
  const known = c.files.indexOf(file);
  if (known >= 0) return known;
  c.files.push(file);
  return c.files.length - 1;
}

export function hasSucceeded(c: LoginPairs, i: number): boolean {
  return !Number.isNaN(c.success[i]!);
}

/** Failed attempts before the first success, counted as the auth-brute-force detector counts them. */
export function failsBefore(c: LoginPairs, i: number): number {
  return Math.max(c.authBefore[i]!, c.saslBefore[i]! + c.loginBefore[i]!);
}

/** Keeps the first two failure lines of a pair, from one file. */
export function noteFailureLine(c: LoginPairs, i: number, file: number, line: number): void {
  if (c.failFile[i] === -1) {
    c.failFile[i] = file;
    c.failLine1[i] = line;
  } else if (c.failLine2[i] === 0 && c.failFile[i] === file) c.failLine2[i] = line;
}

/** The first success ends a pair's "before" segment. */
export function noteSuccess(c: LoginPairs, i: number, tsMs: number, file: string, line: number): void {
  if (hasSucceeded(c, i)) return;
  c.success[i] = tsMs;
  c.successFile[i] = fileIndex(c, file);
  c.successLine[i] = line;
}

export function successSource(c: LoginPairs, i: number): string | null {
  return c.successFile[i] === -1 ? null : `${c.files[c.successFile[i]!]}:${c.successLine[i]}`;
}

export function failureSources(c: LoginPairs, i: number): string[] {
  if (c.failFile[i] === -1) return [];
  const file = c.files[c.failFile[i]!];
  return [c.failLine1[i]!, c.failLine2[i]!].filter((n) => n > 0).map((n) => `${file}:${n}`);
}

/** A copy of `from`'s pair `j` as a new pair of `into`. */
export function copyPair(into: LoginPairs, from: LoginPairs, j: number): number {
  const i = addPair(into);
  into.saslBefore[i] = from.saslBefore[j]!;
  into.loginBefore[i] = from.loginBefore[j]!;
  into.authBefore[i] = from.authBefore[j]!;
  into.firstFail[i] = from.firstFail[j]!;
  into.success[i] = from.success[j]!;
  into.successLine[i] = from.successLine[j]!;
  into.failLine1[i] = from.failLine1[j]!;
  into.failLine2[i] = from.failLine2[j]!;
  into.successFile[i] = from.successFile[j] === -1 ? -1 : fileIndex(into, from.files[from.successFile[j]!]!);
  into.failFile[i] = from.failFile[j] === -1 ? -1 : fileIndex(into, from.files[from.failFile[j]!]!);
  return i;
}

/** Merges the pair `j` of a later piece (`from`) into the pair `i` of the same address and user. */
export function mergePair(into: LoginPairs, i: number, from: LoginPairs, j: number): void {
  into.firstFail[i] = Math.min(into.firstFail[i]!, from.firstFail[j]!);
  // Once this pair has succeeded, what the later piece saw of it is after its first success.
  if (hasSucceeded(into, i)) return;
  into.saslBefore[i]! += from.saslBefore[j]!;
  into.loginBefore[i]! += from.loginBefore[j]!;
  into.authBefore[i]! += from.authBefore[j]!;
  into.success[i] = from.success[j]!;
  into.successFile[i] = from.successFile[j] === -1 ? -1 : fileIndex(into, from.files[from.successFile[j]!]!);
  into.successLine[i] = from.successLine[j]!;
  if (from.failFile[j] !== -1) {
    const file = fileIndex(into, from.files[from.failFile[j]!]!);
    for (const line of [from.failLine1[j]!, from.failLine2[j]!])
      if (line > 0) noteFailureLine(into, i, file, line);
  }
}
