/**
 * The watcher's ban history as a table of plain text, for the Markdown and
 * HTML renderers to escape.
 */
import type { BanHistory } from '../audit/ban-history.js';
import type { TextTable } from './coverage-table.js';
import { formatCount } from './format.js';

export function banHistorySummary(history: BanHistory): string {
  return `${formatCount(history.total)} bans recorded in ${history.state}, ${formatCount(history.active)} in force${history.bans.length < history.total ? `; the newest ${formatCount(history.bans.length)} are listed` : ''}.`;
}

export function banHistoryTable(history: BanHistory): TextTable {
  return {
    headers: ['Target', 'Why', 'Level', 'Banned', 'Until', 'Actions'],
    numeric: [false, false, true, false, false, false],
    rows: history.bans.map((b) => [
      b.target,
      `${b.origin}${b.rule ? ` (${b.rule})` : ''}: ${b.reason}`,
      String(b.level),
      b.created,
      b.lifted === null ? `${b.expires} (in force)` : `${b.lifted} (${b.liftReason ?? 'lifted'})`,
      b.actions
        .map(
          (a) =>
            `${a.action} ${a.op} ${a.state}${a.state !== 'done' && a.attempts > 0 ? ` after ${a.attempts} attempts${a.lastError ? `: ${a.lastError}` : ''}` : ''}`,
        )
        .join('; ') || 'none',
    ]),
  };
}
