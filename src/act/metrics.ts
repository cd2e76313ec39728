import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What the watcher exposes to Prometheus: lines read by outcome, events per
 * class, bans and unbans, action results, and how far behind the sources are.
 */
export class WatchMetrics {
  readonly registry = new Registry();
  readonly lines = new Counter({
    name: 'mailwarden_lines_total',
    help: 'Log lines read, by source and outcome (classified, benign, unrecognised, malformed).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly staleEvents = new Counter({
    name: 'mailwarden_stale_events_total',
    help: 'Events older than the longest rule window when read (a backlog): counted, never acted on.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'mailwarden_events_total',
    help: 'Security events classified, by event class.',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });
  readonly bans = new Counter({
    name: 'mailwarden_bans_total',
    help: 'Bans decided, by origin (watch, subnet, manual) and rule.',
    labelNames: ['origin', 'rule'] as const,
    registers: [this.registry],
  });
  readonly unbans = new Counter({
    name: 'mailwarden_unbans_total',
    help: 'Bans lifted, by reason (expired, manual).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly spared = new Counter({
    name: 'mailwarden_spared_total',
    help: 'Thresholds crossed by protected addresses (allowlist, local ranges, clean logins), which were not banned.',
    registers: [this.registry],
  });
  readonly actionRuns = new Counter({
    name: 'mailwarden_action_tasks_total',
    help: 'Action tasks performed, by action, operation and result (done, retry, failed, deferred).',
    labelNames: ['action', 'op', 'result'] as const,
    registers: [this.registry],
  });
  readonly activeBans = new Gauge({
    name: 'mailwarden_bans_active',
    help: 'Bans in force.',
    registers: [this.registry],
  });
  readonly pendingTasks = new Gauge({
    name: 'mailwarden_action_tasks_pending',
    help: 'Tasks an action still owes (waiting, or retrying after a failure).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'mailwarden_source_lag_seconds',
    help: 'Wall-clock time minus the log time of the newest event of a counted class read from the source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'mailwarden_batch_seconds',
    help: 'Time to classify a batch of lines, decide and store the result.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly tracked = new Gauge({
    name: 'mailwarden_tracked_addresses',
    help: 'Addresses with events inside a rule window, by rule.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly lastTick = new Gauge({
    name: 'mailwarden_last_tick_timestamp_seconds',
    help: 'When the watcher last applied, expired and reconciled bans.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mailwarden_' });
  }
}

export interface Health {
  ok: boolean;
  detail: Record<string, unknown>;
}

/** Serves /metrics and /healthz on a loopback address. */
export async function serveMetrics(
  listen: string,
  metrics: WatchMetrics,
  health: () => Health,
): Promise<{ server: Server; address: string }> {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d+)$/.exec(listen);
  if (!match) throw new Error(`metrics listen address "${listen}" is not host:port`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch((error: Error) => res.writeHead(500).end(error.message));
      return;
    }
    if (path === '/healthz' || path === '/health') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('mailwarden watch: /metrics and /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(match[2]), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const address =
    bound && typeof bound === 'object'
      ? `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
      : listen;
  return { server, address };
}
