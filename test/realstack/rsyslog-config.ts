// A private rsyslog: it reads only its own socket (never the host's /dev/log)
// and writes facility mail twice, in RFC 3339 and in the traditional format.
import { mkdir, writeFile } from 'node:fs/promises';
import type { StackLogs } from './log-layout.js';
import type { StackPaths } from './paths.js';

export interface RsyslogConfigInput {
  paths: StackPaths;
  logs: StackLogs;
  /** The host name written into every line, like a container's name. */
  logHostname: string;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

export function rsyslogConf({ paths, logs, logHostname }: RsyslogConfigInput): string {
  if (!logs.mailLog || !logs.mailLogTraditional || !logs.otherSyslog) {
    throw new Error('rsyslog is only part of the syslog log layout');
  }
  const file = (path: string, template: string) =>
    `action(type="omfile" file=${quote(path)} template="${template}" fileCreateMode="0644" flushOnTXEnd="on" asyncWriting="off")`;
  return [
    '# rsyslog instance of the mailwarden real-stack test harness (temporary).',
    `global(workDirectory=${quote(paths.rsyslog.workDir)} localHostname=${quote(logHostname)} preserveFQDN="off")`,
    // The system socket stays off: only the harness's own socket is read.
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket=${quote(paths.rsyslog.socket)} CreatePath="on" RateLimit.Interval="0")`,
    `mail.* ${file(logs.mailLog, 'RSYSLOG_FileFormat')}`,
    `mail.* ${file(logs.mailLogTraditional, 'RSYSLOG_TraditionalFileFormat')}`,
    `*.*;mail.none ${file(logs.otherSyslog, 'RSYSLOG_FileFormat')}`,
    '',
  ].join('\n');
}

export async function writeRsyslogInstance(input: RsyslogConfigInput): Promise<void> {
  await mkdir(input.paths.rsyslog.workDir, { recursive: true });
  await writeFile(input.paths.rsyslog.config, rsyslogConf(input));
}
