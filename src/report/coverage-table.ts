/**
 * The fail2ban coverage matrix as tables of plain text, for the Markdown and
 * HTML renderers to escape: one row per attack class, one column per jail, and
 * one row per jail with its settings and what it matched.
 */
import type { Fail2banCoverageMatrix, NeverBannedReason } from '../detect/fail2ban/coverage-matrix.js';
import { formatCount, formatDuration } from './format.js';

export interface TextTable {
  headers: string[];
  /** Which columns hold numbers (right-aligned). */
  numeric: boolean[];
  rows: string[][];
}

const REASON_LABELS: Record<NeverBannedReason, string> = {
  'no-rule': 'no rule',
  'under-threshold': 'under threshold',
  ignored: 'ignored',
  'jail-blind': 'blind jail',
};

const duration = (seconds: number) => (seconds < 0 ? 'forever' : formatDuration(seconds * 1000));

export function classCoverageTable(m: Fail2banCoverageMatrix): TextTable {
  const jails = m.jails.map((j) => j.name);
  return {
    headers: [
      'Attack class',
      'Attackers',
      'Banned',
      ...jails.map((j) => `${j}: lines / banned`),
      'Never banned, why',
    ],
    numeric: [false, true, true, ...jails.map(() => true), false],
    rows: m.classes.map((c) => [
      c.class,
      formatCount(c.addresses),
      formatCount(c.banned),
      ...jails.map((j) => {
        const cell = c.byJail[j];
        return cell ? `${formatCount(cell.lines)} / ${formatCount(cell.banned)}` : '—';
      }),
      (Object.entries(c.neverBanned) as [NeverBannedReason, number][])
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${formatCount(n)} ${REASON_LABELS[r]}`)
        .join(', ') || '—',
    ]),
  };
}

export function jailTable(m: Fail2banCoverageMatrix): TextTable {
  return {
    headers: ['Jail', 'Filter', 'Reads', 'Threshold', 'Lines matched', 'Would ban', 'State'],
    numeric: [false, false, false, false, true, true, false],
    rows: m.jails.map((j) => [
      j.name,
      j.filter,
      j.backend.startsWith('systemd') ? `journal (${j.backend})` : j.logpaths.join(', ') || '(nothing)',
      `${j.maxretry} in ${duration(j.findtimeSeconds)}, ban ${duration(j.bantimeSeconds)}`,
      formatCount(j.linesMatched),
      formatCount(j.blind ? j.wouldBanIfSighted : j.addressesBanned),
      j.error
        ? `filter not evaluated: ${j.error}`
        : j.blind
          ? `blind: ${j.blind}`
          : j.warnings.length > 0
            ? `warning: ${j.warnings.join('; ')}`
            : 'ok',
    ]),
  };
}
