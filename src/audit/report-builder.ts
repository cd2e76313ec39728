import type { Finding } from '../findings/finding.js';
import type { RunStats } from '../pipeline/accounting.js';
import type { AuditReport } from '../report/model.js';
import { rankAddresses, rankSubnets, type StatisticsState, timeSeries } from './statistics.js';

export const VERSION = '0.1.0';

const ATTACK_SERIES = (name: string) => name !== 'delivered' && name !== 'rejected';

function executiveSummary(findings: Finding[], stats: StatisticsState): string {
  const issues = findings.filter((f) => f.kind === 'issue' && f.status !== 'fixed');
  const open = issues.filter((f) => f.status === 'open');
  const days = Number.isFinite(stats.first)
    ? Math.max(1, Math.round((stats.last - stats.first) / 86_400_000))
    : 0;
  if (issues.length === 0) {
    return `No attack worth acting on was found in ${days} day${days === 1 ? '' : 's'} of logs. ${findings.filter((f) => f.kind === 'positive').length} defences were seen working.`;
  }
  const top = issues[0]!;
  const critical = open.filter((f) => f.severity === 'critical' || f.severity === 'high');
  const first = `${top.severity === 'critical' ? 'Act now' : 'Most important'}: ${top.title.replace(/\.$/, '')} (${top.severity}, ${top.status}).`;
  const second =
    critical.length > 1
      ? `${critical.length} high or critical issues are open in all, with ${issues.length - critical.length} lesser ones; each comes with the commands that fix it.`
      : `${issues.length - 1} further issue${issues.length - 1 === 1 ? '' : 's'} ${issues.length - 1 === 1 ? 'is' : 'are'} listed below by severity, each with the commands that fix it.`;
  return `${first} ${second}`;
}

function nextSteps(findings: Finding[]): AuditReport['nextSteps'] {
  const issues = findings.filter((f) => f.kind === 'issue' && f.status === 'open');
  const step = (f: Finding) => `${f.title}: ${f.recommendation.summary}`;
  return {
    immediate: issues.filter((f) => f.severity === 'critical' || f.severity === 'high').map(step),
    thisWeek: [
      ...issues.filter((f) => f.severity === 'medium').map(step),
      'Review fail2ban bans weekly: docker exec mailserver setup fail2ban (plain host: fail2ban-client banned).',
    ],
    thisMonth: [
      ...issues.filter((f) => f.severity === 'low').map(step),
      'Configure DMARC aggregate reporting to see who sends in your domains\u2019 names.',
      'Run this audit monthly (or mailwarden watch continuously) and compare the findings.',
    ],
  };
}

const MONITORING: AuditReport['monitoringCommands'] = [
  {
    title: 'Watch TLS and postscreen attacks live',
    dockerMailserver:
      "docker exec mailserver tail -f /var/log/mail/mail.log | grep -E 'SSL_accept|PREGREET|authentication failed'",
    plainHost: "tail -f /var/log/mail.log | grep -E 'SSL_accept|PREGREET|authentication failed'",
  },
  {
    title: 'fail2ban status',
    dockerMailserver: 'docker exec mailserver fail2ban-client status',
    plainHost: 'fail2ban-client status',
  },
  {
    title: 'Addresses banned by the postfix jail',
    dockerMailserver: 'docker exec mailserver fail2ban-client get postfix banip',
    plainHost: 'fail2ban-client get postfix banip',
  },
  {
    title: 'Ban or unban by hand',
    dockerMailserver: 'docker exec mailserver setup fail2ban ban 192.0.2.1',
    plainHost: 'fail2ban-client set postfix banip 192.0.2.1',
  },
  {
    title: 'Mail queue size',
    dockerMailserver: 'docker exec mailserver postqueue -p | tail -n 1',
    plainHost: 'postqueue -p | tail -n 1',
  },
];

/** The families of the appendix: attempts counted per connection or login attempt, from the findings. */
function attemptsByFamily(findings: Finding[]): Record<string, number> {
  const pick: Record<string, [string, string]> = {
    'TLS handshake failures': ['tls-handshake-campaign', 'attempts'],
    'postscreen violations': ['postscreen-violations', 'violations'],
    'password guessing': ['auth-brute-force', 'attempts'],
    'relay probing': ['relay-probing', 'attempts'],
    'recipient harvesting': ['recipient-harvesting', 'attempts'],
    'non-SMTP probing': ['non-smtp-probing', 'attempts'],
  };
  const out: Record<string, number> = {};
  for (const [family, [id, metric]] of Object.entries(pick)) {
    const f = findings.find((x) => x.id === id);
    const v = f?.metrics[metric];
    out[family] = typeof v === 'number' ? v : 0;
  }
  return out;
}

export function buildReport(
  findings: Finding[],
  stats: StatisticsState,
  run: RunStats,
  bansByJail: Record<string, number>,
  generatedAt = new Date(),
): AuditReport {
  const t = run.totals;
  return {
    schemaVersion: 1,
    generator: { name: 'mailwarden', version: VERSION },
    generatedAt: generatedAt.toISOString(),
    inputs: {
      files: run.files.map((f) => f.file),
      lines: t.lines,
      classified: t.classified,
      benign: t.benign,
      unrecognised: t.unrecognised,
      malformed: t.malformed,
    },
    period: {
      from: Number.isFinite(stats.first) ? new Date(stats.first).toISOString() : null,
      to: Number.isFinite(stats.last) ? new Date(stats.last).toISOString() : null,
    },
    executiveSummary: executiveSummary(findings, stats),
    findings,
    nextSteps: nextSteps(findings),
    monitoringCommands: MONITORING,
    statistics: {
      eventsByClass: Object.fromEntries(Object.entries(stats.eventsByClass).sort((a, b) => b[1] - a[1])),
      attemptsByFamily: attemptsByFamily(findings),
      topAddresses: rankAddresses(stats),
      topSubnets: rankSubnets(stats),
      bansByJail,
      timeline: timeSeries(stats, ATTACK_SERIES),
      traffic: {
        delivered: stats.traffic.delivered,
        deferred: stats.traffic.deferred,
        bounced: stats.traffic.bounced,
        rejectsByReason: Object.fromEntries(
          Object.entries(stats.rejectsByReason).sort((a, b) => b[1] - a[1]),
        ),
        connections: {
          smtpd: stats.traffic.smtpd,
          // Without a time window these lines are only counted by the line accounting, never made events.
          postscreen: stats.traffic.postscreen ?? run.totals.byClass['postscreen-connect'] ?? 0,
          loginsSucceeded: stats.traffic.loginsSucceeded,
          loginsFailed: stats.traffic.loginsFailed,
        },
        perDay: timeSeries(stats, (n) => n === 'delivered' || n === 'rejected', true),
        perHour: timeSeries(stats, (n) => n === 'delivered' || n === 'rejected'),
      },
    },
    redacted: false,
  };
}
