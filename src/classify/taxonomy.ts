/**
 * The one list of event classes. Types, the CLI's documentation, the JSON schema
 * and the tests all derive from this table; add a class here first.
 *
 * Tiers say what an event proves:
 * - attack: hostile by itself, counts toward bans;
 * - signal: suspicious, evidence only in aggregate;
 * - info: service and content events worth reporting;
 * - benign: normal operation, shown only with `--all`.
 */
export type Tier = 'attack' | 'signal' | 'info' | 'benign';

export interface ClassSpec {
  tier: Tier;
  /** Which classifier module recognises it (the program family). */
  program:
    | 'postfix'
    | 'postscreen'
    | 'dovecot'
    | 'pam'
    | 'amavis'
    | 'clamav'
    | 'opendkim'
    | 'opendmarc'
    | 'spamd'
    | 'fail2ban';
  meaning: string;
  /** What `detail` holds for this class, when set. */
  detail?: string;
  /** A real line of this class; the taxonomy test classifies it and expects this class. */
  example: string;
}

export const EVENT_CLASSES = {
  // --- attack -------------------------------------------------------------
  pregreet: {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'The client talked before the SMTP greeting finished (bots that do not wait).',
    detail: 'the escaped text sent early',
    example:
      'Oct 10 01:35:02 mail postfix/postscreen[780]: PREGREET 11 after 0.01 from [198.51.100.134]:51234: EHLO User\\r\\n',
  },
  'postscreen-pipelining': {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'postscreen deep test: the client sent several commands without waiting for replies.',
    detail: 'the command after which it pipelined',
    example:
      'Oct 10 01:35:02 mail postfix/postscreen[780]: COMMAND PIPELINING from [198.51.100.7]:40000 after EHLO: MAIL FROM:<a@b>\\r\\n',
  },
  'postscreen-non-smtp': {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'postscreen deep test: the client sent a non-SMTP command (an HTTP request, a proxy CONNECT).',
    detail: 'the text sent',
    example:
      'Oct 10 01:35:02 mail postfix/postscreen[780]: NON-SMTP COMMAND from [198.51.100.8]:40001 after CONNECT: GET / HTTP/1.0',
  },
  'postscreen-bare-newline': {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'postscreen deep test: the client ended a line with a bare newline.',
    detail: 'the command after which it did',
    example:
      'Oct 10 01:35:02 mail postfix/postscreen[780]: BARE NEWLINE from [198.51.100.9]:40002 after EHLO',
  },
  'postscreen-dnsbl': {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'The client is listed on DNS blocklists with a combined rank at or above the threshold.',
    detail: 'the rank',
    example: 'Mar  2 19:25:34 mail postfix/postscreen[3222]: DNSBL rank 6 for [198.51.100.10]:17308',
  },
  'postscreen-denylisted': {
    tier: 'attack',
    program: 'postscreen',
    meaning: 'The client matched a reject entry of postscreen_access_list (a block already in place).',
    example: 'Oct 10 01:35:02 mail postfix/postscreen[780]: DENYLISTED [198.51.100.11]:40003',
  },
  'sasl-auth-failure': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'A failed SMTP AUTH (wrong password or unknown user) reported by Postfix.',
    detail: 'the SASL mechanism',
    example:
      '2025-01-10T18:56:50.250091+01:00 mail postfix/submissions/smtpd[7650]: warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=root@example.org',
  },
  'mail-login-failure': {
    tier: 'attack',
    program: 'dovecot',
    meaning:
      'A Dovecot IMAP/POP3/submission/ManageSieve login that failed authentication (or tried a forbidden method).',
    detail: 'the number of failed attempts in the connection',
    example:
      'Jun 13 16:30:54 mail dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<bob>, method=PLAIN, rip=203.0.113.87, lip=192.0.2.194, TLS',
  },
  'auth-unknown-user': {
    tier: 'attack',
    program: 'dovecot',
    meaning: "Dovecot's authentication process was asked for a user that does not exist.",
    detail: 'the passdb driver',
    example:
      '2025-01-10T18:56:48.748493+01:00 mail dovecot: auth: passwd-file(root@example.org,203.0.113.5): unknown user (SHA1 of given password: 275e5d)',
  },
  'auth-password-mismatch': {
    tier: 'attack',
    program: 'dovecot',
    meaning: "Dovecot's authentication process (or PAM) rejected the password of a known user.",
    detail: 'the passdb driver',
    example:
      'Jun 11 13:57:17 main dovecot: auth: sql(admin@example.org,203.0.113.226,<6rXunFtu493AqJDi>): Password mismatch',
  },
  'relay-denied': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'The client tried to relay mail to a domain this server does not serve.',
    detail: 'the recipient',
    example:
      'Jul 12 07:47:48 mail postfix/smtpd[8738]: NOQUEUE: reject: RCPT from unknown[203.0.113.4]: 554 5.7.1 <smtp@example.net>: Relay access denied; from=<john@example.com> to=<smtp@example.net> proto=SMTP helo=<198.51.100.17>',
  },
  'unknown-recipient': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'A recipient was rejected as unknown (directory harvesting when repeated).',
    detail: 'the recipient',
    example:
      'Aug 13 15:45:46 mail postfix/smtpd[13844]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 550 5.1.1 <sales@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<x@example.net> to=<sales@example.com> proto=ESMTP helo=<x>',
  },
  'non-smtp-command': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'smtpd received a command that is not SMTP (HTTP requests and other protocol scans).',
    detail: 'the text sent',
    example:
      'Oct 10 01:35:02 mail postfix/smtpd[901]: warning: non-SMTP command from unknown[203.0.113.9]: GET / HTTP/1.1',
  },
  'too-many-errors': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'smtpd dropped the client after too many protocol errors (smtpd_hard_error_limit).',
    detail: 'the command after which it did',
    example: 'Jun  3 06:25:43 srv postfix/smtpd[29306]: too many errors after RCPT from unknown[192.0.2.11]',
  },
  'helo-rejected': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'The HELO/EHLO name was rejected by a restriction.',
    detail: 'the reason',
    example:
      'Jan 31 13:55:24 mail postfix/smtpd[3462]: NOQUEUE: reject: EHLO from unknown[203.0.113.238]: 504 5.5.2 <User>: Helo command rejected: need fully-qualified hostname; proto=SMTP helo=<User>',
  },
  'client-rejected': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'The client was rejected by an access map, a reverse-DNS rule or a DNS blocklist.',
    detail: 'the list or rule that rejected it',
    example:
      'Dec 30 18:19:15 mail postfix/smtpd[1574]: NOQUEUE: reject: RCPT from unknown[203.0.113.34]: 554 5.7.1 Service unavailable; Client host [203.0.113.34] blocked using zen.spamhaus.org; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>',
  },
  'sender-rejected': {
    tier: 'attack',
    program: 'postfix',
    meaning: 'The envelope sender was rejected by a restriction (unknown domain, access map, spoofing).',
    detail: 'the reason',
    example:
      'Nov 22 22:33:44 mail postfix/smtpd[11111]: NOQUEUE: reject: RCPT from unknown[203.0.113.4]: 450 4.1.8 <some@nonexistent.test>: Sender address rejected: Domain not found; from=<some@nonexistent.test> to=<b@example.com> proto=ESMTP helo=<x>',
  },
  'auth-command-abuse': {
    tier: 'attack',
    program: 'postfix',
    meaning: "A session's command statistics show AUTH commands that failed (e.g. auth=0/3).",
    detail: 'the command statistics',
    example:
      'Feb 10 13:26:34 srv postfix/submission/smtpd[123]: disconnect from unknown[192.0.2.2] ehlo=1 auth=0/3 rset=1 quit=1 commands=3/6',
  },
  'virus-found': {
    tier: 'attack',
    program: 'amavis',
    meaning: 'A message carried malware (Amavis or ClamAV verdict).',
    detail: 'the signature name',
    example:
      'Oct 10 02:00:00 mail amavis[315]: (00315-01) Blocked INFECTED (Eicar-Signature) {DiscardedInbound,Quarantined}, [203.0.113.50]:41234 [203.0.113.50] <a@example.net> -> <b@example.com>, Queue-ID: 4ABC123, Hits: -',
  },
  // --- signal -------------------------------------------------------------
  'tls-handshake-failure': {
    tier: 'signal',
    program: 'postfix',
    meaning:
      'A TLS handshake failed or was abandoned (Postfix SSL_accept errors, Dovecot TLS handshaking disconnects).',
    detail: 'the reason logged',
    example:
      'Oct 10 01:33:12 mail postfix/submissions/smtpd[477]: SSL_accept error from unknown[198.51.100.134]: lost connection',
  },
  'tls-library-problem': {
    tier: 'signal',
    program: 'postfix',
    meaning:
      'OpenSSL detail of a failed handshake; the address comes from the same process\u2019s previous SSL_accept error.',
    detail: 'the OpenSSL error text',
    example:
      'Oct 10 01:33:12 mail postfix/submissions/smtpd[477]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:',
  },
  'lost-connection': {
    tier: 'signal',
    program: 'postfix',
    meaning: 'The client dropped the SMTP connection mid-session.',
    detail: 'the command after which the connection was lost',
    example:
      'Oct 10 01:33:12 mail postfix/submissions/smtpd[477]: lost connection after CONNECT from unknown[198.51.100.134]',
  },
  'smtp-timeout': {
    tier: 'signal',
    program: 'postfix',
    meaning: 'The client stopped talking and smtpd timed out.',
    detail: 'the command after which it timed out',
    example: 'Oct 10 01:33:12 mail postfix/smtpd[477]: timeout after EHLO from unknown[198.51.100.134]',
  },
  'postscreen-hangup': {
    tier: 'signal',
    program: 'postscreen',
    meaning: 'The client hung up during the postscreen tests.',
    detail: 'the test phase',
    example:
      'Dec 24 00:54:36 mail postfix/postscreen[22515]: HANGUP after 16 from [192.0.2.3]:48119 in tests after SMTP handshake',
  },
  'postscreen-limit': {
    tier: 'signal',
    program: 'postscreen',
    meaning: "The client hit one of postscreen's command time, count or length limits.",
    detail: 'which limit',
    example:
      'Jun  8 23:14:28 mail postfix/postscreen[473]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT',
  },
  'improper-pipelining': {
    tier: 'signal',
    program: 'postfix',
    meaning: 'smtpd saw commands sent ahead of its replies where pipelining is not allowed.',
    detail: 'the command after which it happened',
    example:
      'Jun 12 08:58:35 mail postfix/smtpd[13533]: improper command pipelining after AUTH from unknown[203.0.113.4]: QUIT',
  },
  'hostname-mismatch': {
    tier: 'signal',
    program: 'postfix',
    meaning: "The client's reverse DNS name does not resolve back to its address.",
    detail: 'the claimed hostname',
    example:
      'Aug 14 10:00:01 mail postfix/smtpd[1234]: warning: hostname bad.example.net does not resolve to address 192.0.2.44: Name or service not known',
  },
  'connection-limit': {
    tier: 'signal',
    program: 'postfix',
    meaning: 'The client exceeded a connection, rate or concurrency limit (anvil, postscreen).',
    detail: 'the limit text',
    example:
      'Sep 19 12:10:57 mail postfix/smtpd[23244]: warning: Connection rate limit exceeded: 31 from unknown[192.0.2.123] for service smtpd',
  },
  'sasl-auth-error': {
    tier: 'signal',
    program: 'postfix',
    meaning:
      'Authentication failed on the server side (e.g. Postfix lost its connection to Dovecot auth): not the client\u2019s fault.',
    detail: 'the reason',
    example:
      'Feb  3 08:29:28 mail postfix/smtpd[21022]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: Connection lost to authentication server',
  },
  'login-no-auth': {
    tier: 'signal',
    program: 'dovecot',
    meaning: 'A Dovecot login connection closed without any authentication attempt (scanners, idle probes).',
    detail: 'the reason logged',
    example:
      'Jun 13 20:48:11 mail dovecot: pop3-login: Disconnected (no auth attempts): rip=203.0.113.254, lip=192.0.2.194, TLS: Disconnected',
  },
  'policy-rejected': {
    tier: 'signal',
    program: 'postfix',
    meaning:
      'A message or command was rejected by a policy not covered by a more specific class (milters, header checks, data restrictions).',
    detail: 'the reply text',
    example:
      'Mar 11 23:27:54 mail postfix/submission/smtpd[22427]: 44JCRG5tYPzCqt2: reject: BDAT from unknown[192.0.2.109]: 550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce; from=<> to=<some@example.com> proto=ESMTP helo=<x>',
  },
  // --- info ---------------------------------------------------------------
  'no-decoder': {
    tier: 'info',
    program: 'amavis',
    meaning: 'Amavis has no decoder for an archive type, so such attachments are not scanned inside.',
    detail: 'the file extension',
    example: 'Oct 10 01:40:00 mail amavis[315]: No decoder for .zst',
  },
  'spam-blocked': {
    tier: 'info',
    program: 'amavis',
    meaning: 'A message was classified as spam and blocked or tagged.',
    detail: 'the verdict',
    example:
      'Oct 10 02:00:00 mail amavis[315]: (00315-02) Blocked SPAM {NoBounceInbound,Quarantined}, [203.0.113.51]:41234 [203.0.113.51] <a@example.net> -> <b@example.com>, Queue-ID: 4ABC124, Hits: 12.5',
  },
  'dkim-fail': {
    tier: 'info',
    program: 'opendkim',
    meaning: 'A DKIM signature did not verify.',
    detail: 'the reason',
    example: 'Oct 10 02:00:00 mail opendkim[711]: 310AA625D5: bad signature data',
  },
  'dmarc-fail': {
    tier: 'info',
    program: 'opendmarc',
    meaning: 'A message failed DMARC for its From domain.',
    detail: 'the domain',
    example: 'Oct 10 02:00:00 mail opendmarc[720]: 310AA625D5: example.net fail',
  },
  'fail2ban-ban': {
    tier: 'info',
    program: 'fail2ban',
    meaning: 'fail2ban banned an address.',
    detail: 'the jail',
    example: '2024-02-19 22:15:45,657 fail2ban.actions        [765]: NOTICE  [postfix] Ban 203.0.113.44',
  },
  'fail2ban-unban': {
    tier: 'info',
    program: 'fail2ban',
    meaning: 'fail2ban lifted a ban.',
    detail: 'the jail',
    example: '2024-02-26 22:15:45,657 fail2ban.actions        [765]: NOTICE  [postfix] Unban 203.0.113.44',
  },
  'fail2ban-action-error': {
    tier: 'info',
    program: 'fail2ban',
    meaning: 'A fail2ban ban or unban action failed, so the block may not be in force.',
    detail: 'the jail',
    example:
      "2024-02-19 22:15:45,700 fail2ban.actions        [765]: ERROR   Failed to execute ban jail 'postfix' action 'nftables-allports' info 'ActionInfo({'ip': '203.0.113.44'})': Error starting action Jail('postfix')/nftables-allports",
  },
  'delivery-deferred': {
    tier: 'info',
    program: 'postfix',
    meaning: 'A delivery attempt was deferred; the message stays queued.',
    detail: 'the reason',
    example:
      'Oct 10 02:00:00 mail postfix/smtp[1200]: 4ABC125: to=<x@example.net>, relay=none, delay=30, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.net[192.0.2.80]:25: Connection timed out)',
  },
  'delivery-bounced': {
    tier: 'info',
    program: 'postfix',
    meaning: 'A delivery failed permanently and the message was bounced.',
    detail: 'the reason',
    example:
      'Oct 10 02:00:00 mail postfix/smtp[1200]: 4ABC126: to=<x@example.net>, relay=mx.example.net[192.0.2.80]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.80] said: 550 5.1.1 no such user)',
  },
  // --- benign -------------------------------------------------------------
  'smtp-connect': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'A client connected to smtpd.',
    example: 'Oct 10 02:00:00 mail postfix/smtpd[901]: connect from unknown[203.0.113.9]',
  },
  'smtp-disconnect': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'A client disconnected from smtpd with no failed AUTH in its command statistics.',
    detail: 'the command statistics',
    example:
      'Oct 10 02:00:00 mail postfix/smtpd[901]: disconnect from unknown[203.0.113.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
  },
  'tls-established': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'A TLS session was established.',
    detail: 'protocol and cipher',
    example:
      'Oct 10 02:00:00 mail postfix/submissions/smtpd[901]: Anonymous TLS connection established from unknown[203.0.113.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
  },
  'sasl-auth-success': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'A client authenticated over SMTP and was given a queue id.',
    detail: 'the queue id',
    example:
      'Oct 10 02:00:00 mail postfix/submission/smtpd[901]: 4ABC127: client=unknown[203.0.113.9], sasl_method=PLAIN, sasl_username=bob@example.com',
  },
  'smtp-client': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'An unauthenticated client was given a queue id (a message is on its way in).',
    detail: 'the queue id',
    example: 'Oct 10 02:00:00 mail postfix/smtpd[901]: 4ABC128: client=unknown[203.0.113.9]',
  },
  'delivery-sent': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'A message was delivered.',
    detail: 'the relay',
    example:
      'Oct 10 02:00:00 mail postfix/lmtp[1274]: 0EA424ABE7D9: to=<user1@example.com>, relay=mail[private/dovecot-lmtp], delay=0.13, delays=0.03/0.01/0.02/0.07, dsn=2.0.0, status=sent (250 2.0.0 <user1@example.com> Saved)',
  },
  'queue-activity': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'Routine queue bookkeeping (cleanup, qmgr, pickup, bounce notices, removals).',
    example: 'Oct 10 02:00:00 mail postfix/qmgr[300]: 4ABC128: removed',
  },
  'postfix-service': {
    tier: 'benign',
    program: 'postfix',
    meaning: 'Postfix service messages: start, reload, statistics, cache cleanups, stress mode.',
    example:
      'Oct 10 02:00:00 mail postfix/anvil[310]: statistics: max connection rate 1/60s for (smtp:203.0.113.9) at Oct 10 01:59:00',
  },
  'postscreen-connect': {
    tier: 'benign',
    program: 'postscreen',
    meaning: 'A client connected to postscreen.',
    example:
      'Oct 10 02:00:00 mail postfix/postscreen[780]: CONNECT from [203.0.113.9]:51234 to [192.0.2.1]:25',
  },
  'postscreen-pass': {
    tier: 'benign',
    program: 'postscreen',
    meaning: 'The client passed the postscreen tests (or still has a cached pass, or is allowlisted).',
    detail: 'NEW, OLD or ALLOWLISTED',
    example: 'Oct 10 02:00:00 mail postfix/postscreen[780]: PASS NEW [203.0.113.9]:51234',
  },
  'postscreen-retry': {
    tier: 'benign',
    program: 'postscreen',
    meaning:
      'postscreen told a client that passed its after-greeting tests to come back later (450 4.3.2), as those tests require.',
    example:
      'Oct 10 02:00:00 mail postfix/postscreen[780]: NOQUEUE: reject: RCPT from [203.0.113.9]:51234: 450 4.3.2 Service currently unavailable; from=<a@example.net>, to=<b@example.com>, proto=ESMTP, helo=<mx.example.net>',
  },
  'postscreen-disconnect': {
    tier: 'benign',
    program: 'postscreen',
    meaning: 'postscreen dropped a connection after its tests.',
    example: 'Oct 10 02:00:00 mail postfix/postscreen[780]: DISCONNECT [203.0.113.9]:51234',
  },
  'mail-login-success': {
    tier: 'benign',
    program: 'dovecot',
    meaning: 'A Dovecot login succeeded.',
    detail: 'the authentication method',
    example:
      'Oct 10 02:00:00 mail dovecot: imap-login: Login: user=<bob@example.com>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1, mpid=1234, TLS, session=<abc>',
  },
  'mail-session': {
    tier: 'benign',
    program: 'dovecot',
    meaning: 'Dovecot mail process and service messages (sessions ending, LMTP deliveries, start-up).',
    example:
      'Oct 10 02:00:00 mail dovecot: imap(bob@example.com)<1234><abc>: Disconnected: Logged out in=50 out=500',
  },
  'content-clean': {
    tier: 'benign',
    program: 'amavis',
    meaning:
      'Content and authentication checks that passed (Amavis CLEAN, DKIM and DMARC passes, DKIM signing).',
    example:
      'Oct 10 02:00:00 mail amavis[315]: (00315-03) Passed CLEAN {RelayedInbound}, [203.0.113.9]:51234 [203.0.113.9] <a@example.net> -> <b@example.com>, Queue-ID: 4ABC129, Hits: -1.2',
  },
  'fail2ban-service': {
    tier: 'benign',
    program: 'fail2ban',
    meaning: 'fail2ban operation: start-up (with its version), jail set-up, matches found.',
    detail: 'the version, for the start-up line',
    example: '2024-02-19 22:10:00,100 fail2ban.server         [765]: INFO    Starting Fail2ban v1.0.2',
  },
} as const satisfies Record<string, ClassSpec>;

export type EventClass = keyof typeof EVENT_CLASSES;

export const ALL_CLASSES = Object.keys(EVENT_CLASSES) as EventClass[];

export function tierOf(cls: EventClass): Tier {
  return EVENT_CLASSES[cls].tier;
}
