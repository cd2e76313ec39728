import type { Finding, FindingSource } from '../findings/finding.js';
import type { Detector } from './detector.js';
import { evidence, mergeSamples, newSamples, type Samples, sample } from './tally.js';

interface JailBans {
  bans: number;
  failed: number;
  /** Addresses whose ban action failed (capped): failures, first and last time. */
  failedAddresses: Record<string, { count: number; first: number; last: number }>;
  actions: string[];
  reasons: string[];
  first: number;
  last: number;
}

interface State {
  jails: Record<string, JailBans>;
  /** What the failing commands printed (fail2ban.utils `stderr:` and `returned N`), distinct, capped. */
  output: string[];
  samples: Samples;
}

const ADDRESSES_KEPT = 1000;
const TEXTS_KEPT = 6;

const pushDistinct = (list: string[], value: string, cap: number) => {
  if (list.length < cap && !list.includes(value)) list.push(value);
};

function jailState(s: State, jail: string, tsMs: number): JailBans {
  s.jails[jail] ??= {
    bans: 0,
    failed: 0,
    failedAddresses: {},
    actions: [],
    reasons: [],
    first: tsMs,
    last: tsMs,
  };
  const j = s.jails[jail];
  j.first = Math.min(j.first, tsMs);
  j.last = Math.max(j.last, tsMs);
  return j;
}

function countAddress(j: JailBans, ip: string, count: number, first: number, last: number): void {
  const known = j.failedAddresses[ip];
  if (known) {
    known.count += count;
    known.first = Math.min(known.first, first);
    known.last = Math.max(known.last, last);
  } else if (Object.keys(j.failedAddresses).length < ADDRESSES_KEPT) {
    j.failedAddresses[ip] = { count, first, last };
  }
}

// `Failed to execute ban jail 'J' action 'A' info '...': REASON`; the info part
// is Python repr text of unbounded shape, so the reason is taken after its last `': `.
const ACTION = /action '([^']{1,100})'/;

function reasonOf(raw: string): string | null {
  const at = raw.lastIndexOf("': ");
  return at < 0 ? null : raw.slice(at + 3, at + 3 + 200).trim();
}

const DOCKER_CAPS = [
  '# the container needs NET_ADMIN (and NET_RAW) for fail2ban to block: in compose.yaml',
  '#   cap_add: [NET_ADMIN, NET_RAW]',
  'docker compose up -d --force-recreate mailserver',
  'docker exec mailserver fail2ban-client reload',
];

export const fail2banEnforcement: Detector<State> = {
  id: 'fail2ban-bans-not-enforced',
  classes: ['fail2ban-ban', 'fail2ban-action-error', 'fail2ban-service'],
  create: () => ({ jails: {}, output: [], samples: newSamples() }),
  add(s, e, tsMs, raw) {
    if (e.class === 'fail2ban-service') {
      // `/bin/sh: 3: nft: not found`: the script's line number only splits one message into many.
      if (e.service === 'fail2ban.utils' && e.detail)
        pushDistinct(s.output, e.detail.replace(/^(stderr: '\/bin\/[a-z]+: )\d+: /, '$1'), TEXTS_KEPT);
      return;
    }
    const jail = e.detail ?? '?';
    const j = jailState(s, jail, tsMs);
    if (e.class === 'fail2ban-ban') {
      j.bans++;
      return;
    }
    j.failed++;
    if (e.ip) countAddress(j, e.ip, 1, tsMs, tsMs);
    const action = ACTION.exec(raw)?.[1];
    if (action) pushDistinct(j.actions, action, TEXTS_KEPT);
    const reason = reasonOf(raw);
    if (reason) pushDistinct(j.reasons, reason, TEXTS_KEPT);
    sample(s.samples, jail, raw, e);
  },
  merge(into, later) {
    for (const [name, l] of Object.entries(later.jails)) {
      const j = jailState(into, name, l.first);
      j.last = Math.max(j.last, l.last);
      j.bans += l.bans;
      j.failed += l.failed;
      for (const [ip, a] of Object.entries(l.failedAddresses)) countAddress(j, ip, a.count, a.first, a.last);
      for (const a of l.actions) pushDistinct(j.actions, a, TEXTS_KEPT);
      for (const r of l.reasons) pushDistinct(j.reasons, r, TEXTS_KEPT);
    }
    for (const o of later.output) pushDistinct(into.output, o, TEXTS_KEPT);
    mergeSamples(into.samples, later.samples);
  },
  findings(s): Finding[] {
    const failing = Object.entries(s.jails)
      .filter(([, j]) => j.failed > 0)
      .sort((a, b) => b[1].failed - a[1].failed);
    if (failing.length === 0) return [];
    const byAddress = new Map<string, { count: number; first: number; last: number }>();
    for (const [, j] of failing)
      for (const [ip, a] of Object.entries(j.failedAddresses)) {
        const known = byAddress.get(ip);
        if (!known) byAddress.set(ip, { ...a });
        else {
          known.count += a.count;
          known.first = Math.min(known.first, a.first);
          known.last = Math.max(known.last, a.last);
        }
      }
    const addresses = new Set(byAddress.keys());
    const failedBans = failing.reduce((n, [, j]) => n + j.failed, 0);
    const commandMissing = s.output.some((o) => /not found|returned 127/.test(o));
    const notPermitted = s.output.some((o) =>
      /Operation not permitted|Permission denied|returned 1\b/i.test(o),
    );
    const sources: FindingSource[] = [...byAddress]
      .sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first)
      .slice(0, 25)
      .map(([ip, a]) => ({
        source: ip,
        kind: 'address',
        count: a.count,
        first: new Date(a.first).toISOString(),
        last: new Date(a.last).toISOString(),
        banned: false,
      }));
    return [
      {
        id: 'fail2ban-bans-not-enforced',
        kind: 'issue',
        title: `${failedBans} fail2ban bans were never enforced (${failing.map(([jail]) => jail).join(', ')})`,
        severity: 'high',
        severityRule:
          'high: fail2ban logged the ban but its action failed, so the attacker was never blocked while everyone believes it was',
        status: 'open',
        description: [
          `fail2ban decided to ban ${addresses.size} address${addresses.size === 1 ? '' : 'es'}, but the ban action failed ${failedBans === 1 ? 'once' : `${failedBans} times`}:`,
          ...failing.map(
            ([jail, j]) =>
              `- ${jail}: ${j.failed} of ${Math.max(j.bans, j.failed)} bans failed (action ${j.actions.join(', ') || 'unknown'}${j.reasons.length > 0 ? `: ${j.reasons.join('; ')}` : ''})`,
          ),
          ...(s.output.length > 0 ? ['', `The action commands printed: ${s.output.join('; ')}.`] : []),
        ].join('\n'),
        sources,
        evidence: evidence(s.samples),
        rootCause: commandMissing
          ? 'The firewall command the ban action runs is not installed where fail2ban runs (nft or iptables missing), so every ban fails at its first command.'
          : notPermitted
            ? 'The ban action is not allowed to change the firewall: inside a container this is the missing NET_ADMIN capability.'
            : 'The ban action failed; fail2ban keeps the address in its ban list but no firewall rule exists.',
        recommendation: {
          summary: commandMissing
            ? 'Install the firewall tool the banaction uses (nftables for nftables-*, iptables for iptables-*), or set banaction to one that exists, then reload fail2ban and check that the bans appear in the firewall.'
            : 'Give fail2ban the right to change the firewall (NET_ADMIN in a container), reload it, and check that the bans appear in the firewall.',
          dockerMailserver: [...DOCKER_CAPS, 'docker exec mailserver nft list ruleset | grep -A3 f2b'],
          plainHost: [
            ...(commandMissing ? ['apt-get install -y nftables'] : []),
            'fail2ban-client get postfix actions',
            'fail2ban-client reload',
            'nft list ruleset | grep -A3 f2b',
          ],
        },
        metrics: {
          failedBans,
          addresses: addresses.size,
          ...Object.fromEntries(failing.map(([jail, j]) => [`failed:${jail}`, j.failed])),
        },
      },
    ];
  },
};
