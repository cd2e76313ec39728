import type { Finding } from '../findings/finding.js';
import { blockAtPostfix } from '../findings/recommendations.js';
import type { Detector } from './detector.js';
import {
  addTo,
  evidence,
  findingSources,
  mergeSamples,
  mergeTallies,
  newSamples,
  rhythm,
  type Samples,
  sample,
  type Tallies,
  tallyFor,
} from './tally.js';

const VIOLATIONS = new Set([
  'pregreet',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-dnsbl',
  'postscreen-denylisted',
]);

interface State {
  byAddress: Tallies;
  /** Hangups and limits: signals, reported with the violations but not by themselves. */
  signals: Record<string, number>;
  /** Last time each address was handed to smtpd on port 25 (postscreen let it through). */
  reachedSmtpd: Map<string, number>;
  /** First time postscreen's access list refused each address (DENYLISTED / BLACKLISTED). */
  denylisted: Map<string, number>;
  /** Last time it did. */
  denylistedLast: Map<string, number>;
  samples: Samples;
}

/** When postscreen's access list first refused each address, for the other detectors' `blockHeld`. */
export function denylistedSince(state: { denylisted?: Map<string, number> }): Map<string, number> {
  return state.denylisted ?? new Map();
}

/** When postscreen's access list last refused each address. */
export function denylistedUntil(state: { denylistedLast?: Map<string, number> }): Map<string, number> {
  return state.denylistedLast ?? new Map();
}

/** smtpd behind postscreen: `postfix/smtpd` or an instance's `postfix-x/smtpd`, not the submission services. */
function isPort25Smtpd(service: string): boolean {
  return service.endsWith('/smtpd') && service.indexOf('/') === service.lastIndexOf('/');
}

export const postscreenViolations: Detector<State> = {
  id: 'postscreen-violations',
  classes: [
    'pregreet',
    'postscreen-bare-newline',
    'postscreen-pipelining',
    'postscreen-non-smtp',
    'postscreen-dnsbl',
    'postscreen-denylisted',
    'postscreen-hangup',
    'postscreen-limit',
    'smtp-connect',
  ],
  create: () => ({
    byAddress: new Map(),
    signals: {},
    reachedSmtpd: new Map(),
    denylisted: new Map(),
    denylistedLast: new Map(),
    samples: newSamples(),
  }),
  add(s, e, tsMs, raw) {
    if (!e.ip) return;
    if (e.class === 'smtp-connect') {
      if (isPort25Smtpd(e.service)) s.reachedSmtpd.set(e.ip, tsMs);
      return;
    }
    if (!VIOLATIONS.has(e.class)) {
      s.signals[e.class] = (s.signals[e.class] ?? 0) + 1;
      return;
    }
    addTo(tallyFor(s.byAddress, e.ip), tsMs, e.class);
    if (e.class === 'postscreen-denylisted' && tsMs < (s.denylisted.get(e.ip) ?? Number.POSITIVE_INFINITY))
      s.denylisted.set(e.ip, tsMs);
    if (
      e.class === 'postscreen-denylisted' &&
      tsMs > (s.denylistedLast.get(e.ip) ?? Number.NEGATIVE_INFINITY)
    )
      s.denylistedLast.set(e.ip, tsMs);
    sample(s.samples, e.ip, raw, e);
  },
  merge(into, later) {
    mergeTallies(into.byAddress, later.byAddress);
    for (const [k, v] of Object.entries(later.signals)) into.signals[k] = (into.signals[k] ?? 0) + v;
    for (const [ip, t] of later.reachedSmtpd)
      into.reachedSmtpd.set(ip, Math.max(t, into.reachedSmtpd.get(ip) ?? 0));
    for (const [ip, t] of later.denylisted)
      into.denylisted.set(ip, Math.min(t, into.denylisted.get(ip) ?? Number.POSITIVE_INFINITY));
    for (const [ip, t] of later.denylistedLast)
      into.denylistedLast.set(ip, Math.max(t, into.denylistedLast.get(ip) ?? Number.NEGATIVE_INFINITY));
    mergeSamples(into.samples, later.samples);
  },
  findings(s, ctx): Finding[] {
    if (s.byAddress.size === 0) return [];
    const total = [...s.byAddress.values()].reduce((n, t) => n + t.count, 0);
    const byClass: Record<string, number> = {};
    for (const t of s.byAddress.values())
      for (const [k, v] of Object.entries(t.classes)) byClass[k] = (byClass[k] ?? 0) + v;
    const passedThrough = [...s.byAddress.entries()]
      .filter(([ip, t]) => (s.reachedSmtpd.get(ip) ?? 0) > t.first)
      .map(([ip]) => ip);
    const blocked = s.byAddress.size - passedThrough.length;
    const repeat = [...s.byAddress.entries()]
      .filter(([, t]) => t.count >= 3)
      .sort((a, b) => b[1].count - a[1].count);
    const repeatText = repeat
      .slice(0, 5)
      .map(
        ([ip, t]) => `${ip}: ${t.count} times${rhythm(t.times) ? `, same address ${rhythm(t.times)}` : ''}`,
      );
    const severity = repeat.length > 0 || total >= 20 ? 'medium' : 'low';
    const classText = Object.entries(byClass)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    const status = passedThrough.length === 0 ? 'mitigated' : 'open';
    const block = blockAtPostfix(
      repeat.length > 0 ? repeat.map(([ip]) => ip) : [...s.byAddress.keys()],
      'repeat protocol violators: drop them at connect instead of running the tests again',
    );
    const findings: Finding[] = [
      {
        id: 'postscreen-violations',
        kind: 'issue',
        title: 'SMTP protocol violations caught by postscreen',
        severity,
        severityRule: `medium when an address violates 3+ times or there are 20+ violations; low below (here: ${total} violations, ${repeat.length} repeat offenders)`,
        status,
        description: `postscreen saw ${classText} from ${s.byAddress.size} addresses.${repeatText.length > 0 ? ` Repeat offenders: ${repeatText.join('; ')}.` : ''} ${
          status === 'mitigated'
            ? 'None of them reached smtpd afterwards: postscreen blocked them.'
            : `${passedThrough.length} of them later reached smtpd: ${passedThrough.slice(0, 5).join(', ')}.`
        }`,
        sources: findingSources(s.byAddress, ctx.subnetMin),
        evidence: evidence(s.samples),
        rootCause:
          'Spam bots talk before the greeting (PREGREET), pipeline without permission or send HTTP requests to port 25; postscreen detects this before smtpd spends anything on them.',
        recommendation: {
          summary:
            status === 'mitigated'
              ? `postscreen already rejects them. ${repeat.length > 0 ? block.summary : 'Nothing to change; keep postscreen_greet_action = enforce.'}`
              : `Some violators got through: set postscreen_greet_action, postscreen_bare_newline_action, postscreen_pipelining_action and postscreen_non_smtp_command_action to enforce (or drop). ${block.summary}`,
          dockerMailserver: [
            'docker exec mailserver postconf postscreen_greet_action postscreen_bare_newline_action postscreen_pipelining_action postscreen_non_smtp_command_action',
            ...(repeat.length > 0 ? block.dockerMailserver : []),
          ],
          plainHost: [
            'postconf postscreen_greet_action postscreen_bare_newline_action postscreen_pipelining_action postscreen_non_smtp_command_action',
            ...(repeat.length > 0 ? block.plainHost : []),
          ],
        },
        metrics: {
          violations: total,
          addresses: s.byAddress.size,
          repeatOffenders: repeat.length,
          blocked,
          reachedSmtpd: passedThrough.length,
          ...byClass,
          ...s.signals,
        },
      },
    ];
    if (blocked > 0) {
      findings.push({
        id: 'postscreen-blocking',
        kind: 'positive',
        title: 'postscreen is blocking protocol violators',
        severity: 'info',
        severityRule: 'positive finding',
        status: 'mitigated',
        description: `postscreen stopped ${blocked} of ${s.byAddress.size} violating addresses before they reached smtpd (${classText}).`,
        sources: [],
        evidence: [],
        rootCause: 'postscreen is in front of smtpd with its tests enforced.',
        recommendation: { summary: 'Keep it.', dockerMailserver: [], plainHost: [] },
        metrics: { blocked },
      });
    }
    return findings;
  },
};
