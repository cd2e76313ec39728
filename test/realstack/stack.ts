// Starts a complete private mail stack (rsyslog, Dovecot, Postfix with
// postscreen, fail2ban) on loopback ports inside a temporary directory, and
// stops it again. Nothing outside that directory is created or changed.
import { chmod, copyFile, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DovecotSyntax, dovecotSyntaxFor, writeDovecotInstance } from './dovecot-config.js';
import { FAIL2BAN_JAILS, type Fail2banJail, writeFail2banInstance } from './fail2ban-config.js';
import { daemonLogFiles, type LogLayout, type StackLogs, stackLogs } from './log-layout.js';
import { prepareNamespace } from './namespace.js';
import { type StackPaths, stackPaths } from './paths.js';
import { assertPortsFree, basePortFromEnv, LISTEN_ADDRESS, type StackPorts, stackPorts } from './ports.js';
import { writePostfixInstance } from './postfix-config.js';
import { type Daemon, onEmergencyExit, removeTree, run, startDaemon } from './processes.js';
import { assertRequirements, findCommand, readVersions, type StackVersions } from './requirements.js';
import { writeRsyslogInstance } from './rsyslog-config.js';
import { makeSelfSignedCertificate } from './tls-cert.js';
import type { StackTls } from './tls-policy.js';
import { MAIL_DOMAIN, MAIL_HOSTNAME, MAIL_USERS, type MailUser } from './users.js';
import {
  isListening,
  type LogMatcher,
  lineMatches,
  readLines,
  WaitAbortedError,
  type WaitForLogOptions,
  waitFor,
  waitForLog,
} from './wait.js';

export interface StackOptions {
  layout: LogLayout;
  /** Services listen on basePort + 25/587/465/143/993/110/995 (default 20000 or MAILWARDEN_REALSTACK_BASE_PORT). */
  basePort?: number;
  /** TLS versions the daemons accept: 'modern' (default, 1.2 and 1.3) or 'legacy' (1.0 and 1.1 too). */
  tls?: StackTls;
  /** Parent of the temporary directory (default: the OS temp dir). */
  tmpParent?: string;
  /** Leave the temporary directory in place after stop() (for debugging). */
  keepTemp?: boolean;
  /** Deadline for each start-up step. */
  startTimeoutMs?: number;
  /** Called after each start-up step, e.g. to print progress. */
  progress?: (step: string, elapsedMs: number) => void;
}

export interface Fail2banInstance {
  /** The private copy of /etc/fail2ban with the harness's jail.local (for fail2ban-client -c / fail2ban-regex). */
  configDir: string;
  socket: string;
  log: string;
  /** The dummy ban action writes "+IP" lines to <bansDir>/<jail>.txt. */
  bansDir: string;
  jails: readonly Fail2banJail[];
  /** Arguments that point fail2ban-client at this instance: ['-c', configDir, '-s', socket]. */
  clientArgs: readonly string[];
}

export interface Stack {
  readonly layout: LogLayout;
  /** The temporary directory holding everything of this instance. */
  readonly root: string;
  readonly paths: StackPaths;
  readonly hostname: string;
  readonly domain: string;
  /** The address every service listens on. */
  readonly listenAddress: string;
  readonly ports: StackPorts;
  readonly users: readonly MailUser[];
  readonly versions: StackVersions;
  readonly dovecotSyntax: DovecotSyntax;
  readonly logs: StackLogs;
  readonly fail2ban: Fail2banInstance;
  /** The configuration files of the instance by a descriptive name (for copying next to captured logs). */
  readonly configFiles: Readonly<Record<string, string>>;
  /** The daemons by name with the pid each was started as. */
  readonly processes: readonly { name: string; pid: number }[];
  /** Processes of the daemons (and everything they started) still alive; empty after stop(). */
  survivors(): { name: string; pid: number }[];
  /** Waits until `file` has `count` (default 1) lines matching; returns them. */
  waitForLog(file: string, matcher: LogMatcher, options?: WaitForLogOptions): Promise<string[]>;
  /** Copies every log file that exists into `destDir`; returns the copied paths. */
  collectLogs(destDir: string): Promise<string[]>;
  /** Stops every daemon and everything it started (by pid) and removes the temporary directory. Idempotent; also runs on process exit and SIGINT/SIGTERM/SIGHUP. */
  stop(): Promise<void>;
  /** Whether stop() has completed. */
  readonly stopped: boolean;
}

const LOG_HOSTNAME = 'mail';
const DEFAULT_START_TIMEOUT_MS = 20_000;

class RunningStack implements Stack {
  readonly hostname = MAIL_HOSTNAME;
  readonly domain = MAIL_DOMAIN;
  readonly listenAddress = LISTEN_ADDRESS;
  readonly users = MAIL_USERS;
  readonly fail2ban: Fail2banInstance;
  readonly daemons: Daemon[] = [];
  private stopping: Promise<void> | undefined;
  private done = false;
  private forgetEmergency: () => void = () => {};

  constructor(
    readonly layout: LogLayout,
    readonly paths: StackPaths,
    readonly ports: StackPorts,
    readonly versions: StackVersions,
    readonly dovecotSyntax: DovecotSyntax,
    readonly logs: StackLogs,
    private readonly keepTemp: boolean,
  ) {
    this.fail2ban = {
      configDir: paths.fail2ban.config,
      socket: paths.fail2ban.socket,
      log: logs.fail2ban,
      bansDir: paths.fail2ban.bans,
      jails: FAIL2BAN_JAILS,
      clientArgs: ['-c', paths.fail2ban.config, '-s', paths.fail2ban.socket],
    };
    this.forgetEmergency = onEmergencyExit(() => {
      if (!this.keepTemp) removeTree(this.paths.root);
    });
  }

  get root(): string {
    return this.paths.root;
  }

  get configFiles(): Record<string, string> {
    const { postfix, dovecot, rsyslog, fail2ban } = this.paths;
    return {
      'postfix-main.cf': join(postfix.config, 'main.cf'),
      'postfix-master.cf': join(postfix.config, 'master.cf'),
      'dovecot.conf': dovecot.config,
      ...(this.layout === 'syslog' ? { 'rsyslog.conf': rsyslog.config } : {}),
      'fail2ban.local': join(fail2ban.config, 'fail2ban.local'),
      'jail.local': join(fail2ban.config, 'jail.local'),
    };
  }

  get processes(): { name: string; pid: number }[] {
    return this.daemons.map((d) => ({ name: d.name, pid: d.pid }));
  }

  survivors(): { name: string; pid: number }[] {
    return this.daemons.flatMap((d) => d.survivors().map((pid) => ({ name: d.name, pid })));
  }

  get stopped(): boolean {
    return this.done;
  }

  waitForLog(file: string, matcher: LogMatcher, options: WaitForLogOptions = {}): Promise<string[]> {
    return waitForLog(file, matcher, { timeoutMs: 15_000, ...options });
  }

  async collectLogs(destDir: string): Promise<string[]> {
    await mkdir(destDir, { recursive: true });
    const copied: string[] = [];
    for (const [name, source] of Object.entries(this.logs.all)) {
      const target = join(destDir, name);
      try {
        await copyFile(source, target);
        // fail2ban creates its log 0600; the copies are for reading.
        await chmod(target, 0o644);
        copied.push(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return copied;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    const stopOne = (daemon: Daemon) => daemon.stop().catch((error: unknown) => errors.push(error));
    // The syslog daemon last, so that it records everybody's shutdown.
    await Promise.all(this.daemons.filter((d) => d.name !== 'rsyslog').map(stopOne));
    await Promise.all(this.daemons.filter((d) => d.name === 'rsyslog').map(stopOne));
    if (!this.keepTemp) {
      try {
        removeTree(this.paths.root);
      } catch (error) {
        errors.push(error);
      }
    }
    this.forgetEmergency();
    this.done = true;
    if (errors.length > 0) {
      throw new AggregateError(errors, `stopping the real stack in ${this.paths.root} failed`);
    }
  }
}

function daemonDied(daemon: Daemon): WaitAbortedError {
  const output = daemon.output().trim().split('\n').slice(-20).join('\n');
  return new WaitAbortedError(`${daemon.name} exited during start-up; its output:\n${output}`);
}

/** Waits for `probe` while making sure `daemon` is still alive. */
async function whileAlive(
  daemon: Daemon,
  description: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
) {
  await waitFor(
    description,
    async () => {
      if (daemon.hasExited) throw daemonDied(daemon);
      return (await probe()) ? true : undefined;
    },
    { timeoutMs },
  );
}

async function touch(file: string): Promise<void> {
  await writeFile(file, '', { flag: 'a', mode: 0o644 });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  assertRequirements();
  const layout = options.layout;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const basePort = options.basePort ?? basePortFromEnv();
  const ports = stackPorts(basePort);
  const versions = await readVersions();
  const dovecotSyntax = dovecotSyntaxFor(versions.dovecot);
  await assertPortsFree(ports);

  // Unix socket paths (Dovecot's, rsyslog's, fail2ban's) must stay under 108 bytes.
  const parent = options.tmpParent ?? (tmpdir().length > 40 ? '/tmp' : tmpdir());
  const root = await mkdtemp(join(parent, 'mailwarden-realstack-'));
  // The daemons drop to the postfix, dovecot, dovenull and mail users, who must traverse it.
  await chmod(root, 0o755);
  const paths = stackPaths(root);
  const logs = stackLogs(layout, paths.logs);
  const stack = new RunningStack(
    layout,
    paths,
    ports,
    versions,
    dovecotSyntax,
    logs,
    options.keepTemp ?? false,
  );
  try {
    await launch(stack, basePort, timeoutMs, options.progress ?? (() => {}), options.tls ?? 'modern');
    return stack;
  } catch (error) {
    await stack.stop().catch(() => {});
    throw error;
  }
}

async function launch(
  stack: RunningStack,
  basePort: number,
  timeoutMs: number,
  progress: (step: string, elapsedMs: number) => void,
  tls: StackTls,
): Promise<void> {
  const { paths, logs, ports, layout } = stack;
  const t0 = Date.now();
  const step = (name: string) => progress(name, Date.now() - t0);
  for (const dir of [paths.logs, paths.daemonOutput, paths.namespace, paths.tls.dir]) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  await makeSelfSignedCertificate(paths.tls.cert, paths.tls.key, MAIL_HOSTNAME);
  step('certificate');
  await writePostfixInstance({ paths, ports, layout, logs, tls });
  await writeDovecotInstance({
    paths,
    ports,
    logs,
    syntax: stack.dovecotSyntax,
    instanceName: `mailwarden-${basePort}`,
    tls,
  });
  if (layout === 'syslog') await writeRsyslogInstance({ paths, logs, logHostname: LOG_HOSTNAME });
  await writeFail2banInstance({ paths, logs });
  // fail2ban refuses a jail whose log file does not exist yet.
  for (const file of daemonLogFiles(logs)) await touch(file);
  step('configuration');

  const namespace = await prepareNamespace({
    dir: paths.namespace,
    syslogSocket: paths.rsyslog.socket,
    mailHostname: MAIL_HOSTNAME,
  });
  const start = (name: string, argv: string[]) => {
    const { command, args } = namespace.wrap(argv);
    const daemon = startDaemon(name, findCommand(command) ?? command, args, {
      outputFile: join(paths.daemonOutput, `${name}.out`),
      cwd: paths.root,
    });
    stack.daemons.push(daemon);
    return daemon;
  };

  if (layout === 'syslog') {
    await startRsyslog(stack, start, timeoutMs);
    step('rsyslog');
  }
  await startDovecot(stack, start, timeoutMs);
  step('dovecot');
  await startPostfix(stack, start, timeoutMs);
  step('postfix');
  await startFail2ban(stack, start, timeoutMs);
  step('fail2ban');
}

type Starter = (name: string, argv: string[]) => Daemon;

async function startRsyslog(stack: RunningStack, start: Starter, timeoutMs: number): Promise<void> {
  const { rsyslog } = stack.paths;
  const daemon = start('rsyslog', [
    findCommand('rsyslogd') ?? 'rsyslogd',
    '-n',
    '-f',
    rsyslog.config,
    '-i',
    rsyslog.pidFile,
  ]);
  await whileAlive(daemon, `rsyslog socket ${rsyslog.socket}`, () => exists(rsyslog.socket), timeoutMs);
}

async function startDovecot(stack: RunningStack, start: Starter, timeoutMs: number): Promise<void> {
  const { paths, ports } = stack;
  const daemon = start('dovecot', [findCommand('dovecot') ?? 'dovecot', '-F', '-c', paths.dovecot.config]);
  const authSocket = join(paths.postfix.queue, 'private', 'auth');
  await whileAlive(daemon, `Dovecot's auth socket ${authSocket}`, () => exists(authSocket), timeoutMs);
  for (const port of [ports.imap, ports.imaps, ports.pop3, ports.pop3s]) {
    await whileAlive(daemon, `Dovecot listening on ${port}`, () => isListening(port), timeoutMs);
  }
}

async function startPostfix(stack: RunningStack, start: Starter, timeoutMs: number): Promise<void> {
  const { paths, ports, logs } = stack;
  const daemonDirectory = (
    await run('postconf', ['-c', paths.postfix.config, '-h', 'daemon_directory'])
  ).stdout.trim();
  // In the foreground (-d) the master stays our child; it signals its own
  // process group on shutdown, which is why every daemon gets a group of its own.
  const daemon = start('postfix', [join(daemonDirectory, 'master'), '-c', paths.postfix.config, '-d']);
  for (const port of [ports.smtp, ports.submission, ports.submissions]) {
    await whileAlive(daemon, `Postfix listening on ${port}`, () => isListening(port), timeoutMs);
  }
  await whileAlive(
    daemon,
    `"postfix/master ... daemon started" in ${logs.postfix}`,
    () => logHas(logs.postfix, /postfix\/master\[\d+\]: daemon started/),
    timeoutMs,
  );
}

async function startFail2ban(stack: RunningStack, start: Starter, timeoutMs: number): Promise<void> {
  const { paths, logs } = stack;
  const daemon = start('fail2ban', [
    findCommand('fail2ban-server') ?? 'fail2ban-server',
    '-xf',
    '-c',
    paths.fail2ban.config,
    '-s',
    paths.fail2ban.socket,
    '-p',
    paths.fail2ban.pidFile,
    'start',
  ]);
  for (const jail of FAIL2BAN_JAILS) {
    const started = `Jail '${jail}' started`;
    await whileAlive(
      daemon,
      `"${started}" in ${logs.fail2ban}`,
      () => logHas(logs.fail2ban, started),
      timeoutMs,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

async function logHas(file: string, matcher: LogMatcher): Promise<boolean> {
  return (await readLines(file)).some((line) => lineMatches(matcher, line));
}
