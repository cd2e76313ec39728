import ipaddr from 'ipaddr.js';
import type { Finding } from '../findings/finding.js';
import type { Detector } from './detector.js';
import { evidence, mergeSamples, newSamples, type Samples, sample, samplesFull } from './tally.js';

interface State {
  /** Connections and failed logins per client address, capped; the rest in `others`. */
  byAddress: Map<string, number>;
  others: number;
  samples: Samples;
}

const ADDRESSES_KEPT = 5_000;
/** Below this many client events the share of one address says nothing. */
const MIN_EVENTS = 50;
/** One address behind this share of all clients is a gateway, not a client. */
const SHARE = 0.9;

function isPrivate(ip: string): boolean {
  try {
    const range = ipaddr.parse(ip).range();
    return (
      range === 'private' || range === 'uniqueLocal' || range === 'linkLocal' || range === 'carrierGradeNat'
    );
  } catch {
    return false;
  }
}

/**
 * Every client showing up as one private address (the Docker gateway, a proxy):
 * the server cannot tell attackers apart, and a ban of that address shuts
 * everyone out, which is why fail2ban often "does nothing" there.
 */
export const clientIpHidden: Detector<State> = {
  id: 'client-ip-hidden',
  classes: [
    'smtp-connect',
    'sasl-auth-failure',
    'mail-login-failure',
    'auth-unknown-user',
    'auth-password-mismatch',
  ],
  create: () => ({ byAddress: new Map(), others: 0, samples: newSamples() }),
  add(s, e, _tsMs, raw) {
    if (!e.ip) return;
    const n = s.byAddress.get(e.ip);
    if (n !== undefined) s.byAddress.set(e.ip, n + 1);
    else if (s.byAddress.size < ADDRESSES_KEPT) s.byAddress.set(e.ip, 1);
    else s.others++;
    if (e.class === 'smtp-connect' && !samplesFull(s.samples) && isPrivate(e.ip))
      sample(s.samples, e.ip, raw, e);
  },
  merge(into, later) {
    for (const [ip, n] of later.byAddress) {
      const mine = into.byAddress.get(ip);
      if (mine !== undefined) into.byAddress.set(ip, mine + n);
      else if (into.byAddress.size < ADDRESSES_KEPT) into.byAddress.set(ip, n);
      else into.others += n;
    }
    into.others += later.others;
    mergeSamples(into.samples, later.samples);
  },
  findings(s): Finding[] {
    let total = s.others;
    let top: [string, number] = ['', 0];
    for (const entry of s.byAddress) {
      total += entry[1];
      if (entry[1] > top[1]) top = entry;
    }
    const [ip, count] = top;
    if (total < MIN_EVENTS || count < SHARE * total || !isPrivate(ip)) return [];
    const share = Math.round((100 * count) / total);
    return [
      {
        id: 'client-ip-hidden',
        kind: 'issue',
        title: `Every client appears as ${ip}: attackers cannot be told apart`,
        severity: 'high',
        severityRule:
          'high: a ban of this address shuts out every client, so brute force cannot be stopped by address (and relay rules that trust it may trust the Internet)',
        status: 'open',
        description: `${share}% of ${total} client connections and failed logins come from the private address ${ip}. That is a gateway or proxy in front of the server, not the clients themselves.`,
        sources: [],
        evidence: evidence(s.samples, 3),
        rootCause:
          'Docker\u2019s userland proxy (or an IPv6-to-IPv4 NAT, or a load balancer without the PROXY protocol) rewrites the client address to its own.',
        recommendation: {
          summary:
            'Make the real client address reach Postfix and Dovecot, and never ban or trust the gateway address.',
          dockerMailserver: [
            'daemon.json: { "userland-proxy": false } and, for IPv6, "ip6tables": true; restart Docker',
            'or publish the ports in host network mode, or use the PROXY protocol from the load balancer',
            `keep ${ip} out of PERMIT_DOCKER and fail2ban (ignoreip)`,
          ],
          plainHost: [
            'enable the PROXY protocol on the load balancer and postscreen_upstream_proxy_protocol = haproxy in Postfix',
          ],
        },
        metrics: { address: ip, share, events: total },
      },
    ];
  },
};
