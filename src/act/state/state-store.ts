import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SourceCheckpoint } from '../../ingest/live/source.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';

export type BanOrigin = 'watch' | 'subnet' | 'manual';

export interface BanRecord {
  id: number;
  /** An address (`192.0.2.7`) or a network (`192.0.2.0/24`). */
  target: string;
  origin: BanOrigin;
  rule: string | null;
  reason: string;
  /** 1 for a first ban, 2 for the next one within the repeat memory, and so on. */
  level: number;
  created: number;
  expires: number;
  lifted: number | null;
  liftReason: string | null;
}

export type TaskOp = 'ban' | 'unban';
export type TaskState = 'pending' | 'done' | 'failed' | 'cancelled';

export interface TaskRecord {
  id: number;
  banId: number;
  action: string;
  op: TaskOp;
  state: TaskState;
  attempts: number;
  nextTry: number;
  lastError: string | null;
  /** The ban's target, for the action. */
  target: string;
  /** The ban's expiry (for actions that carry a timeout). */
  expires: number;
}

export interface DecisionRecord {
  id: number;
  ts: number;
  kind: string;
  target: string | null;
  banId: number | null;
  detail: Record<string, unknown>;
}

export interface NewBan {
  target: string;
  origin: BanOrigin;
  rule: string | null;
  reason: string;
  level: number;
  created: number;
  expires: number;
}

const BAN_COLUMNS =
  'bans.id AS id, bans.target AS target, bans.origin AS origin, bans.rule AS rule, bans.reason AS reason, bans.level AS level, bans.created AS created, bans.expires AS expires, bans.lifted AS lifted, bans.lift_reason AS liftReason';
const TASK_COLUMNS =
  'tasks.id AS id, tasks.ban_id AS banId, tasks.action AS action, tasks.op AS op, tasks.state AS state, tasks.attempts AS attempts, tasks.next_try AS nextTry, tasks.last_error AS lastError, bans.target AS target, bans.expires AS expires';

export class StateError extends Error {}

/** The running watcher a state file names, when it is still alive. */
export interface WatcherClaim {
  pid: number;
  host: string;
  started: number;
  heartbeat: number;
}

/**
 * The SQLite state shared by `mailwarden watch` and `mailwarden bans`. Every
 * change that belongs together (a batch's strikes, bans, tasks and checkpoint)
 * goes through `transaction`, so a crash leaves either all of it or none.
 */
export class StateStore {
  private readonly db: Database.Database;

  /** `readonly`: for reports, which must never create or change a state file. */
  constructor(
    readonly path: string,
    options: { readonly?: boolean } = {},
  ) {
    if (options.readonly) {
      try {
        this.db = new Database(path, { readonly: true, fileMustExist: true });
      } catch (error) {
        throw new StateError(`${path}: cannot read the state database: ${(error as Error).message}`);
      }
      return;
    }
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    } catch (error) {
      throw new StateError(
        `${path}: cannot create its folder: ${(error as Error).message} (give another path with --state, or "state" in the settings)`,
      );
    }
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new StateError(`${path}: cannot open the state database: ${(error as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    // FULL: a ban recorded is on disk before any action runs for it.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    this.db.exec(SCHEMA);
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
      | { value: string }
      | undefined;
    if (!row) {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
      return;
    }
    if (Number(row.value) > SCHEMA_VERSION)
      throw new StateError(
        `${this.path}: written by a newer mailwarden (schema ${row.value}, this one knows ${SCHEMA_VERSION})`,
      );
  }

  close(): void {
    this.db.close();
  }

  /** Counts of bans in the state, for reports. */
  banCounts(): { total: number; active: number } {
    return this.stmt(
      'SELECT count(*) AS total, coalesce(sum(lifted IS NULL), 0) AS active FROM bans',
    ).get() as {
      total: number;
      active: number;
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- checkpoints -------------------------------------------------------

  checkpoint(source: string): SourceCheckpoint | undefined {
    const row = this.db.prepare('SELECT data FROM checkpoints WHERE source = ?').get(source) as
      | { data: string }
      | undefined;
    return row ? (JSON.parse(row.data) as SourceCheckpoint) : undefined;
  }

  saveCheckpoint(source: string, checkpoint: SourceCheckpoint, now: number): void {
    this.db
      .prepare(
        'INSERT INTO checkpoints (source, data, updated) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET data = excluded.data, updated = excluded.updated',
      )
      .run(source, JSON.stringify(checkpoint), now);
  }

  // --- strikes -----------------------------------------------------------

  addStrike(address: string, rule: string, ts: number): void {
    this.stmt('INSERT INTO strikes (address, rule, ts) VALUES (?, ?, ?)').run(address, rule, ts);
  }

  clearStrikes(address: string, rule?: string): void {
    if (rule === undefined) this.stmt('DELETE FROM strikes WHERE address = ?').run(address);
    else this.stmt('DELETE FROM strikes WHERE address = ? AND rule = ?').run(address, rule);
  }

  pruneStrikes(rule: string, before: number): number {
    return this.stmt('DELETE FROM strikes WHERE rule = ? AND ts < ?').run(rule, before).changes;
  }

  /** Every stored strike, oldest first. */
  *strikes(): Generator<{ address: string; rule: string; ts: number }> {
    yield* this.db.prepare('SELECT address, rule, ts FROM strikes ORDER BY ts, rowid').iterate() as Iterable<{
      address: string;
      rule: string;
      ts: number;
    }>;
  }

  // --- logins ------------------------------------------------------------

  recordLogin(address: string, ts: number): boolean {
    const r = this.stmt(
      'INSERT INTO logins (address, first, last) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET last = max(last, excluded.last)',
    ).run(address, ts, ts);
    return r.changes > 0;
  }

  loginAddresses(): Map<string, number> {
    const rows = this.db.prepare('SELECT address, first FROM logins').all() as {
      address: string;
      first: number;
    }[];
    return new Map(rows.map((r) => [r.address, r.first]));
  }

  // --- bans --------------------------------------------------------------

  activeBans(): BanRecord[] {
    return this.stmt(`SELECT ${BAN_COLUMNS} FROM bans WHERE lifted IS NULL ORDER BY id`).all() as BanRecord[];
  }

  activeBan(target: string): BanRecord | undefined {
    return this.stmt(
      `SELECT ${BAN_COLUMNS} FROM bans WHERE lifted IS NULL AND target = ? ORDER BY id DESC LIMIT 1`,
    ).get(target) as BanRecord | undefined;
  }

  ban(id: number): BanRecord | undefined {
    return this.stmt(`SELECT ${BAN_COLUMNS} FROM bans WHERE id = ?`).get(id) as BanRecord | undefined;
  }

  /** Bans of `target` created at or after `since` (for repeat offenders). */
  bansSince(target: string, since: number): number {
    const row = this.stmt('SELECT count(*) AS n FROM bans WHERE target = ? AND created >= ?').get(
      target,
      since,
    ) as {
      n: number;
    };
    return row.n;
  }

  /** Every ban, newest first (the history). */
  history(limit: number, since = 0): BanRecord[] {
    return this.stmt(
      `SELECT ${BAN_COLUMNS} FROM bans WHERE created >= ? ORDER BY created DESC, id DESC LIMIT ?`,
    ).all(since, limit) as BanRecord[];
  }

  /** Records a ban and one pending `ban` task per action. */
  insertBan(ban: NewBan, actions: readonly string[]): BanRecord {
    const result = this.stmt(
      'INSERT INTO bans (target, origin, rule, reason, level, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(ban.target, ban.origin, ban.rule, ban.reason, ban.level, ban.created, ban.expires);
    const id = Number(result.lastInsertRowid);
    for (const action of actions) this.addTask(id, action, 'ban', ban.created);
    return { ...ban, id, lifted: null, liftReason: null };
  }

  /**
   * Lifts a ban: pending `ban` tasks are cancelled (nothing was applied yet, or
   * what was is undone by the unban), and every action that applied it, or
   * may have, gets an `unban` task.
   */
  liftBan(id: number, reason: string, now: number): void {
    this.stmt('UPDATE bans SET lifted = ?, lift_reason = ? WHERE id = ? AND lifted IS NULL').run(
      now,
      reason,
      id,
    );
    const tasks = this.stmt("SELECT action, state, attempts FROM tasks WHERE ban_id = ? AND op = 'ban'").all(
      id,
    ) as { action: string; state: TaskState; attempts: number }[];
    for (const t of tasks) {
      if (t.state === 'pending' && t.attempts === 0) {
        this.stmt("UPDATE tasks SET state = 'cancelled' WHERE ban_id = ? AND action = ? AND op = 'ban'").run(
          id,
          t.action,
        );
        continue;
      }
      if (t.state === 'pending')
        this.stmt("UPDATE tasks SET state = 'cancelled' WHERE ban_id = ? AND action = ? AND op = 'ban'").run(
          id,
          t.action,
        );
      this.addTask(id, t.action, 'unban', now);
    }
  }

  /** Active bans whose time is up. */
  dueForExpiry(now: number): BanRecord[] {
    return this.stmt(
      `SELECT ${BAN_COLUMNS} FROM bans WHERE lifted IS NULL AND expires <= ? ORDER BY expires`,
    ).all(now) as BanRecord[];
  }

  // --- tasks -------------------------------------------------------------

  private addTask(banId: number, action: string, op: TaskOp, now: number): void {
    this.stmt(
      "INSERT INTO tasks (ban_id, action, op, state, next_try) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (ban_id, action, op) DO UPDATE SET state = 'pending', attempts = 0, next_try = excluded.next_try, last_error = NULL",
    ).run(banId, action, op, now);
  }

  /** Makes sure every active ban has a `ban` task for each action (an action enabled since keeps up). */
  ensureBanTasks(actions: readonly string[], now: number): number {
    let added = 0;
    const insert = this.stmt(
      "INSERT OR IGNORE INTO tasks (ban_id, action, op, state, next_try) SELECT id, ?, 'ban', 'pending', ? FROM bans WHERE lifted IS NULL",
    );
    for (const action of actions) added += insert.run(action, now).changes;
    return added;
  }

  /** Asks an action to apply (or lift) a ban again: the enforcer no longer holds what it did. */
  redoTask(banId: number, action: string, op: TaskOp, now: number): void {
    this.addTask(banId, action, op, now);
  }

  dueTasks(now: number): TaskRecord[] {
    return this.stmt(
      `SELECT ${TASK_COLUMNS} FROM tasks JOIN bans ON bans.id = tasks.ban_id WHERE tasks.state = 'pending' AND tasks.next_try <= ? ORDER BY tasks.id`,
    ).all(now) as TaskRecord[];
  }

  pendingCounts(): Map<string, number> {
    const rows = this.stmt(
      "SELECT action, count(*) AS n FROM tasks WHERE state = 'pending' GROUP BY action",
    ).all() as {
      action: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.action, r.n]));
  }

  tasksOf(banId: number): TaskRecord[] {
    return this.stmt(
      `SELECT ${TASK_COLUMNS} FROM tasks JOIN bans ON bans.id = tasks.ban_id WHERE ban_id = ? ORDER BY tasks.id`,
    ).all(banId) as TaskRecord[];
  }

  /** Bans (active or lifted) whose `ban` task for `action` is done: what the action believes its enforcer holds. */
  appliedBy(action: string): { banId: number; target: string; active: boolean }[] {
    return (
      this.stmt(
        "SELECT bans.id AS banId, bans.target AS target, bans.lifted IS NULL AS active FROM tasks JOIN bans ON bans.id = tasks.ban_id WHERE tasks.action = ? AND tasks.op = 'ban' AND tasks.state = 'done' AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.ban_id = tasks.ban_id AND u.action = tasks.action AND u.op = 'unban' AND u.state IN ('done', 'pending'))",
      ).all(action) as { banId: number; target: string; active: number }[]
    ).map((r) => ({ banId: r.banId, target: r.target, active: r.active === 1 }));
  }

  taskDone(id: number, now: number): void {
    this.stmt(
      "UPDATE tasks SET state = 'done', attempts = attempts + 1, done_at = ?, last_error = NULL WHERE id = ?",
    ).run(now, id);
  }

  taskRetry(id: number, error: string, nextTry: number): void {
    this.stmt('UPDATE tasks SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE id = ?').run(
      error,
      nextTry,
      id,
    );
  }

  taskFailed(id: number, error: string): void {
    this.stmt("UPDATE tasks SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?").run(
      error,
      id,
    );
  }

  /** Held back without counting an attempt (a batched action waiting for its interval). */
  taskDeferred(id: number, nextTry: number): void {
    this.stmt('UPDATE tasks SET next_try = ? WHERE id = ?').run(nextTry, id);
  }

  // --- decisions ---------------------------------------------------------

  addDecision(ts: number, kind: string, target: string | null, banId: number | null, detail: object): number {
    return Number(
      this.stmt('INSERT INTO decisions (ts, kind, target, ban_id, detail) VALUES (?, ?, ?, ?, ?)').run(
        ts,
        kind,
        target,
        banId,
        JSON.stringify(detail),
      ).lastInsertRowid,
    );
  }

  decisionsAfter(id: number, limit = 1000): DecisionRecord[] {
    const rows = this.stmt('SELECT * FROM decisions WHERE id > ? ORDER BY id LIMIT ?').all(id, limit) as {
      id: number;
      ts: number;
      kind: string;
      target: string | null;
      ban_id: number | null;
      detail: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      ts: r.ts,
      kind: r.kind,
      target: r.target,
      banId: r.ban_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  lastDecisionId(): number {
    const row = this.stmt('SELECT max(id) AS id FROM decisions').get() as { id: number | null };
    return row.id ?? 0;
  }

  // --- the running watcher -----------------------------------------------

  watcher(): WatcherClaim | undefined {
    return this.stmt('SELECT pid, host, started, heartbeat FROM watcher WHERE id = 1').get() as
      | WatcherClaim
      | undefined;
  }

  /** Registers this process as the watcher; fails when another live one holds the state. */
  claimWatcher(now: number, alive: (claim: WatcherClaim) => boolean): void {
    this.transaction(() => {
      const current = this.watcher();
      if (current && current.pid !== process.pid && alive(current))
        throw new StateError(
          `${this.path}: another watcher (pid ${current.pid} on ${current.host}, started ${new Date(current.started).toISOString()}) uses this state`,
        );
      this.stmt(
        'INSERT INTO watcher (id, pid, host, started, heartbeat) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, started = excluded.started, heartbeat = excluded.heartbeat',
      ).run(process.pid, hostname(), now, now);
    });
  }

  heartbeat(now: number): void {
    this.stmt('UPDATE watcher SET heartbeat = ? WHERE id = 1 AND pid = ?').run(now, process.pid);
  }

  releaseWatcher(): void {
    this.stmt('DELETE FROM watcher WHERE id = 1 AND pid = ?').run(process.pid);
  }

  private readonly statements = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
