// Which TLS versions and ciphers the stack's Postfix and Dovecot accept.
// modern: TLS 1.2 and 1.3 only. Dovecot 2.3 is told ssl_min_protocol; Postfix 3.7's
// own default still accepts TLS 1.0 and 1.1, so it is told too.
// legacy: TLS 1.0 and 1.1 as well, with cipher lists at OpenSSL security level 0, as
// configurations re-enabling old clients have them. (A client needs level 0 too: at
// level 1, OpenSSL 3 refuses the SHA-1 signatures of a TLS 1.0/1.1 key exchange.)
export type StackTls = 'modern' | 'legacy';

export const LEGACY_CIPHER_LIST = 'DEFAULT:@SECLEVEL=0';
