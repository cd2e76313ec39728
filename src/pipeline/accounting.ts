/** How every line of one input was accounted for; `lines` always equals the sum of the four outcomes. */
export interface FileStats {
  file: string;
  lines: number;
  /** Lines that became attack, signal or info events. */
  classified: number;
  benign: number;
  unrecognised: number;
  malformed: number;
  /** Events per class (benign classes included). */
  byClass: Record<string, number>;
  /** Most common unrecognised line shapes, addresses and numbers masked. */
  unrecognisedShapes: { shape: string; count: number; example: string }[];
  /** Set when the input could not be read at all. */
  error?: string;
}

const SHAPE_LIMIT = 5_000;

/** Masks what varies between lines of one kind, so that unrecognised lines group by shape. */
export function maskShape(program: string, message: string): string {
  const masked = message
    .slice(0, 160)
    .replace(/\[[0-9A-Fa-f:.]+\]/g, '[ADDR]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, 'ADDR')
    .replace(/\b[0-9A-F]{8,14}\b/g, 'QID')
    .replace(/\d+/g, 'N');
  return `${program || '(no program)'}: ${masked}`;
}

export interface FileAccountData {
  file: string;
  lines: number;
  classified: number;
  benign: number;
  unrecognised: number;
  malformed: number;
  byClass: [string, number][];
  shapes: [string, { count: number; example: string }][];
  error?: string;
}

export class FileAccount {
  lines = 0;
  classified = 0;
  benign = 0;
  unrecognised = 0;
  malformed = 0;
  readonly byClass = new Map<string, number>();
  private readonly shapes = new Map<string, { count: number; example: string }>();
  error?: string;

  constructor(readonly file: string) {}

  countClass(cls: string): void {
    this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1);
  }

  countUnrecognised(program: string, message: string, source: string): void {
    this.unrecognised++;
    const shape = maskShape(program, message);
    const entry = this.shapes.get(shape);
    if (entry) entry.count++;
    else if (this.shapes.size < SHAPE_LIMIT) this.shapes.set(shape, { count: 1, example: source });
  }

  /** Everything counted, as plain data that can cross to another thread. */
  toData(): FileAccountData {
    const data: FileAccountData = {
      file: this.file,
      lines: this.lines,
      classified: this.classified,
      benign: this.benign,
      unrecognised: this.unrecognised,
      malformed: this.malformed,
      byClass: [...this.byClass.entries()],
      shapes: [...this.shapes.entries()],
    };
    if (this.error !== undefined) data.error = this.error;
    return data;
  }

  /** Adds the counts of a later part of the same file. */
  absorb(d: FileAccountData): void {
    this.lines += d.lines;
    this.classified += d.classified;
    this.benign += d.benign;
    this.unrecognised += d.unrecognised;
    this.malformed += d.malformed;
    for (const [cls, n] of d.byClass) this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + n);
    for (const [shape, v] of d.shapes) {
      const mine = this.shapes.get(shape);
      if (mine) mine.count += v.count;
      else if (this.shapes.size < SHAPE_LIMIT) this.shapes.set(shape, { ...v });
    }
  }

  snapshot(topShapes = 10): FileStats {
    const shapes = [...this.shapes.entries()]
      .map(([shape, v]) => ({ shape, count: v.count, example: v.example }))
      .sort((a, b) => b.count - a.count || a.shape.localeCompare(b.shape))
      .slice(0, topShapes);
    const stats: FileStats = {
      file: this.file,
      lines: this.lines,
      classified: this.classified,
      benign: this.benign,
      unrecognised: this.unrecognised,
      malformed: this.malformed,
      byClass: Object.fromEntries([...this.byClass.entries()].sort((a, b) => b[1] - a[1])),
      unrecognisedShapes: shapes,
    };
    if (this.error !== undefined) stats.error = this.error;
    return stats;
  }
}

export interface RunStats {
  files: FileStats[];
  totals: Omit<FileStats, 'file' | 'unrecognisedShapes' | 'error'> & { files: number; unreadable: number };
  unrecognisedShapes: { shape: string; count: number; example: string }[];
}

export function summarise(files: FileStats[]): RunStats {
  const totals = {
    files: files.length,
    unreadable: 0,
    lines: 0,
    classified: 0,
    benign: 0,
    unrecognised: 0,
    malformed: 0,
    byClass: {} as Record<string, number>,
  };
  const shapes = new Map<string, { count: number; example: string }>();
  for (const f of files) {
    if (f.error !== undefined) totals.unreadable++;
    totals.lines += f.lines;
    totals.classified += f.classified;
    totals.benign += f.benign;
    totals.unrecognised += f.unrecognised;
    totals.malformed += f.malformed;
    for (const [cls, n] of Object.entries(f.byClass)) totals.byClass[cls] = (totals.byClass[cls] ?? 0) + n;
    for (const s of f.unrecognisedShapes) {
      const e = shapes.get(s.shape);
      if (e) e.count += s.count;
      else shapes.set(s.shape, { count: s.count, example: s.example });
    }
  }
  const unrecognisedShapes = [...shapes.entries()]
    .map(([shape, v]) => ({ shape, ...v }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 10);
  return { files, totals, unrecognisedShapes };
}
