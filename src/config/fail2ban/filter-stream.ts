/**
 * The filter settings fail2ban's client sends for a jail (FilterReader._fillStream),
 * in its order, and what the server holds once they are applied: the
 * filter's values first, then the jail's, where the jail's prefregex,
 * maxlines and usedns are inserted ahead of the filter's, so the filter's
 * (from its [Init]) win; regex lists add up.
 */
import { type PyValue, pyStr, type TaggedValue } from './tags.js';

export interface FilterCommand {
  setting: string;
  value: PyValue;
}

export interface FilterSettings {
  prefregex: string | null;
  failregex: string[];
  ignoreregex: string[];
  datepattern: string | null;
  maxlines: PyValue;
  usedns: string | null;
  journalmatch: string[];
}

/** Appends the commands for `opts` to `stream`, as _fillStream does. */
export function fillStream(stream: FilterCommand[], opts: Map<string, TaggedValue>): void {
  let prio0idx = 0;
  for (const [opt, { value }] of opts) {
    if (value === null) continue;
    if (opt === 'failregex' || opt === 'ignoreregex') {
      for (const regex of pyStr(value).split('\n'))
        if (regex !== '') stream.push({ setting: `add${opt}`, value: regex });
    } else if (opt === 'usedns' || opt === 'maxlines' || opt === 'prefregex') {
      stream.splice(opt === 'usedns' ? 0 : prio0idx, 0, { setting: opt, value });
      prio0idx += 1;
    } else if (opt === 'datepattern') {
      stream.push({ setting: opt, value });
    } else if (opt === 'journalmatch') {
      for (const match of pyStr(value).split('\n'))
        if (match !== '') stream.push({ setting: 'addjournalmatch', value: match });
    }
  }
}

/** The settings once the commands are applied in order. */
export function applyStream(stream: FilterCommand[]): FilterSettings {
  const out: FilterSettings = {
    prefregex: null,
    failregex: [],
    ignoreregex: [],
    datepattern: null,
    maxlines: null,
    usedns: null,
    journalmatch: [],
  };
  for (const { setting, value } of stream) {
    switch (setting) {
      case 'addfailregex':
        out.failregex.push(pyStr(value));
        break;
      case 'addignoreregex':
        out.ignoreregex.push(pyStr(value));
        break;
      case 'addjournalmatch':
        out.journalmatch.push(pyStr(value));
        break;
      case 'prefregex':
        out.prefregex = pyStr(value);
        break;
      case 'datepattern':
        out.datepattern = pyStr(value);
        break;
      case 'usedns':
        out.usedns = pyStr(value);
        break;
      case 'maxlines':
        out.maxlines = value;
        break;
    }
  }
  return out;
}
