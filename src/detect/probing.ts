import type { EventClass } from '../classify/taxonomy.js';
import type { Finding, Severity } from '../findings/finding.js';
import { blockAtPostfix } from '../findings/recommendations.js';
import { BLOCK_FIXED_TEXT, BLOCK_HELD_TEXT, blockStatus } from './blocked.js';
import type { DetectContext, Detector } from './detector.js';
import { maxOf } from './extremes.js';
import {
  addTo,
  evidence,
  findingSources,
  mergeSamples,
  mergeTallies,
  newSamples,
  type Samples,
  sample,
  type Tallies,
  tallyFor,
} from './tally.js';

interface State {
  byAddress: Tallies;
  /** Distinct details seen (recipients probed, commands sent), capped. */
  details: string[];
  samples: Samples;
}

interface ProbeSpec {
  id: string;
  classes: readonly EventClass[];
  title: string;
  /** Attempts from one address at which severity rises. */
  severity: (total: number, worst: number, addresses: number) => { level: Severity; rule: string };
  describe: (total: number, addresses: number, details: string[]) => string;
  rootCause: string;
  positive?: (total: number, addresses: number) => Omit<Finding, 'sources' | 'evidence' | 'metrics'> | null;
}

const DETAILS_KEPT = 200;

/** Detectors of one kind of probing, counted per address: relay attempts, recipient harvesting, non-SMTP commands. */
function probeDetector(spec: ProbeSpec): Detector<State> {
  return {
    id: spec.id,
    classes: spec.classes,
    create: () => ({ byAddress: new Map(), details: [], samples: newSamples() }),
    add(s, e, tsMs, raw) {
      if (!e.ip) return;
      addTo(tallyFor(s.byAddress, e.ip), tsMs, e.class);
      if (e.detail && s.details.length < DETAILS_KEPT && !s.details.includes(e.detail))
        s.details.push(e.detail);
      sample(s.samples, e.ip, raw, e);
    },
    merge(into, later) {
      mergeTallies(into.byAddress, later.byAddress);
      for (const d of later.details)
        if (into.details.length < DETAILS_KEPT && !into.details.includes(d)) into.details.push(d);
      mergeSamples(into.samples, later.samples);
    },
    findings(s, ctx: DetectContext): Finding[] {
      if (s.byAddress.size === 0) return [];
      const tallies = [...s.byAddress.values()];
      const total = tallies.reduce((n, t) => n + t.count, 0);
      const worst = maxOf(tallies.map((t) => t.count));
      const { level, rule } = spec.severity(total, worst, s.byAddress.size);
      const repeat = [...s.byAddress.entries()].filter(([, t]) => t.count >= 3).map(([ip]) => ip);
      const block = blockAtPostfix(
        repeat.length > 0 ? repeat : [...s.byAddress.keys()],
        spec.title.toLowerCase(),
      );
      const status = blockStatus(
        () => [...s.byAddress.entries()].map(([ip, t]) => [ip, t.last] as const),
        ctx,
      );
      const findings: Finding[] = [
        {
          id: spec.id,
          kind: 'issue',
          title: spec.title,
          severity: level,
          severityRule: rule,
          status,
          description: `${spec.describe(total, s.byAddress.size, s.details)}${status === 'fixed' ? BLOCK_FIXED_TEXT : status === 'mitigated' ? BLOCK_HELD_TEXT : ''}`,
          sources: findingSources(s.byAddress, ctx.subnetMin, 25, ctx.banned),
          evidence: evidence(s.samples),
          rootCause: spec.rootCause,
          recommendation: block,
          metrics: { attempts: total, addresses: s.byAddress.size, mostFromOneAddress: worst },
        },
      ];
      const positive = spec.positive?.(total, s.byAddress.size);
      if (positive) findings.push({ ...positive, sources: [], evidence: [], metrics: { refused: total } });
      return findings;
    },
  };
}

export const relayProbing = probeDetector({
  id: 'relay-probing',
  classes: ['relay-denied'],
  title: 'Open-relay probing',
  severity: (total, worst) => ({
    level: worst >= 20 || total >= 100 ? 'medium' : 'low',
    rule: `medium from 20 attempts by one address or 100 in all; low below (here: ${total}, at most ${worst} from one address)`,
  }),
  describe: (total, addresses, details) =>
    `${total} attempts from ${addresses} addresses to relay mail to other domains (e.g. ${details.slice(0, 3).join(', ')}); the server refused them all.`,
  rootCause: 'Spammers test every mail server for an open relay.',
  positive: (total) => ({
    id: 'no-open-relay',
    kind: 'positive',
    title: 'No open relay seen',
    severity: 'info',
    severityRule: 'positive finding',
    status: 'mitigated',
    description: `All ${total} relay attempts in the logs were refused with "Relay access denied".`,
    rootCause: 'smtpd_relay_restrictions reject unauthenticated relaying.',
    recommendation: { summary: 'Keep it.', dockerMailserver: [], plainHost: [] },
  }),
});

export const recipientHarvesting = probeDetector({
  id: 'recipient-harvesting',
  classes: ['unknown-recipient'],
  title: 'Recipient harvesting (directory attack)',
  severity: (_total, worst) => ({
    level: worst >= 20 ? 'medium' : 'low',
    rule: `medium when one address probes 20+ unknown recipients; low below (here: at most ${worst})`,
  }),
  describe: (total, addresses, details) =>
    `${total} recipients rejected as unknown, from ${addresses} addresses; ${details.length}${details.length >= DETAILS_KEPT ? '+' : ''} distinct recipients tried (e.g. ${details.slice(0, 5).join(', ')}).`,
  rootCause: 'Bots try common local parts (admin, info, sales...) to find which addresses exist.',
});

export const nonSmtpProbing = probeDetector({
  id: 'non-smtp-probing',
  classes: ['non-smtp-command'],
  title: 'Non-SMTP probing of the SMTP services',
  severity: (total) => ({
    level: total >= 20 ? 'medium' : 'low',
    rule: `medium from 20 non-SMTP commands; low below (here: ${total})`,
  }),
  describe: (total, addresses, details) =>
    `${total} non-SMTP commands (HTTP requests and other protocol scans) from ${addresses} addresses, e.g. ${details.slice(0, 3).join(' | ')}.`,
  rootCause: 'Internet-wide scanners send HTTP and other protocols to every open port.',
});
