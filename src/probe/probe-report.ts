/**
 * `mailwarden probe` as a library: probes the endpoints (each on its own, all at
 * once) and assembles the report that the Markdown and JSON formats write.
 */
import { hostname as osHostname } from 'node:os';
import { VERSION } from '../audit/report-builder.js';
import type { Finding } from '../findings/finding.js';
import { type EndpointResult, type ProbeOptions, probeEndpoint } from './probe-endpoint.js';
import { probeFindings } from './probe-findings.js';
import type { ProbeTarget } from './target.js';

/** The whole probe, as `--format json` writes it (schema/probe-report.v1.json). */
export interface ProbeReport {
  schemaVersion: 1;
  generator: { name: 'mailwarden'; version: string };
  generatedAt: string;
  /** The host name certificates were checked against when given with --hostname (else each target's own name). */
  hostname: string | null;
  timeoutSeconds: number;
  endpoints: EndpointResult[];
  findings: Finding[];
}

export interface RunProbeOptions {
  hostname?: string;
  timeoutMs?: number;
  ehloName?: string;
  localAddress?: string;
  now?: Date;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** EHLO needs a name; a fully qualified one, so that no helo restriction refuses the probe before STARTTLS. */
export function defaultEhloName(): string {
  const name = osHostname();
  return /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(name) ? name : 'mailwarden.invalid';
}

export async function runProbe(
  targets: readonly ProbeTarget[],
  options: RunProbeOptions = {},
): Promise<ProbeReport> {
  const now = options.now ?? new Date();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpointOptions: ProbeOptions = {
    timeoutMs,
    ehloName: options.ehloName ?? defaultEhloName(),
    now,
    ...(options.hostname ? { hostname: options.hostname } : {}),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  const endpoints = await Promise.all(targets.map((t) => probeEndpoint(t, endpointOptions)));
  return {
    schemaVersion: 1,
    generator: { name: 'mailwarden', version: VERSION },
    generatedAt: now.toISOString(),
    hostname: options.hostname ?? null,
    timeoutSeconds: timeoutMs / 1000,
    endpoints,
    findings: probeFindings(endpoints, options.hostname),
  };
}
