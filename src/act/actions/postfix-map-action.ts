import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../../mitigate/apply.js';
import { formatShort } from '../../mitigate/cidr.js';
import { parseMap, replaceWatchBlock } from '../../mitigate/cidr-map.js';
import type { BanRecord } from '../state/state-store.js';
import { type ActionOp, allOutcomes, type BanAction, type OpOutcome } from './action.js';
import { banCover } from './ban-cover.js';
import { commandFailure, runActionCommand } from './run-command.js';

export interface PostfixMapOptions {
  /** The cidr map on this machine. */
  mapPath: string;
  reloadCommand: string[];
  execPrefix: string | null;
  reloadInterval: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Keeps the watcher's block of the Postfix reject map equal to the bans in
 * force, then reloads Postfix, at most once per interval however many bans
 * changed (Postfix reads cidr tables when its processes start). A ban counts
 * as applied only once a reload after its write succeeded.
 */
export class PostfixMapAction implements BanAction {
  readonly name = 'postfix-map' as const;
  private lastReload = Number.NEGATIVE_INFINITY;
  /** After a restart the map may have been written and never reloaded: reload once whatever the map says. */
  private reloadOwed = true;

  constructor(private readonly options: PostfixMapOptions) {}

  describe(): string {
    return `Postfix map ${this.options.mapPath}, then ${this.options.reloadCommand.join(' ')} (at most every ${Math.round(this.options.reloadInterval / 1000)} s)`;
  }

  async check(): Promise<string[]> {
    try {
      parseMap(await this.read(), this.options.mapPath);
      replaceWatchBlock(await this.read(), this.options.mapPath, []);
      return [];
    } catch (error) {
      return [`postfix-map: ${(error as Error).message}`];
    }
  }

  private async read(): Promise<string> {
    return readFile(this.options.mapPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
  }

  async perform(ops: readonly ActionOp[], active: readonly BanRecord[], now: number): Promise<OpOutcome[]> {
    try {
      const before = await this.read();
      const after = replaceWatchBlock(before, this.options.mapPath, this.render(active));
      if (after !== before) {
        await writeAtomic(this.options.mapPath, after);
        this.reloadOwed = true;
      }
    } catch (error) {
      return allOutcomes(ops, {
        kind: 'failed',
        error: `${this.options.mapPath}: ${(error as Error).message}`,
      });
    }
    if (!this.reloadOwed) return allOutcomes(ops, { kind: 'done' });
    const next = this.lastReload + this.options.reloadInterval;
    if (now < next) return allOutcomes(ops, { kind: 'deferred', until: next });
    const r = await runActionCommand(this.options.execPrefix, this.options.reloadCommand, 120_000);
    if (r.status !== 0) return allOutcomes(ops, { kind: 'failed', error: commandFailure(r) });
    this.lastReload = now;
    this.reloadOwed = false;
    return allOutcomes(ops, { kind: 'done' });
  }

  private render(active: readonly BanRecord[]): string[] {
    const byTarget = new Map(active.map((b) => [b.target, b]));
    const lines = ['# Bans in force, kept by `mailwarden watch`: each entry leaves when its ban ends.'];
    for (const cidr of banCover(active)) {
      const target = formatShort(cidr);
      const ban = byTarget.get(target);
      lines.push(`# ${target}: ${ban?.rule ?? ban?.origin ?? 'ban'} until ${ban ? iso(ban.expires) : '?'}`);
      lines.push(`${target} REJECT`);
    }
    return lines;
  }
}
