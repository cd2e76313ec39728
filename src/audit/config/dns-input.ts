import type { ServerConfig } from '../../config/server-config.js';
import type { DnsCheckInput } from '../dns/dns-input.js';

/** What the DNS checks need from a configuration: the host name, the domains, the DKIM keys on disk. */
export function dnsCheckInput(config: ServerConfig): DnsCheckInput {
  const keys = new Map(config.dkim.filter((k) => k.publicKeyBase64 !== null).map((k) => [k.domain, k]));
  return {
    hostname: config.hostname ?? '',
    serverAddresses: [],
    domains: config.domains.map((domain) => {
      const k = keys.get(domain);
      return {
        domain,
        dkim: k
          ? { selector: k.selector, publicKeyBase64: k.publicKeyBase64!, keyFile: k.privateKeyPath }
          : null,
      };
    }),
  };
}
