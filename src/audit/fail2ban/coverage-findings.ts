/**
 * Findings from the fail2ban coverage matrix: the attackers the configured
 * jails would never ban (the exact form of `fail2ban-coverage-gap`), jails that
 * can never fire (`fail2ban-jail-blind`), and the positive when every attacker
 * is covered.
 */

import type {
  ClassCoverage,
  Fail2banCoverageMatrix,
  JailCoverage,
  NeverBannedReason,
} from '../../detect/fail2ban/coverage-matrix.js';
import { STOCK_COVERAGE } from '../../detect/fail2ban-coverage.js';
import type { Finding, FindingSource } from '../../findings/finding.js';
import { filterFamily } from './jail-blindness.js';

const REASON_WORDS: Record<NeverBannedReason, string> = {
  'no-rule': 'no jail matches their lines',
  'under-threshold': 'matched, but under maxretry within findtime',
  ignored: 'in ignoreip',
  'jail-blind': 'only a blind jail matches them',
};

/** Classes no fail2ban release has a rule for: the mitigate command writes the filter. */
const NO_STOCK_RULE = new Set([
  'tls-handshake-failure',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-dnsbl',
  'non-smtp-command',
]);

/** What a jail's filter is meant to catch, to tell a filter that recognises nothing in use. */
function expectedClasses(jail: JailCoverage): string[] {
  const name = /^([\w-]+)/.exec(jail.filter)?.[1] ?? '';
  const mode = /mode=(\w+)/.exec(jail.filter)?.[1] ?? 'normal';
  if (name === 'postfix-sasl' || (name === 'postfix' && mode === 'auth')) return ['sasl-auth-failure'];
  if (name === 'postfix') {
    const normal = [
      'relay-denied',
      'unknown-recipient',
      'client-rejected',
      'helo-rejected',
      'sender-rejected',
    ];
    if (mode === 'ddos') return ['pregreet', 'auth-command-abuse'];
    if (mode === 'rbl') return [];
    return [...normal, ...(['extra', 'aggressive'].includes(mode) ? ['sasl-auth-failure'] : [])];
  }
  if (filterFamily(name) === 'dovecot')
    return ['mail-login-failure', 'auth-password-mismatch', 'auth-unknown-user'];
  return [];
}

export interface JailVersion {
  version: string | null;
  /** Where the version was read: `fail2ban-client -V`, a `Starting Fail2ban` line, the package files. */
  source: string | null;
}

const versionAtLeast = (v: string, min: number[]) => {
  const parts = v.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i]!;
  }
  return true;
};

/** Jails that can never fire: by configuration (`blind`), or because they match none of the lines meant for them. */
export function blindJails(
  matrix: Fail2banCoverageMatrix,
  version: JailVersion,
  dovecot24: boolean,
): { jail: JailCoverage; why: string }[] {
  const linesOf = new Map(matrix.classes.map((c) => [c.class, c.lines]));
  const out: { jail: JailCoverage; why: string }[] = [];
  for (const jail of matrix.jails) {
    if (jail.blind) {
      out.push({ jail, why: jail.blind });
      continue;
    }
    if (jail.error || jail.linesMatched > 0) continue;
    const expected = expectedClasses(jail).filter((c) => (linesOf.get(c) ?? 0) > 0);
    if (expected.length === 0) continue;
    const total = expected.reduce((n, c) => n + (linesOf.get(c) ?? 0), 0);
    let why = `its filter ${jail.filter} matches none of the ${total} lines of ${expected.join(', ')} in these logs`;
    if (filterFamily(jail.filter.replace(/\[.*$/, '')) === 'dovecot' && dovecot24) {
      why +=
        version.version && !versionAtLeast(version.version, [1, 1, 1])
          ? `: they are Dovecot 2.4 lines, and fail2ban ${version.version} (${version.source}) predates Dovecot 2.4's wording, which fail2ban 1.1.1 added`
          : ': they are Dovecot 2.4 lines, which fail2ban releases before 1.1.1 do not recognise';
    } else if (version.version) why += ` (fail2ban ${version.version}, from ${version.source})`;
    out.push({ jail, why });
  }
  return out;
}

export function jailBlindFinding(blind: { jail: JailCoverage; why: string }[]): Finding | null {
  if (blind.length === 0) return null;
  return {
    id: 'fail2ban-jail-blind',
    kind: 'issue',
    title: `${blind.length === 1 ? 'The fail2ban jail' : `${blind.length} fail2ban jails`} ${blind.map((b) => b.jail.name).join(', ')} can never ban`,
    severity: 'high',
    severityRule:
      'high: the jail is enabled, so it is believed to protect the server, but it cannot match a single line where it runs',
    status: 'open',
    description: blind.map((b) => `- ${b.jail.name} (${b.jail.filter}): ${b.why}.`).join('\n'),
    sources: [],
    evidence: blind
      .filter((b) => b.jail.definedAt !== null)
      .map((b) => ({
        line: `[${b.jail.name}] filter = ${b.jail.filter}; backend = ${b.jail.backend}; logpath = ${b.jail.logpaths.join(' ') || '(none)'}`,
        source: b.jail.definedAt!,
      })),
    evidenceFrom: 'configuration',
    rootCause:
      'fail2ban starts a jail whatever it reads: a wrong logpath or backend, or a filter older than the daemons\u2019 log format, leaves it silent without an error anyone sees.',
    recommendation: {
      summary:
        'Point each jail at the file the daemons really write (or the journal where there is one), and run a fail2ban release whose filters know the daemons\u2019 current wording; check with fail2ban-regex.',
      dockerMailserver: [
        ...blind.map(
          (b) =>
            `docker exec mailserver fail2ban-regex /var/log/mail/mail.log /etc/fail2ban/filter.d/${b.jail.filter.replace(/\[.*$/, '')}.conf`,
        ),
        "printf '[DEFAULT]\\nbackend = polling\\n' >> docker-data/dms/config/fail2ban-jail.cf",
      ],
      plainHost: [
        ...blind.map((b) => `fail2ban-client get ${b.jail.name} logpath`),
        ...blind.map(
          (b) =>
            `fail2ban-regex /var/log/mail.log /etc/fail2ban/filter.d/${b.jail.filter.replace(/\[.*$/, '')}.conf`,
        ),
      ],
    },
    metrics: { jails: blind.length },
  };
}

function advice(cls: string): string {
  if (NO_STOCK_RULE.has(cls))
    return `no fail2ban release has a rule for these lines (${STOCK_COVERAGE[cls] ?? 'none'}); \`mailwarden mitigate\` writes the filter`;
  return `stock fail2ban covers it with ${STOCK_COVERAGE[cls] ?? 'no known filter'}`;
}

function reasons(c: ClassCoverage): string {
  return (Object.entries(c.neverBanned) as [NeverBannedReason, number][])
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${REASON_WORDS[r]}`)
    .join(', ');
}

/** The exact form of `fail2ban-coverage-gap`: attackers the configured jails, replayed on these logs, never ban. */
export function coverageGapFinding(matrix: Fail2banCoverageMatrix): Finding | null {
  const gaps = matrix.classes.filter((c) => c.addresses > c.banned);
  if (gaps.length === 0) return null;
  const never = new Map<
    string,
    { events: number; classes: Record<string, number>; first: string; last: string }
  >();
  for (const c of gaps)
    for (const e of c.examples) {
      const known = never.get(e.address) ?? {
        events: 0,
        classes: {},
        first: e.first ?? '',
        last: e.last ?? '',
      };
      known.events += e.events;
      known.classes[c.class] = e.events;
      if (e.first && (known.first === '' || e.first < known.first)) known.first = e.first;
      if (e.last && e.last > known.last) known.last = e.last;
      never.set(e.address, known);
    }
  const neverTotal = matrix.neverBanned;
  const worst = Math.max(...gaps.flatMap((c) => c.examples.map((e) => e.events)), 0);
  const jails = matrix.jails.map((j) => j.name).join(', ') || 'none';
  const sources: FindingSource[] = [...never]
    .filter(([, n]) => n.first !== '' && n.last !== '')
    .sort((a, b) => b[1].events - a[1].events)
    .slice(0, 25)
    .map(([address, n]) => ({
      source: address,
      kind: 'address',
      count: n.events,
      first: n.first,
      last: n.last,
      classes: n.classes,
      banned: false,
    }));
  return {
    id: 'fail2ban-coverage-gap',
    kind: 'issue',
    title: `The configured jails (${jails}) would never ban ${neverTotal} attacker${neverTotal === 1 ? '' : 's'} in these logs`,
    severity: worst >= 10 ? 'high' : 'medium',
    severityRule: `high when an attacker no jail would ban has 10+ attack lines of one class; medium otherwise (here: up to ${worst})`,
    status: 'open',
    description: [
      "Every enabled jail's filter was run on every line, and fail2ban's counting (maxretry within findtime) replayed on log time. Per attack class, the attackers never banned and why:",
      ...gaps.map(
        (c) =>
          `- ${c.class}: ${c.addresses - c.banned} of ${c.addresses} addresses never banned (${reasons(c)}); ${advice(c.class)}.`,
      ),
    ].join('\n'),
    sources,
    evidence: [],
    evidenceFrom: 'logs',
    rootCause:
      'No enabled jail has a rule for these lines, its mode leaves them out, its thresholds are never reached by attackers who pace themselves, or the jail cannot read the log.',
    recommendation: {
      summary:
        'Switch the postfix jail to the mode that covers each class where one exists, lower maxretry or lengthen findtime for slow attackers, and add filters for the classes no release covers (`mailwarden mitigate` writes them, wired in).',
      dockerMailserver: [
        "printf '[postfix]\\nmode = aggressive\\n' >> docker-data/dms/config/fail2ban-jail.cf",
        'docker compose up -d --force-recreate mailserver',
        'docker exec mailserver fail2ban-client status',
      ],
      plainHost: [
        "printf '[postfix]\\nmode = aggressive\\n' >> /etc/fail2ban/jail.d/mailwarden.local",
        'fail2ban-client reload && fail2ban-client status',
      ],
    },
    metrics: {
      neverBanned: neverTotal,
      ...Object.fromEntries(gaps.map((c) => [c.class, c.addresses - c.banned])),
    },
  };
}

export function coverageCompleteFinding(matrix: Fail2banCoverageMatrix): Finding | null {
  if (matrix.classes.length === 0 || matrix.classes.some((c) => c.addresses > c.banned)) return null;
  const attackers = matrix.classes.reduce((n, c) => n + c.addresses, 0);
  return {
    id: 'fail2ban-coverage-complete',
    kind: 'positive',
    title: 'The configured jails would ban every attacker in these logs',
    severity: 'info',
    severityRule: 'positive finding',
    status: 'mitigated',
    description: `Replayed on these logs, the jails ${matrix.jails.map((j) => j.name).join(', ')} ban all ${attackers} attacking addresses, across ${matrix.classes.map((c) => c.class).join(', ')}.`,
    sources: [],
    evidence: [],
    rootCause: '',
    recommendation: { summary: 'Keep it so.', dockerMailserver: [], plainHost: [] },
    metrics: { attackers },
  };
}
