/** The DNS checks of the configuration audit. */
export { checkDns, type DnsCheckOptions, type DnsCheckResult } from './check-dns.js';
export type { DkimKeyOnDisk, DnsCheckInput } from './dns-input.js';
export { parseResolver, type ResolverAddress } from './resolver-address.js';
