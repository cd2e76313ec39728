/** The long help of each command, kept apart so that the CLI starts without loading any command's code. */
import { DEFAULT_SUBNET_MIN } from '../detect/subnets.js';
import { DEFAULT_MIN_EVENTS } from '../mitigate/defaults.js';
import { DEFAULT_PORT } from '../probe/target.js';

export const PROBE_HELP = `
Each target is HOST, HOST:PORT or [IPv6]:PORT. How TLS starts follows the port:
  25, 587  SMTP STARTTLS (the 220 greeting, possibly multi-line as postscreen
           sends it, then EHLO and STARTTLS)
  143      IMAP STARTTLS        110  POP3 STLS
  465, 993, 995  implicit TLS
Any other port needs --starttls. A HOST without a port is probed on port ${DEFAULT_PORT}
only (every mail server has it; a note on stderr says so): name the other ports
to probe them, e.g. mail.example.org:465 mail.example.org:993.

Per endpoint: one handshake offering everything (the negotiated version, cipher
and certificate chain), one per TLS version 1.0 to 1.3, and one per weak cipher
group (NULL, EXPORT, RC4, DES, 3DES, anonymous; groups this OpenSSL cannot offer
are reported as not tested). The certificate is checked for expiry, self-signed
or default certificates, and against --hostname (default: the target's host
name; not checked when the target is an IP address).

Exit status: 0; 1 when an open issue is --fail-on (default high) or worse,
a failed connection included; 2 for usage errors.

Examples:
  mailwarden probe mail.example.org mail.example.org:465 mail.example.org:993
  mailwarden probe 127.0.0.1:2525 --starttls smtp --hostname mail.example.org --format json`;

export const MITIGATE_HELP = `
Blocks the attackers the audit finds in the logs at Postfix: a cidr: reject map
(postfix-reject-cidr.cf in a docker-mailserver config directory, reject-cidr.cf
in a host's Postfix directory), the wiring that makes Postfix read it
(postscreen_access_list on port 25, check_client_access first in the client
restrictions of submission and submissions), and mailwarden-blocklist.nft with
the same networks for nftables (never loaded by mitigate).

Default: a dry run that prints a unified diff of every file it would change.
  --out DIR   writes the generated files into DIR instead
  --apply     writes them in place: atomically, each changed file backed up to
              mailwarden-backup/<UTC time>/ beside it; a second run with the same
              logs changes nothing
  --reload    after --apply: postfix check (plain host) and postfix reload, with
              "postfix -c DIR" when Postfix's directory is not /etc/postfix, behind
              --exec-prefix (a shell command prefix, e.g. "docker exec mailserver")

Never blocked: --allow and --allowlist networks, mynetworks, private and
loopback ranges (unless --include-private), an address every client appears as,
and addresses that logged in successfully (one with failed logins before its
login is listed as left unblocked, with why). A subnet never covers them.
Blocked: an address with --min-events (default ${DEFAULT_MIN_EVENTS}) attack events; a /24 (IPv6 /64) when
--subnet-min (default ${DEFAULT_SUBNET_MIN}) of its addresses attack, widened 8 bits at a time while
--subnet-min entries share a network, never wider than --max-prefix4/--max-prefix6.
Entries of earlier runs stay until deleted; lines outside mitigate's block are kept.

Exit status: 0 done (or nothing to change); 2 error; 3 Postfix rejected the new
configuration (check or reload failed) and every file was restored; 4 as 3 but
restoring failed (the output names the backups).

Examples:
  mailwarden mitigate /var/log/mail.log --config /etc/postfix
  mailwarden mitigate /var/log/mail.log --config /etc/postfix --apply --reload
  mailwarden mitigate docker-data/dms/mail-logs --config docker-data/dms/config \\
      --allowlist office-networks.txt --apply --reload --exec-prefix 'docker exec mailserver'
  mailwarden mitigate mail.log --config docker-data/dms/config --out /tmp/mitigation`;

export const WATCH_HELP = `
Follows the mail logs and bans attackers as they cross the rules of the
settings file (defaults: 5 login failures in 10 minutes, 20 in 24 hours, 10
SMTP abuses in 10 minutes, 20 TLS failures in 10 minutes), on wall-clock time.
Bans last an hour, 4 times longer for each repeat (at most 30 days); 3 banned
addresses of one /24 within an hour ban the /24. Never banned: the allowlist,
mynetworks (with --config), private and loopback ranges (unless
--include-private), and addresses that logged in successfully.

Sources: files (followed like tail -F: rotation, copytruncate, files that do
not exist yet; resumed after a restart from the stored position),
--journal [UNIT,...] (journalctl -f -o json), --syslog udp://HOST:PORT,tcp://...
(RFC 3164 and 5424, so several servers can send to one watcher).

Actions (settings [actions] enabled): stdout, fail2ban, postfix-map, nftables,
webhook; retried until they confirm, reconciled with what fail2ban and
nftables hold, lifted when bans expire. State: an SQLite file (settings
"state", or --state). Metrics: http://127.0.0.1:9464/metrics and /healthz.

Signals: SIGTERM and SIGINT stop cleanly (position and bans stored); SIGHUP
reads the settings file again. See docs/watch.md and docs/watch-settings.md.

Examples:
  mailwarden watch /var/log/mail.log --config /etc/postfix --settings /etc/mailwarden/mailwarden.toml
  mailwarden watch docker-data/dms/mail-logs/mail.log --config docker-data/dms/config --dry-run
  mailwarden watch --journal postfix@-.service,dovecot.service --settings mailwarden.toml
  mailwarden watch --syslog udp://127.0.0.1:5514,tcp://127.0.0.1:5514`;

export const BANS_HELP = `
Reads and changes the bans in the watcher's state (the settings' "state" file,
or --state). With a watcher running on that state, "ban" and "unban" record the
decision and the watcher applies it on its next tick; with none, they apply it
here through the enabled actions (what fails stays due for the next watcher).

  mailwarden bans list [--all] [--format table|json]
  mailwarden bans ban 203.0.113.7 --for 7d --reason "phishing sender"
  mailwarden bans ban 198.51.100.0/24
  mailwarden bans unban 203.0.113.7

A manual ban lasts --for (default: as long as the watcher's ban for the
address's next offence); addresses the watcher would never ban (allowlist,
mynetworks, private ranges, logged-in addresses) need --force.
Exit status: 0 done; 1 an action failed (it is retried later); 2 error.`;
