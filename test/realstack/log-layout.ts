// The log file layouts the stack can produce, and where each file lives.
import { join } from 'node:path';

/**
 * syslog: Postfix and Dovecot log through syslog() to a private rsyslog that
 *   writes one combined mail.log in RFC 3339 (RSYSLOG_FileFormat, as
 *   docker-mailserver) and the same lines in the traditional format.
 * files: Postfix writes its own maillog_file through postlogd and Dovecot
 *   writes its log_path file; no syslog daemon is involved.
 */
export type LogLayout = 'syslog' | 'files';
export const LOG_LAYOUTS: readonly LogLayout[] = ['syslog', 'files'];

export interface StackLogs {
  layout: LogLayout;
  dir: string;
  /** The file holding Postfix's lines (the combined mail.log in the syslog layout). */
  postfix: string;
  /** The file holding Dovecot's lines (the combined mail.log in the syslog layout). */
  dovecot: string;
  fail2ban: string;
  /** syslog layout: RSYSLOG_FileFormat, e.g. "2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[477]: ..." */
  mailLog?: string;
  /** syslog layout: RSYSLOG_TraditionalFileFormat, e.g. "Oct 10 01:33:12 mail postfix/smtpd[477]: ..." */
  mailLogTraditional?: string;
  /** syslog layout: anything not of facility mail (rsyslog's own messages); should hold no daemon lines. */
  otherSyslog?: string;
  /** Every log file of the layout by file name, for copying. */
  all: Record<string, string>;
}

export function isLogLayout(value: string): value is LogLayout {
  return (LOG_LAYOUTS as readonly string[]).includes(value);
}

export function stackLogs(layout: LogLayout, dir: string): StackLogs {
  const fail2ban = join(dir, 'fail2ban.log');
  if (layout === 'syslog') {
    const mailLog = join(dir, 'mail.log');
    const mailLogTraditional = join(dir, 'mail-traditional.log');
    const otherSyslog = join(dir, 'syslog-other.log');
    return {
      layout,
      dir,
      postfix: mailLog,
      dovecot: mailLog,
      fail2ban,
      mailLog,
      mailLogTraditional,
      otherSyslog,
      all: {
        'mail.log': mailLog,
        'mail-traditional.log': mailLogTraditional,
        'syslog-other.log': otherSyslog,
        'fail2ban.log': fail2ban,
      },
    };
  }
  const postfix = join(dir, 'postfix.log');
  const dovecot = join(dir, 'dovecot.log');
  return {
    layout,
    dir,
    postfix,
    dovecot,
    fail2ban,
    all: { 'postfix.log': postfix, 'dovecot.log': dovecot, 'fail2ban.log': fail2ban },
  };
}

/** The distinct files Postfix and Dovecot write to. */
export function daemonLogFiles(logs: StackLogs): string[] {
  return [...new Set([logs.postfix, logs.dovecot])];
}
