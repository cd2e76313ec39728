// Where everything of one stack instance lives inside its temporary directory.
import { join } from 'node:path';

export interface StackPaths {
  root: string;
  logs: string;
  /** stdout/stderr of each daemon, for start-up errors. */
  daemonOutput: string;
  namespace: string;
  tls: { dir: string; cert: string; key: string };
  postfix: { config: string; queue: string; data: string };
  /** virtual_mailbox_base: delivered mail ends up in maildirs below it. */
  mail: string;
  dovecot: { dir: string; config: string; baseDir: string; stateDir: string; users: string };
  rsyslog: { dir: string; config: string; workDir: string; pidFile: string; socket: string };
  fail2ban: { dir: string; config: string; socket: string; pidFile: string; db: string; bans: string };
}

export function stackPaths(root: string): StackPaths {
  const dovecot = join(root, 'dovecot');
  const rsyslog = join(root, 'rsyslog');
  const fail2ban = join(root, 'fail2ban');
  const tls = join(root, 'tls');
  return {
    root,
    logs: join(root, 'logs'),
    daemonOutput: join(root, 'daemon-output'),
    namespace: join(root, 'namespace'),
    tls: { dir: tls, cert: join(tls, 'cert.pem'), key: join(tls, 'key.pem') },
    postfix: { config: join(root, 'postfix'), queue: join(root, 'spool'), data: join(root, 'postfix-data') },
    mail: join(root, 'mail'),
    dovecot: {
      dir: dovecot,
      config: join(dovecot, 'dovecot.conf'),
      baseDir: join(dovecot, 'run'),
      stateDir: join(dovecot, 'state'),
      users: join(dovecot, 'users'),
    },
    rsyslog: {
      dir: rsyslog,
      config: join(rsyslog, 'rsyslog.conf'),
      workDir: join(rsyslog, 'work'),
      pidFile: join(rsyslog, 'rsyslogd.pid'),
      socket: join(rsyslog, 'log.sock'),
    },
    fail2ban: {
      dir: fail2ban,
      config: join(fail2ban, 'etc'),
      socket: join(fail2ban, 'fail2ban.sock'),
      pidFile: join(fail2ban, 'fail2ban.pid'),
      db: join(fail2ban, 'fail2ban.sqlite3'),
      bans: join(fail2ban, 'bans'),
    },
  };
}
