import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { escapeForTerminal } from '../cli/terminal-escape.js';
import { loadServerConfig } from '../config/load-config.js';
import type { ServerConfig } from '../config/server-config.js';
import type { LiveBatch, LiveSource } from '../ingest/live/source.js';
import { staticProtections } from '../mitigate/static-protections.js';
import { ActionRunner, type TaskReport } from './action-runner.js';
import type { BanAction } from './actions/action.js';
import { buildActions } from './actions/build-actions.js';
import { formatLength } from './decide/ban-length.js';
import { Decider, type Decision } from './decide/decider.js';
import { DecisionLog } from './decision-log.js';
import { LineIntake } from './line-intake.js';
import { type Health, serveMetrics, WatchMetrics } from './metrics.js';
import type { WatchSettings } from './settings/types.js';
import { StateStore, type WatcherClaim } from './state/state-store.js';

export interface WatcherOptions {
  settings: WatchSettings;
  sources: LiveSource[];
  /** The mail server's configuration (mynetworks, the map and its wiring). */
  configDir?: string;
  dryRun: boolean;
  /** IANA zone of log times without an offset. */
  zone?: string;
  stdout: Writable;
  stderr: Writable;
  /** The clock (tests replace it). */
  now?: () => number;
}

/** Reconciling with what enforcers hold, and pruning quiet addresses, happen this often. */
const MAINTENANCE_MS = 60_000;

/** Whether the process a state file names as its watcher still runs. */
export function watcherAlive(claim: WatcherClaim, staleAfterMs: number): boolean {
  if (Date.now() - claim.heartbeat > staleAfterMs) return false;
  try {
    process.kill(claim.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `mailwarden watch`: follows the sources, counts attack events against the
 * rules on wall-clock time, records bans in the state, and has the actions
 * apply, retry, expire and reconcile them on every tick (and at once after a
 * batch that decided a ban, so a ban is not held back by the tick).
 */
export class Watcher {
  private readonly clock: () => number;
  private settings: WatchSettings;
  private store!: StateStore;
  private decider!: Decider;
  private runner!: ActionRunner;
  private actions: BanAction[] = [];
  private intake!: LineIntake;
  private readonly metrics = new WatchMetrics();
  private readonly log: DecisionLog;
  private server: Server | null = null;
  private metricsAddress: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private stopping = false;
  private lastMaintenance = 0;
  private lastTick = 0;
  private lastSeenDecision = 0;
  private readonly problems = new Map<string, { message: string; at: number }>();
  private config: ServerConfig | null = null;

  constructor(private readonly options: WatcherOptions) {
    this.clock = options.now ?? Date.now;
    this.settings = options.settings;
    const target = options.settings.decisionLog;
    this.log = new DecisionLog(
      target === 'stdout' ? options.stdout : target === 'stderr' ? options.stderr : null,
      target !== null && target !== 'stdout' && target !== 'stderr' ? target : undefined,
    );
  }

  private say(message: string): void {
    this.options.stderr.write(`mailwarden: ${escapeForTerminal(message)}\n`);
  }

  get metricsEndpoint(): string | null {
    return this.metricsAddress;
  }

  async start(): Promise<void> {
    const { settings, options } = this;
    this.store = new StateStore(options.dryRun ? ':memory:' : settings.state);
    this.store.claimWatcher(this.clock(), (c) => watcherAlive(c, Math.max(3 * settings.tick, 60_000)));
    if (options.configDir !== undefined) this.config = loadServerConfig(options.configDir);
    this.build(settings);
    this.lastSeenDecision = this.store.lastDecisionId();
    if (settings.metrics.listen !== null) {
      const served = await serveMetrics(settings.metrics.listen, this.metrics, () => this.health());
      this.server = served.server;
      this.metricsAddress = served.address;
    }
    for (const action of this.actions) {
      for (const problem of (await action.check?.()) ?? []) this.problem('start', problem);
      this.say(`action: ${action.describe()}`);
    }
    const now = this.clock();
    const added = this.store.ensureBanTasks(
      this.actions.map((a) => a.name),
      now,
    );
    if (added > 0) this.say(`${added} bans in force are applied by actions enabled since they were decided`);
    this.store.transaction(() => this.decider.expire(now));
    await this.runner.reconcile(now, true);
    this.lastMaintenance = now;
    for (const source of options.sources) {
      const resume = this.store.checkpoint(source.key);
      await source.start(
        (batch) => this.onBatch(source, batch),
        (message) => this.problem(source.key, message),
        resume,
      );
      this.say(`reading ${source.key}${resume ? ' from where it stopped' : ''}`);
    }
    this.log.write('start', {
      sources: options.sources.map((s) => s.key),
      actions: this.actions.map((a) => a.name),
      rules: settings.rules.map((r) => `${r.name}: ${r.count} in ${formatLength(r.window)}`),
      activeBans: this.decider.activeCount,
      dryRun: options.dryRun,
      metrics: this.metricsAddress,
    });
    this.schedule(settings.tick);
  }

  /** Everything that follows from the settings: protections, the decider, the actions. */
  private build(settings: WatchSettings): void {
    const built = buildActions(settings, {
      ...(this.options.configDir !== undefined ? { configDir: this.options.configDir } : {}),
      config: this.config,
      stdout: this.options.stdout,
      stderr: this.options.stderr,
      dryRun: this.options.dryRun,
    });
    for (const w of built.warnings) this.problem('start', w);
    const { protections, notes } = staticProtections({
      allow: settings.allow,
      allowLabel: 'allow (settings)',
      allowlistFile: settings.allowlist,
      postfix: this.config?.postfix ?? null,
      mapEntries: built.mapEntries,
      ...(built.mapPath ? { mapPath: built.mapPath } : {}),
      includePrivate: settings.includePrivate,
    });
    for (const n of notes) this.say(n);
    this.actions = built.actions;
    this.decider = new Decider({
      settings,
      store: this.store,
      protections,
      actions: this.actions.map((a) => a.name),
      onDecision: (d) => this.decided(d),
      now: this.clock,
    });
    this.runner = new ActionRunner(this.store, this.actions, settings.actions, {
      onTask: (r) => this.taskReported(r),
      onDrift: (action, target, op) => this.log.write('reconcile', { action, target, op }),
      onProblem: (message) => this.problem('actions', message),
    });
    const longest = Math.max(...settings.rules.map((r) => r.window), settings.bans.subnetWindow);
    this.intake = new LineIntake(this.decider.countedClasses, longest, this.metrics, this.options.zone);
  }

  /** SIGHUP: new settings take effect for what follows; the state, sources and metrics endpoint stay. */
  async reload(settings: WatchSettings): Promise<void> {
    if (settings.state !== this.settings.state)
      this.say(
        `state: a new path (${settings.state}) takes effect after a restart; still using ${this.settings.state}`,
      );
    if (settings.metrics.listen !== this.settings.metrics.listen)
      this.say('metrics.listen: a new address takes effect after a restart');
    await this.idle();
    const keep = {
      state: this.settings.state,
      metrics: this.settings.metrics,
      decisionLog: this.settings.decisionLog,
    };
    this.settings = { ...settings, ...keep };
    this.build(this.settings);
    const now = this.clock();
    this.store.ensureBanTasks(
      this.actions.map((a) => a.name),
      now,
    );
    await this.runner.reconcile(now, true);
    this.log.write('reload', {
      actions: this.actions.map((a) => a.name),
      rules: this.settings.rules.map((r) => `${r.name}: ${r.count} in ${formatLength(r.window)}`),
    });
    this.schedule(0);
  }

  private onBatch(source: LiveSource, batch: LiveBatch): void {
    const started = performance.now();
    const now = this.clock();
    let banned = false;
    const before = this.decider.activeCount;
    this.store.transaction(() => {
      this.intake.read(batch, now, (event, ts) => this.decider.observe(event, ts));
      if (batch.checkpoint) this.store.saveCheckpoint(source.key, batch.checkpoint, now);
    });
    banned = this.decider.activeCount !== before;
    this.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    if (banned) this.schedule(0);
  }

  private decided(d: Decision): void {
    if (d.kind === 'ban' && d.ban) {
      this.metrics.bans.inc({ origin: d.ban.origin, rule: d.ban.rule ?? '' });
      this.log.write('ban', {
        target: d.target,
        id: d.ban.id,
        origin: d.ban.origin,
        rule: d.ban.rule,
        level: d.ban.level,
        expires: new Date(d.ban.expires).toISOString(),
        reason: d.reason,
        dryRun: this.options.dryRun,
      });
    } else if (d.kind === 'spared') {
      this.metrics.spared.inc();
      this.log.write('spared', { target: d.target, rule: d.rule, reason: d.reason });
    } else {
      this.metrics.unbans.inc({ reason: d.reason });
      this.log.write('unban', { target: d.target, id: d.ban?.id, reason: d.reason });
    }
  }

  private taskReported(r: TaskReport): void {
    this.metrics.actionRuns.inc({ action: r.action, op: r.op, result: r.outcome });
    if (r.outcome === 'deferred') return;
    this.log.write(`action-${r.outcome}`, {
      action: r.action,
      op: r.op,
      target: r.target,
      id: r.banId,
      attempts: r.attempts,
      ...(r.error ? { error: r.error } : {}),
    });
    if (r.outcome === 'failed')
      this.say(`${r.action} could not ${r.op} ${r.target} after ${r.attempts} attempts: ${r.error}`);
  }

  private problem(where: string, message: string): void {
    this.problems.set(where, { message, at: this.clock() });
    this.log.write('problem', { where, message });
    this.say(message);
  }

  private schedule(delay: number): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick()
        .catch((error: Error) => this.problem('tick', error.message))
        .finally(() => {
          this.ticking = null;
          const again = this.tickAgain;
          this.tickAgain = false;
          this.schedule(again ? 0 : this.settings.tick);
        });
    }, delay);
  }

  /** Applies, retries, expires; every minute also reconciles and prunes. */
  private async tick(): Promise<void> {
    const now = this.clock();
    this.store.heartbeat(now);
    this.takeOutsideDecisions();
    this.store.transaction(() => this.decider.expire(now));
    await this.runner.runDue(now);
    if (now - this.lastMaintenance >= MAINTENANCE_MS) {
      this.lastMaintenance = now;
      await this.runner.reconcile(now, false);
      this.store.transaction(() => this.decider.prune(now));
    }
    this.lastTick = this.clock();
    this.metrics.lastTick.set(this.lastTick / 1000);
    this.metrics.activeBans.set(this.decider.activeCount);
    this.metrics.pendingTasks.reset();
    for (const [action, n] of this.store.pendingCounts()) this.metrics.pendingTasks.set({ action }, n);
    for (const [rule, n] of Object.entries(this.decider.tracked())) this.metrics.tracked.set({ rule }, n);
  }

  /** Bans and unbans that `mailwarden bans` recorded while this watcher ran. */
  private takeOutsideDecisions(): void {
    const outside = this.store.decisionsAfter(this.lastSeenDecision);
    if (outside.length === 0) return;
    this.lastSeenDecision = outside.at(-1)!.id;
    const manual = outside.filter((d) => d.detail.by === 'bans-command');
    if (manual.length === 0) return;
    this.decider.refresh();
    for (const d of manual) {
      if (d.kind === 'unban' && d.target !== null) this.decider.forgive(d.target);
      this.log.write(`manual-${d.kind}`, { target: d.target, id: d.banId, ...d.detail });
    }
  }

  private health(): Health {
    const now = this.clock();
    const tickAge = now - this.lastTick;
    const ok = !this.stopping && this.lastTick > 0 && tickAge < Math.max(5 * this.settings.tick, 30_000);
    return {
      ok,
      detail: {
        status: ok ? 'ok' : 'stalled',
        lastTickSecondsAgo: Math.round(tickAge / 1000),
        sources: this.options.sources.map((s) => s.key),
        activeBans: this.decider.activeCount,
        pendingTasks: Object.fromEntries(this.store.pendingCounts()),
        problems: Object.fromEntries(
          [...this.problems].filter(([, p]) => now - p.at < 600_000).map(([k, p]) => [k, p.message]),
        ),
      },
    };
  }

  /** Waits for a running tick to end. */
  private async idle(): Promise<void> {
    while (this.ticking) await this.ticking;
  }

  /** SIGTERM: stop reading, store what was read, let the actions do what is due, then close. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.options.sources.map((s) => s.stop().catch(() => undefined)));
    await this.idle();
    try {
      await this.runner.runDue(this.clock());
    } catch (error) {
      this.say(`while stopping: ${(error as Error).message}`);
    }
    this.log.write('stop', { activeBans: this.decider.activeCount });
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.store.releaseWatcher();
    this.store.close();
    await this.log.close();
  }
}
