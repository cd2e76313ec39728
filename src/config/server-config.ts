import type { DovecotConfig } from './dovecot/dovecot-conf.js';
import type { EnvSettings } from './env-file.js';
import type { IniFile } from './ini.js';
import type { PostfixConfig } from './postfix/postfix-config.js';

export type ConfigKind = 'docker-mailserver' | 'mailcow' | 'plain';

/** A DKIM signing key found on disk, with what was read from it. */
export interface DkimKey {
  domain: string;
  selector: string;
  /** The private key file as found here (container paths mapped into the given directory). */
  privateKeyPath: string;
  /** RSA modulus bits (or the curve size for Ed25519), null when the key could not be read. */
  bits: number | null;
  keyType: string | null;
  /** Base64 of the DER SubjectPublicKeyInfo: what the `p=` tag of the DNS record must hold. */
  publicKeyBase64: string | null;
  /** The `p=` of the generated `.txt` record beside the key, when there is one. */
  txtPublicKey: string | null;
  problem: string | null;
}

/** A certificate the daemons serve, by where the configuration says it is. */
export interface CertificateRef {
  /** Which setting names it, e.g. `smtpd_tls_cert_file` or `SSL_TYPE=custom`. */
  setting: string;
  /** A path readable here, or null when it lives only inside the container or host (then `note` says so). */
  path: string | null;
  /** Debian's snakeoil certificate or another default that nobody chose. */
  isDefault: boolean;
  note: string | null;
}

export interface Fail2banSetup {
  /** ENABLE_FAIL2BAN for docker-mailserver, a running-config guess for others; null when unknown. */
  enabled: boolean | null;
  /** jail.local / user jail files, parsed. */
  jails: IniFile;
  /** Jails switched on, by name. */
  enabledJails: string[];
  /** Filter files the user wrote where the daemon never reads them (docker-mailserver's config directory). */
  uninstalledFilters: string[];
  /** Filter names enabled jails use. */
  filtersUsed: { jail: string; filter: string }[];
}

/** Everything the configuration audit knows about a server, whatever its layout. */
export interface ServerConfig {
  kind: ConfigKind;
  /** The directory given with --config. */
  dir: string;
  hostname: string | null;
  /** Mail domains the server serves. */
  domains: string[];
  postfix: PostfixConfig | null;
  dovecot: DovecotConfig | null;
  /** docker-mailserver / mailcow environment, defaults filled in (absent variables have their documented default). */
  env: EnvSettings | null;
  fail2ban: Fail2banSetup | null;
  dkim: DkimKey[];
  certificates: CertificateRef[];
  /** Files of the configuration directory that look like Postfix lookup tables (candidates for maps nobody wired in). */
  tableFiles: string[];
  /** Text of user-patches.sh (docker-mailserver), for what it installs by hand. */
  userPatches: string | null;
  /** compose.yaml / docker-compose.yml beside the config directory, when found. */
  compose: string | null;
  /** Name servers the mail system resolves through (resolv.conf, compose `dns:`), for DNSBL checks. */
  resolvers: { address: string; source: string }[];
  /** Every file read. */
  files: string[];
  /** What could not be checked, and why. */
  notes: string[];
}
