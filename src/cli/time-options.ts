import { localToUtc } from '../parse/time.js';

const RELATIVE = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const LOCAL = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?$/;

/**
 * `--since`/`--until`/`--now` values: an ISO 8601 instant, a local date or time
 * (`2025-10-10`, `2025-10-10 01:30`, read in `--tz`), or a duration before now (`24h`, `7d`).
 */
export function parseTimeOption(
  flag: string,
  value: string,
  zone: string | undefined,
  now = Date.now(),
): Date {
  const relative = RELATIVE.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  const local = LOCAL.exec(value);
  if (local) {
    const [, y, mo, d, h, mi, s] = local;
    return new Date(localToUtc(+y!, +mo!, +d!, +(h ?? 0), +(mi ?? 0), +(s ?? 0), 0, zone));
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new Error(
      `${flag}: cannot read "${value}" as a time (use ISO 8601 such as 2025-10-10T01:30:00Z, a local date such as 2025-10-10, or a duration such as 24h)`,
    );
  }
  return new Date(t);
}
