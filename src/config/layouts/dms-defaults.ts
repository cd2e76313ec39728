/**
 * docker-mailserver's documented defaults for the variables the audit reads
 * (`target/scripts/startup/variables-stack.sh`): an absent variable means this.
 */
export const DMS_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  ENABLE_FAIL2BAN: '0',
  FAIL2BAN_BLOCKTYPE: 'drop',
  ENABLE_QUOTAS: '1',
  POSTFIX_MAILBOX_SIZE_LIMIT: '0',
  POSTFIX_MESSAGE_SIZE_LIMIT: '10240000',
  ENABLE_AMAVIS: '1',
  ENABLE_CLAMAV: '0',
  ENABLE_SPAMASSASSIN: '0',
  ENABLE_RSPAMD: '0',
  ENABLE_OPENDKIM: '1',
  ENABLE_OPENDMARC: '1',
  ENABLE_POLICYD_SPF: '1',
  ENABLE_DNSBL: '0',
  POSTSCREEN_ACTION: 'enforce',
  SSL_TYPE: '',
  TLS_LEVEL: 'modern',
  SPOOF_PROTECTION: '0',
  PERMIT_DOCKER: 'none',
  ENABLE_POP3: '0',
  ENABLE_IMAP: '1',
  ENABLE_MANAGESIEVE: '0',
  ACCOUNT_PROVISIONER: 'FILE',
  SMTP_ONLY: '0',
  POSTFIX_INET_PROTOCOLS: 'all',
  DOVECOT_INET_PROTOCOLS: 'all',
};

/** The part of docker-mailserver's shipped main.cf (`target/postfix/main.cf`) the audit reads. */
export const DMS_MAIN_CF = `
smtpd_tls_security_level = may
smtpd_tls_protocols = !SSLv2,!SSLv3,!TLSv1,!TLSv1.1
smtpd_tls_mandatory_protocols = !SSLv2,!SSLv3,!TLSv1,!TLSv1.1
smtpd_tls_mandatory_ciphers = high
smtpd_tls_exclude_ciphers = aNULL, SEED, CAMELLIA, RSA+AES
smtpd_tls_chain_files = /etc/ssl/private/ssl-cert-snakeoil.key /etc/ssl/certs/ssl-cert-snakeoil.pem
dkim_milter = inet:localhost:8891
dmarc_milter = inet:localhost:8893
smtpd_milters = $dkim_milter,$dmarc_milter
non_smtpd_milters = $dkim_milter
smtpd_sasl_auth_enable = no
smtpd_forbid_bare_newline = yes
disable_vrfy_command = yes
smtpd_helo_required = yes
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination, check_policy_service unix:private/policyd-spf, reject_unauth_pipelining, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname, reject_unknown_recipient_domain
postscreen_dnsbl_action = enforce
postscreen_greet_action = enforce
postscreen_bare_newline_enable = yes
postscreen_bare_newline_action = enforce
postscreen_pipelining_enable = yes
postscreen_non_smtp_command_enable = yes
mailbox_size_limit = 0
`;

/** The services of docker-mailserver's shipped master.cf (`target/postfix/master.cf`) that face clients. */
export const DMS_MASTER_CF = `
smtp      inet  n       -       n       -       1       postscreen
smtpd     pass  -       -       n       -       -       smtpd
submission inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_reject_unlisted_recipient=no
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
submissions inet n      -       n       -       -       smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_reject_unlisted_recipient=no
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
`;

/** What PERMIT_DOCKER puts into mynetworks (`setup.d/networking.sh`). */
export function dmsMynetworks(permitDocker: string): string {
  switch (permitDocker) {
    case 'none':
    case '':
      return '';
    case 'host':
      return '(the Docker host\u2019s /16)';
    case 'network':
      return '172.16.0.0/12';
    case 'connected-networks':
      return '(every network the container is connected to)';
    case 'container':
      return '(the container\u2019s own address)';
    default:
      return `(${permitDocker})`;
  }
}
