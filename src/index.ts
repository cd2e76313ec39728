/** mailwarden's library API: everything the CLI does, for scripts of your own. */
export type { SecurityEvent } from './classify/event.js';
export {
  ALL_CLASSES,
  type ClassSpec,
  EVENT_CLASSES,
  type EventClass,
  type Tier,
  tierOf,
} from './classify/taxonomy.js';
export { orderRotated } from './ingest/paths.js';
export { normalizeIp } from './parse/address.js';
export { type ParsedLine, parseHeader } from './parse/header.js';
export { YearResolver } from './parse/time.js';
export type { FileStats, RunStats } from './pipeline/accounting.js';
export { LineClassifier, type LineOutcome } from './pipeline/line-classifier.js';
export { type EventStream, type ReadOptions, type ReadWarning, readEvents } from './pipeline/read-events.js';
