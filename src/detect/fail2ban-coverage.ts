import type { Finding, FindingSource } from '../findings/finding.js';
import type { Detector } from './detector.js';
import { addTo, mergeTallies, type Tallies, type Tally, tallyFor } from './tally.js';
import { topN } from './top.js';

interface State {
  /** Attack events (and TLS handshake failures, the seed's blind spot) per address. */
  byAddress: Tallies;
  bans: Record<string, string[]>;
  banCount: Record<string, number>;
  actionErrors: number;
  /** Addresses whose ban action failed: banned in fail2ban's mind, never blocked. */
  unenforced: string[];
  fail2banLines: number;
}

/** Events that show hostility and that an administrator expects fail2ban to act on. */
export const BAN_WORTHY_CLASSES = new Set<string>([
  'tls-handshake-failure',
  'pregreet',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-dnsbl',
  'sasl-auth-failure',
  'mail-login-failure',
  'auth-unknown-user',
  'auth-password-mismatch',
  'relay-denied',
  'unknown-recipient',
  'non-smtp-command',
  'too-many-errors',
  'helo-rejected',
  'client-rejected',
  'sender-rejected',
  'auth-command-abuse',
]);

/** Repeated attack events from one address that no fail2ban ban followed, per class. */
export const REPEATED = 3;
const BANNED_KEPT = 100_000;

/** What stock fail2ban offers for each class (fail2ban's own filters and their modes). */
export const STOCK_COVERAGE: Record<string, string> = {
  'tls-handshake-failure':
    'no stock rule for SSL_accept errors; only the following "lost connection after CONNECT" in postfix[mode=ddos|aggressive]',
  pregreet: 'postfix[mode=ddos] or postfix[mode=aggressive]',
  'postscreen-bare-newline': 'no stock rule',
  'postscreen-pipelining': 'no stock rule',
  'postscreen-non-smtp': 'no stock rule',
  'postscreen-dnsbl': 'no stock rule (postfix[mode=rbl] matches the later smtpd/postscreen reject only)',
  'sasl-auth-failure': 'postfix[mode=auth] (jail postfix-sasl), mode=extra or mode=aggressive',
  'mail-login-failure': 'dovecot (Dovecot 2.4 wording needs fail2ban newer than 1.1.0)',
  'auth-unknown-user': 'dovecot',
  'auth-password-mismatch': 'dovecot',
  'relay-denied': 'postfix (modes normal, more, extra, aggressive)',
  'unknown-recipient': 'postfix (modes normal, more, extra, aggressive)',
  'non-smtp-command': 'no stock rule',
  'too-many-errors': 'postfix (modes normal and up, or mode=errors)',
  'helo-rejected': 'postfix (modes normal and up)',
  'client-rejected': 'postfix (modes normal and up; mode=rbl for blocklists)',
  'sender-rejected': 'postfix (modes normal and up)',
  'auth-command-abuse': 'postfix[mode=ddos] or postfix[mode=aggressive]',
};

export const fail2banCoverage: Detector<State> = {
  id: 'fail2ban-coverage-gap',
  classes: [
    ...BAN_WORTHY_CLASSES,
    'fail2ban-ban',
    'fail2ban-action-error',
    'fail2ban-service',
  ] as Detector<State>['classes'],
  create: () => ({
    byAddress: new Map(),
    bans: {},
    banCount: {},
    actionErrors: 0,
    unenforced: [],
    fail2banLines: 0,
  }),
  add(s, e, tsMs) {
    if (e.class === 'fail2ban-service') {
      s.fail2banLines++;
      return;
    }
    if (e.class === 'fail2ban-action-error') {
      s.actionErrors++;
      if (e.ip && s.unenforced.length < BANNED_KEPT && !s.unenforced.includes(e.ip)) s.unenforced.push(e.ip);
      s.fail2banLines++;
      return;
    }
    if (e.class === 'fail2ban-ban') {
      s.fail2banLines++;
      const jail = e.detail ?? '?';
      s.banCount[jail] = (s.banCount[jail] ?? 0) + 1;
      const list = s.bans[jail] ?? [];
      if (e.ip && list.length < BANNED_KEPT && !list.includes(e.ip)) list.push(e.ip);
      s.bans[jail] = list;
      return;
    }
    // Only counts matter here: no times kept for the (many) addresses.
    if (e.ip) addTo(tallyFor(s.byAddress, e.ip), tsMs, e.class, 1, undefined, false);
  },
  merge(into, later) {
    mergeTallies(into.byAddress, later.byAddress);
    for (const [jail, ips] of Object.entries(later.bans)) {
      const list = into.bans[jail] ?? [];
      for (const ip of ips) if (list.length < BANNED_KEPT && !list.includes(ip)) list.push(ip);
      into.bans[jail] = list;
    }
    for (const [jail, n] of Object.entries(later.banCount))
      into.banCount[jail] = (into.banCount[jail] ?? 0) + n;
    into.actionErrors += later.actionErrors;
    for (const ip of later.unenforced)
      if (into.unenforced.length < BANNED_KEPT && !into.unenforced.includes(ip)) into.unenforced.push(ip);
    into.fail2banLines += later.fail2banLines;
  },
  findings(s): Finding[] {
    const findings: Finding[] = [];
    const banned = bannedAddresses(s);
    const jails = Object.entries(s.banCount).sort((a, b) => b[1] - a[1]);
    if (banned.size > 0) {
      findings.push({
        id: 'fail2ban-banning',
        kind: 'positive',
        title: 'fail2ban is banning',
        severity: 'info',
        severityRule: 'positive finding',
        status: 'mitigated',
        description: `fail2ban banned ${banned.size} addresses: ${jails.map(([j, n]) => `${j} ${n}`).join(', ')}.`,
        sources: [],
        evidence: [],
        rootCause: 'fail2ban jails are enabled and read the mail log.',
        recommendation: {
          summary: 'Keep it; review the bans weekly.',
          dockerMailserver: ['docker exec mailserver setup fail2ban'],
          plainHost: ['fail2ban-client banned'],
        },
        metrics: Object.fromEntries(jails),
      });
    }
    // One pass, no record per (address, class): there may be 100,000 unbanned attackers.
    const addressesPerClass = new Map<string, number>();
    const unbanned: { ip: string; t: Tally; order: number; firstClass: number }[] = [];
    let worst = Number.NEGATIVE_INFINITY;
    for (const [ip, t] of s.byAddress) {
      if (banned.has(ip)) continue;
      let gap = false;
      for (const cls in t.classes) {
        const n = t.classes[cls]!;
        if (n < REPEATED) continue;
        addressesPerClass.set(cls, (addressesPerClass.get(cls) ?? 0) + 1);
        if (n > worst) worst = n;
        gap = true;
      }
      if (gap) unbanned.push({ ip, t, order: unbanned.length, firstClass: 0 });
    }
    const classes = [...addressesPerClass.keys()].sort(
      (a, b) => addressesPerClass.get(b)! - addressesPerClass.get(a)!,
    );
    if (classes.length === 0) return findings;
    // Equal counts are listed by their first gap class in the order above, then as logged.
    const classRank = new Map(classes.map((c, i) => [c, i]));
    for (const u of unbanned) {
      u.firstClass = classes.length;
      for (const cls in u.t.classes)
        if (u.t.classes[cls]! >= REPEATED) u.firstClass = Math.min(u.firstClass, classRank.get(cls)!);
    }
    const sources: FindingSource[] = topN(
      unbanned,
      25,
      (a, b) => b.t.count - a.t.count || a.firstClass - b.firstClass || a.order - b.order,
    ).map(({ ip, t }) => ({
      source: ip,
      kind: 'address',
      count: t.count,
      first: new Date(t.first).toISOString(),
      last: new Date(t.last).toISOString(),
      classes: { ...t.classes },
      banned: false,
    }));
    const perClass = classes.map(
      (c) =>
        `${c}: ${addressesPerClass.get(c)} addresses (stock fail2ban: ${STOCK_COVERAGE[c] ?? 'unknown'})`,
    );
    findings.push({
      id: 'fail2ban-coverage-gap',
      kind: 'issue',
      title:
        s.fail2banLines > 0
          ? `${unbanned.length} repeat attackers were never banned`
          : `${unbanned.length} repeat attackers; no fail2ban.log given to tell whether they were banned`,
      severity: s.fail2banLines === 0 ? 'info' : worst >= 10 ? 'high' : 'medium',
      severityRule: `high when an unbanned address has 10+ attack events of one class; medium otherwise; info when no fail2ban.log was read (here: up to ${worst}${s.fail2banLines === 0 ? ', no fail2ban.log' : ''})`,
      status: 'open',
      description: `${s.fail2banLines > 0 ? `fail2ban banned ${banned.size} addresses, but` : 'No fail2ban.log was read, so no ban is known:'} ${unbanned.length} addresses with ${REPEATED}+ attack events of one class were never banned. Per class: ${perClass.join('; ')}.`,
      sources,
      evidence: [],
      rootCause:
        s.fail2banLines > 0
          ? 'No enabled jail matches these lines, the jail reads another file or backend, or its thresholds are never reached.'
          : 'Give fail2ban.log to the audit (docker-mailserver: /var/log/mail/fail2ban.log) to know which attackers were banned.',
      recommendation: {
        summary:
          'Enable the jail and mode that covers each class (see per class above); for classes with no stock rule, add a filter (the TLS finding gives one).',
        dockerMailserver: [
          'docker exec mailserver fail2ban-client status',
          'docker exec mailserver fail2ban-client get postfix logpath',
        ],
        plainHost: [
          'fail2ban-client status',
          'fail2ban-regex /var/log/mail.log /etc/fail2ban/filter.d/postfix.conf',
        ],
      },
      metrics: {
        unbannedAttackers: unbanned.length,
        bannedAddresses: banned.size,
        fail2banActionErrors: s.actionErrors,
        ...Object.fromEntries(classes.map((c) => [c, addressesPerClass.get(c)!])),
      },
    });
    return findings;
  },
};

/** The addresses banned in the logs, for the other detectors' sources. */
export function bannedAddresses(s: State): Set<string> {
  const unenforced = new Set(s.unenforced);
  return new Set(
    Object.values(s.bans)
      .flat()
      .filter((ip) => !unenforced.has(ip)),
  );
}
