import { Command, CommanderError } from 'commander';
// Each command's code is loaded when it runs: an audit does not wait for the watcher's SQLite and metrics.
import type { AuditFlags } from './audit-command.js';
import type { BansFlags } from './bans-command.js';
import type { CommandIo, EventsFlags } from './events-command.js';
import { BANS_HELP, MITIGATE_HELP, PROBE_HELP, WATCH_HELP } from './help-texts.js';
import type { MitigateFlags } from './mitigate-command.js';
import type { ProbeFlags } from './probe-command.js';
import { escapeForTerminal } from './terminal-escape.js';
import type { WatchFlags } from './watch-command.js';

const VERSION = '0.1.0';

/** Runs the CLI and returns the exit status; never calls process.exit, so tests can drive it. */
export async function main(
  argv: string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
): Promise<number> {
  let status = 0;
  const program = new Command('mailwarden')
    .description('Automated security analyst for self-hosted mail servers')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('events')
    .description('print one typed security event per security-relevant log line (NDJSON by default)')
    .argument('[paths...]', 'log files, directories of rotated logs, .gz files, or - for stdin', [])
    .option('--all', 'also print benign events (logins, deliveries, connects)')
    .option('--format <format>', 'ndjson or table', 'ndjson')
    .option(
      '--since <time>',
      'only events at or after this time (ISO 8601, local date, or a duration such as 24h)',
    )
    .option('--until <time>', 'only events before this time')
    .option('--year <year>', 'year for syslog timestamps that carry none (default: inferred)')
    .option('--tz <zone>', 'IANA zone of timestamps without an offset (default: this machine\u2019s)')
    .option('--now <time>', 'reference time for year inference instead of the files\u2019 modification times')
    .option('--no-summary', 'do not print the line accounting on stderr (NDJSON output only)')
    .option(
      '--threads <n>',
      'worker threads (default: all cores for inputs of 16 MB and more; 1 reads in one thread)',
    )
    .action(async (paths: string[], flags: EventsFlags) => {
      status = await (await import('./events-command.js')).runEvents(paths, flags, io);
    });

  program
    .command('audit')
    .description(
      "the security analyst's report, from the logs: findings with evidence, severity, status and fixes",
    )
    .argument(
      '[logs...]',
      'log files, directories of rotated logs, .gz files, or - for stdin (may be omitted with --config)',
      [],
    )
    .option(
      '--config <dir>',
      'also audit this configuration: a docker-mailserver config directory, a mailcow checkout, or a host’s /etc (or /etc/postfix)',
    )
    .option(
      '--env <file>',
      'docker-mailserver’s mailserver.env, or /etc/dms-settings copied out of the container',
    )
    .option(
      '--postconf <file>',
      'saved `postconf -n` and/or `postconf -M` output instead of main.cf/master.cf (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--doveconf <file>', 'saved `doveconf -n` output (or a dovecot.conf) instead of /etc/dovecot')
    .option(
      '--resolver <addr[:port]>',
      'check DKIM, SPF, DMARC, MX and PTR records through this DNS resolver',
    )
    .option('--format <format>', 'md, html or json', 'md')
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option(
      '--since <time>',
      'only events at or after this time (ISO 8601, local date, or a duration such as 7d)',
    )
    .option('--until <time>', 'only events before this time')
    .option(
      '--subnet-min <n>',
      'name a /24 (IPv6 /64) when at least this many of its addresses take part',
      '3',
    )
    .option(
      '--fail-on <severity>',
      'exit 1 when an open finding is this severe or worse (critical, high, medium, low, info)',
    )
    .option('--redact', 'mask user names and the last part of addresses, for sharing the report')
    .option('--state <file>', 'add the ban history of a mailwarden watch state file (read only)')
    .option('--year <year>', 'year for syslog timestamps that carry none (default: inferred)')
    .option('--tz <zone>', 'IANA zone of timestamps without an offset (default: this machine\u2019s)')
    .option('--now <time>', 'reference time for year inference instead of the files\u2019 modification times')
    .option('--no-summary', 'do not print the line accounting on stderr')
    .option(
      '--threads <n>',
      'worker threads (default: all cores for inputs of 16 MB and more; 1 reads in one thread)',
    )
    .action(async (paths: string[], flags: AuditFlags) => {
      status = await (await import('./audit-command.js')).runAuditCommand(paths, flags, io);
    });

  program
    .command('probe')
    .description('talk TLS to live mail endpoints: versions, weak ciphers and certificates, as findings')
    .argument('<targets...>', 'HOST, HOST:PORT or [IPv6]:PORT (a HOST without a port is probed on 25)')
    .option('--starttls <mode>', 'smtp, imap, pop3, or none for implicit TLS (default: by port)')
    .option(
      '--hostname <name>',
      'the mail host name the certificate must be valid for (default: the target host)',
    )
    .option('--timeout <seconds>', 'per connection: connect, greeting, STARTTLS and handshake', '10')
    .option('--format <format>', 'markdown or json', 'markdown')
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when an open issue is this severe or worse, or never', 'high')
    .option('--ehlo <name>', 'the name sent in SMTP EHLO (default: this host\u2019s name if fully qualified)')
    .addHelpText('after', PROBE_HELP)
    .action(async (targets: string[], flags: ProbeFlags) => {
      status = await (await import('./probe-command.js')).runProbeCommand(targets, flags, io);
    });

  program
    .command('mitigate')
    .description(
      'block the attackers the audit finds: a Postfix cidr: reject map, its wiring, and an nftables set (dry run by default)',
    )
    .argument('[logs...]', 'log files, directories of rotated logs, .gz files, or - for stdin', [])
    .option(
      '--config <dir>',
      'the server configuration: a docker-mailserver config directory, or a host’s /etc (or /etc/postfix)',
    )
    .option('--out <dir>', 'write the generated files into this directory instead of printing a diff')
    .option('--apply', 'write the files in place (atomically, with backups)')
    .option(
      '--reload',
      'after --apply: postfix check (plain host) and postfix reload; restore the backups if either fails',
    )
    .option('--exec-prefix <cmd>', 'shell command put before postfix, e.g. "docker exec mailserver"')
    .option('--allow <cidr...>', 'never block these addresses or networks')
    .option(
      '--allowlist <file>',
      'never block the addresses or networks in this file (one per line, # comments)',
    )
    .option('--min-events <n>', 'attack events an address needs to be blocked on its own', '5')
    .option('--subnet-min <n>', 'block a /24 (IPv6 /64) when at least this many of its addresses attack', '3')
    .option('--max-prefix4 <n>', 'never block an IPv4 network wider than this prefix', '24')
    .option('--max-prefix6 <n>', 'never block an IPv6 network wider than this prefix', '48')
    .option('--include-private', 'also block private and loopback addresses (protected by default)')
    .option(
      '--quota-default <GiB>',
      'docker-mailserver with quotas on and none set: the quota each account gets (default 5)',
    )
    .addHelpText('after', MITIGATE_HELP)
    .action(async (logs: string[], flags: MitigateFlags) => {
      status = await (await import('./mitigate-command.js')).runMitigateCommand(logs, flags, io);
    });

  program
    .command('watch')
    .description(
      'follow the logs live and ban attackers as they cross the rules, with state that survives restarts',
    )
    .argument('[logs...]', 'log files to follow like tail -F (they may not exist yet)', [])
    .option('--journal [units]', 'read journalctl -f -o json, optionally of these units (comma-separated)')
    .option(
      '--syslog <urls>',
      'listen for syslog: udp://127.0.0.1:5514,tcp://127.0.0.1:5514 (RFC 3164 and 5424)',
    )
    .option(
      '--config <dir>',
      'the mail server configuration (mynetworks, the Postfix map and its wiring), as for audit and mitigate',
    )
    .option('--settings <file>', "mailwarden's own settings (TOML or YAML; see docs/watch-settings.md)")
    .option('--dry-run', 'decide and report, but change nothing (state kept in memory only)')
    .option('--include-private', 'also ban private and loopback addresses (protected by default)')
    .option('--state <file>', 'the SQLite state file (default: the settings\u2019 state)')
    .option('--from <where>', 'where to start a file with no stored position: end (default) or start')
    .option('--metrics <host:port>', 'the loopback address of /metrics and /healthz, or off')
    .option(
      '--subnet-min <n>',
      'ban the /24 (IPv6 /64) when this many of its addresses are banned within the subnet window (0: never)',
    )
    .option(
      '--exec-prefix <cmd>',
      'shell command put before postfix, fail2ban-client and nft, e.g. "docker exec mailserver" (settings: actions.exec_prefix)',
    )
    .option('--tz <zone>', 'IANA zone of timestamps without an offset (default: this machine\u2019s)')
    .addHelpText('after', WATCH_HELP)
    .action(async (logs: string[], flags: WatchFlags) => {
      status = await (await import('./watch-command.js')).runWatchCommand(logs, flags, io);
    });

  program
    .command('bans')
    .description("list, add or lift bans in the watcher's state (applied by the running watcher, or here)")
    .argument('<verb>', 'list, ban or unban')
    .argument('[target]', 'ADDRESS or ADDRESS/PREFIX (ban, unban)')
    .option('--for <duration>', 'ban: how long (90s, 10m, 24h, 7d, 1w)')
    .option('--reason <text>', 'ban: why, kept in the history')
    .option('--force', 'ban: even an address the watcher would never ban')
    .option('--all', 'list: the whole history, lifted bans included')
    .option('--format <format>', 'list: table or json', 'table')
    .option('--settings <file>', "mailwarden's own settings (for the state path and the actions)")
    .option('--state <file>', 'the SQLite state file (default: the settings\u2019 state)')
    .option('--config <dir>', 'the mail server configuration (for mynetworks and the Postfix map)')
    .option(
      '--exec-prefix <cmd>',
      'shell command put before the actions\u2019 commands, e.g. "docker exec mailserver"',
    )
    .addHelpText('after', BANS_HELP)
    .action(async (verb: string, target: string | undefined, flags: BansFlags) => {
      status = await (await import('./bans-command.js')).runBansCommand(verb, target, flags, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // Messages may quote configuration or log text: never let it drive the terminal.
    io.stderr.write(`mailwarden: ${escapeForTerminal((err as Error).message)}\n`);
    return 2;
  }
  return status;
}
