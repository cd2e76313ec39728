export interface DkimKeyOnDisk {
  selector: string;
  /** Base64 of the DER SubjectPublicKeyInfo of the key (what `p=` holds for RSA keys). */
  publicKeyBase64: string;
  keyFile: string;
}

export interface DnsCheckInput {
  /** The mail server's host name (myhostname / HOSTNAME), e.g. mail.example.test. */
  hostname: string;
  /** Public addresses the server is known to use (may be empty: then resolve the hostname's A/AAAA). */
  serverAddresses: string[];
  domains: {
    domain: string;
    /** The DKIM key on disk for this domain, when there is one. */
    dkim: DkimKeyOnDisk | null;
  }[];
}
