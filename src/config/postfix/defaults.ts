import type { PostfixDefaults } from './main-cf.js';

/**
 * Postfix's own defaults (`postconf -d`, Postfix 3.7) for the parameters the
 * audit reads, with compatibility_level 2 or later taken as given (so the
 * level-dependent defaults are their modern values).
 */
export const POSTFIX_DEFAULTS: PostfixDefaults = new Map([
  ['smtpd_tls_protocols', '>=TLSv1'],
  ['smtpd_tls_mandatory_protocols', '>=TLSv1'],
  ['smtpd_tls_ciphers', 'medium'],
  ['smtpd_tls_mandatory_ciphers', 'medium'],
  ['smtpd_tls_exclude_ciphers', ''],
  ['smtpd_tls_mandatory_exclude_ciphers', ''],
  ['tls_high_cipherlist', 'aNULL:-aNULL:HIGH:@STRENGTH'],
  ['tls_medium_cipherlist', 'aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH'],
  ['tls_low_cipherlist', 'aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH'],
  ['tls_export_cipherlist', 'aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH'],
  ['tls_null_cipherlist', 'eNULL:!aNULL'],
  ['smtpd_tls_auth_only', 'no'],
  ['smtpd_sasl_auth_enable', 'no'],
  ['smtpd_tls_security_level', ''],
  ['smtpd_relay_restrictions', 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination'],
  ['smtpd_recipient_restrictions', ''],
  ['smtpd_client_restrictions', ''],
  ['smtpd_helo_restrictions', ''],
  ['smtpd_sender_restrictions', ''],
  ['smtpd_data_restrictions', ''],
  ['mynetworks_style', 'host'],
  ['postscreen_access_list', 'permit_mynetworks'],
  ['postscreen_dnsbl_sites', ''],
  ['postscreen_dnsbl_action', 'ignore'],
  ['postscreen_greet_action', 'ignore'],
  ['smtpd_milters', ''],
  ['non_smtpd_milters', ''],
  ['smtpd_tls_cert_file', ''],
  ['smtpd_tls_key_file', '$smtpd_tls_cert_file'],
  ['smtpd_tls_chain_files', ''],
  ['smtpd_tls_wrappermode', 'no'],
  ['mailbox_size_limit', '51200000'],
  ['message_size_limit', '10240000'],
  ['virtual_mailbox_limit', '51200000'],
  ['myhostname', ''],
  ['mydomain', ''],
  ['mydestination', '$myhostname, localhost.$mydomain, localhost'],
  ['virtual_mailbox_domains', '$virtual_mailbox_maps'],
]);
