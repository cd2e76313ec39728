import type { Finding } from '../findings/finding.js';
import { blockAtPostfix, fail2banJail } from '../findings/recommendations.js';
import { BLOCK_FIXED_TEXT, BLOCK_HELD_TEXT, blockStatus } from './blocked.js';
import type { Detector } from './detector.js';
import {
  addTo,
  evidence,
  findingSources,
  mergeSamples,
  mergeTallies,
  newSamples,
  ratePerHour,
  rhythm,
  type Samples,
  sample,
  subnetGroups,
  type Tallies,
  tallyFor,
} from './tally.js';

interface State {
  byAddress: Tallies;
  services: Record<string, number>;
  samples: Samples;
}

/** TLS handshakes failed or abandoned, one per connection; grouped by address and subnet. */
export const tlsCampaign: Detector<State> = {
  id: 'tls-handshake-campaign',
  classes: ['tls-handshake-failure'],
  create: () => ({ byAddress: new Map(), services: {}, samples: newSamples() }),
  add(s, e, tsMs, raw) {
    if (!e.ip) return;
    addTo(tallyFor(s.byAddress, e.ip), tsMs, e.class);
    s.services[e.service] = (s.services[e.service] ?? 0) + 1;
    sample(s.samples, e.ip, raw, e);
  },
  merge(into, later) {
    mergeTallies(into.byAddress, later.byAddress);
    for (const [k, v] of Object.entries(later.services)) into.services[k] = (into.services[k] ?? 0) + v;
    mergeSamples(into.samples, later.samples);
  },
  findings(s, ctx): Finding[] {
    if (s.byAddress.size === 0) return [];
    let total = 0;
    for (const t of s.byAddress.values()) total += t.count;
    const groups = subnetGroups(s.byAddress, ctx.subnetMin);
    const times: number[] = [];
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of s.byAddress.values()) {
      for (const time of t.times) times.push(time);
      if (t.first < first) first = t.first;
      if (t.last > last) last = t.last;
    }
    const span = { count: total, first, last, times, classes: {}, users: [] };
    const beat = rhythm(times);
    const severity = groups.length > 0 || total >= 100 ? 'high' : total >= 10 ? 'medium' : 'low';
    const lead = groups[0];
    const named = groups.map(
      (g) => `${g.subnet} (${g.addresses.length} addresses, ${g.tally.count} attempts)`,
    );
    const blockList = [
      ...groups.map((g) => g.subnet),
      ...[...s.byAddress.entries()].filter(([, t]) => t.count >= 3).map(([ip]) => ip),
    ];
    const services = Object.keys(s.services).sort();
    const block = blockAtPostfix(blockList.length > 0 ? blockList : [...s.byAddress.keys()], 'TLS probing');
    const status = blockStatus(() => [...s.byAddress.entries()].map(([ip, t]) => [ip, t.last] as const), ctx);
    const jail = fail2banJail(
      'postfix-ssl',
      'SSL_accept error from \\S+\\[<HOST>\\]',
      'No fail2ban release has a rule for SSL_accept errors; only the companion "lost connection after CONNECT" line, and only in the ddos and aggressive modes.',
    );
    return [
      {
        id: 'tls-handshake-campaign',
        kind: 'issue',
        title: lead
          ? `TLS handshake failures from ${lead.subnet}${groups.length > 1 ? ` and ${groups.length - 1} more subnets` : ''}`
          : 'TLS handshake failures',
        severity,
        severityRule: `high when a subnet has at least ${ctx.subnetMin} probing addresses or there are 100+ attempts; medium from 10 attempts; low below (here: ${total} attempts, ${groups.length} subnets named)`,
        status,
        description: `${total} TLS handshakes failed or were abandoned from ${s.byAddress.size} addresses on ${services.join(', ')}${beat ? `, ${beat}` : ''}${named.length > 0 ? `; campaigns: ${named.join('; ')}` : ''}. Clients that connect to an implicit-TLS port and never complete the handshake are scanning or probing, not sending mail.${status === 'fixed' ? BLOCK_FIXED_TEXT : status === 'mitigated' ? BLOCK_HELD_TEXT : ''}`,
        sources: findingSources(s.byAddress, ctx.subnetMin, 25, undefined, groups),
        evidence: evidence(s.samples),
        rootCause:
          'Scanners and brute-force tools probe the TLS ports (465, 587 STARTTLS, 993, 995) and abandon the handshake; nothing bans them, because stock fail2ban has no rule for these lines.',
        recommendation: {
          summary: `${block.summary} ${jail.summary}`,
          dockerMailserver: [...block.dockerMailserver, ...jail.dockerMailserver],
          plainHost: [...block.plainHost, ...jail.plainHost],
        },
        metrics: {
          attempts: total,
          addresses: s.byAddress.size,
          subnets: groups.length,
          attemptsPerHour: Math.round(ratePerHour(span) * 10) / 10,
          ...(beat ? { rhythm: beat } : {}),
        },
      },
    ];
  },
};
