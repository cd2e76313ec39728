import type { Finding } from '../findings/finding.js';
import type { Detector } from './detector.js';
import { evidence, mergeSamples, newSamples, type Samples, sample } from './tally.js';

interface QueueState {
  sent: number;
  deferred: number;
  bounced: number;
  /** Deferrals per hour bucket (epoch hour). */
  deferredByHour: Record<string, number>;
  reasons: Record<string, number>;
  samples: Samples;
}

/** Deferral reasons without queue ids, hosts or numbers, so they group. */
function reasonShape(detail: string | undefined): string {
  return (detail ?? '?')
    .replace(/\[[0-9a-fA-F:.]+\](:\d+)?/g, '[ADDR]')
    .replace(/\d+/g, 'N')
    .slice(0, 100);
}

export const queueBacklog: Detector<QueueState> = {
  id: 'queue-backlog',
  classes: ['delivery-sent', 'delivery-deferred', 'delivery-bounced'],
  create: () => ({
    sent: 0,
    deferred: 0,
    bounced: 0,
    deferredByHour: {},
    reasons: {},
    samples: newSamples(),
  }),
  add(s, e, tsMs, raw) {
    if (e.class === 'delivery-sent') s.sent++;
    else if (e.class === 'delivery-bounced') s.bounced++;
    else {
      s.deferred++;
      const hour = String(Math.floor(tsMs / 3_600_000));
      s.deferredByHour[hour] = (s.deferredByHour[hour] ?? 0) + 1;
      const shape = reasonShape(e.detail);
      s.reasons[shape] = (s.reasons[shape] ?? 0) + 1;
      sample(s.samples, shape, raw, e);
    }
  },
  merge(into, later) {
    into.sent += later.sent;
    into.deferred += later.deferred;
    into.bounced += later.bounced;
    for (const [k, v] of Object.entries(later.deferredByHour))
      into.deferredByHour[k] = (into.deferredByHour[k] ?? 0) + v;
    for (const [k, v] of Object.entries(later.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + v;
    mergeSamples(into.samples, later.samples);
  },
  findings(s): Finding[] {
    const attempts = s.sent + s.deferred + s.bounced;
    if (attempts === 0) return [];
    const share = s.deferred / attempts;
    const peak = Math.max(0, ...Object.values(s.deferredByHour));
    if (s.deferred >= 10 && share >= 0.2) {
      const reasons = Object.entries(s.reasons)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5);
      return [
        {
          id: 'queue-backlog',
          kind: 'issue',
          title: 'Deferred mail is piling up',
          severity: share >= 0.5 || peak >= 100 ? 'high' : 'medium',
          severityRule: `high when half of the delivery attempts are deferred or 100+ in one hour; medium from 10 deferrals and 20% (here: ${s.deferred} deferred, ${Math.round(share * 100)}%, peak ${peak}/h)`,
          status: 'open',
          description: `${s.deferred} of ${attempts} delivery attempts were deferred (${Math.round(share * 100)}%), up to ${peak} in one hour. Main reasons: ${reasons.map(([r, n]) => `${r} (${n})`).join('; ')}.`,
          sources: [],
          evidence: evidence(s.samples),
          rootCause:
            'Remote servers refuse or cannot be reached (greylisting, blocklisting of this server, DNS or network trouble), or a local delivery agent fails.',
          recommendation: {
            summary:
              'Look at the queue and the deferral reasons; a blocklisting of the server\u2019s address shows in the remote replies.',
            dockerMailserver: [
              'docker exec mailserver postqueue -p | tail -n 1',
              'docker exec mailserver qshape deferred',
            ],
            plainHost: ['postqueue -p | tail -n 1', 'qshape deferred'],
          },
          metrics: { sent: s.sent, deferred: s.deferred, bounced: s.bounced, peakDeferredPerHour: peak },
        },
      ];
    }
    return [
      {
        id: 'queue-healthy',
        kind: 'positive',
        title: 'Mail queue is not backing up',
        severity: 'info',
        severityRule: 'positive finding',
        status: 'mitigated',
        description: `${s.sent} deliveries, ${s.deferred} deferred (${Math.round(share * 100)}%), ${s.bounced} bounced.`,
        sources: [],
        evidence: [],
        rootCause: 'Deliveries succeed.',
        recommendation: {
          summary: 'Keep watching the queue size.',
          dockerMailserver: ['docker exec mailserver postqueue -p | tail -n 1'],
          plainHost: ['postqueue -p | tail -n 1'],
        },
        metrics: { sent: s.sent, deferred: s.deferred, bounced: s.bounced },
      },
    ];
  },
};

interface ContentState {
  counts: Record<string, number>;
  viruses: Record<string, number>;
  dkimSigned: number;
  samples: Samples;
}

export const contentSummary: Detector<ContentState> = {
  id: 'content-authentication-summary',
  classes: ['virus-found', 'spam-blocked', 'dkim-fail', 'dmarc-fail', 'content-clean'],
  create: () => ({ counts: {}, viruses: {}, dkimSigned: 0, samples: newSamples() }),
  add(s, e, _tsMs, raw) {
    if (e.class === 'content-clean') {
      if (e.detail === 'signed') s.dkimSigned++;
      return;
    }
    s.counts[e.class] = (s.counts[e.class] ?? 0) + 1;
    if (e.class === 'virus-found') {
      const name = e.detail ?? '?';
      s.viruses[name] = (s.viruses[name] ?? 0) + 1;
      sample(s.samples, name, raw, e);
    }
  },
  merge(into, later) {
    for (const [k, v] of Object.entries(later.counts)) into.counts[k] = (into.counts[k] ?? 0) + v;
    for (const [k, v] of Object.entries(later.viruses)) into.viruses[k] = (into.viruses[k] ?? 0) + v;
    into.dkimSigned += later.dkimSigned;
    mergeSamples(into.samples, later.samples);
  },
  findings(s): Finding[] {
    const findings: Finding[] = [];
    const viruses = Object.entries(s.viruses).sort((a, b) => b[1] - a[1]);
    if (viruses.length > 0) {
      findings.push({
        id: 'malware-detected',
        kind: 'issue',
        title: 'Malware was sent to the server',
        severity: 'high',
        severityRule:
          'high whenever a virus scanner reports malware: it was caught, but someone is targeting these mailboxes',
        status: 'mitigated',
        description: `${s.counts['virus-found']} messages carried malware: ${viruses
          .slice(0, 5)
          .map(([n, c]) => `${n} (${c})`)
          .join(', ')}.`,
        sources: [],
        evidence: evidence(s.samples),
        rootCause: 'Malware campaigns; the scanner blocked these, which is why the status is mitigated.',
        recommendation: {
          summary:
            'Keep ClamAV signatures current; check that no infected message was delivered (quarantine, logs).',
          dockerMailserver: ['docker exec mailserver freshclam --version'],
          plainHost: ['freshclam --version'],
        },
        metrics: Object.fromEntries(viruses),
      });
    }
    const summary = ['spam-blocked', 'dkim-fail', 'dmarc-fail'].filter((k) => (s.counts[k] ?? 0) > 0);
    if (summary.length > 0) {
      findings.push({
        id: 'content-authentication-summary',
        kind: 'issue',
        title: 'Spam and sender-authentication failures',
        severity: 'info',
        severityRule: 'info: the filters worked; the counts show the pressure',
        status: 'mitigated',
        description: summary
          .map((k) => `${s.counts[k]} ${k}`)
          .join(', ')
          .concat('.'),
        sources: [],
        evidence: [],
        rootCause: 'Spam and spoofed mail arrive every day; the filters classified these.',
        recommendation: {
          summary: 'Configure DMARC reporting to see who sends in your domain\u2019s name.',
          dockerMailserver: [],
          plainHost: [],
        },
        metrics: Object.fromEntries(summary.map((k) => [k, s.counts[k]!])),
      });
    }
    if (s.dkimSigned > 0) {
      findings.push({
        id: 'dkim-signing',
        kind: 'positive',
        title: 'Outgoing mail is DKIM-signed',
        severity: 'info',
        severityRule: 'positive finding',
        status: 'mitigated',
        description: `OpenDKIM signed ${s.dkimSigned} messages.`,
        sources: [],
        evidence: [],
        rootCause: 'OpenDKIM is enabled with keys.',
        recommendation: {
          summary: 'Keep it; check that the published keys match (config audit).',
          dockerMailserver: [],
          plainHost: [],
        },
        metrics: { signed: s.dkimSigned },
      });
    }
    return findings;
  },
};
