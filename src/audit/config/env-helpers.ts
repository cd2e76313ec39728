import type { EnvValue } from '../../config/env-file.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Evidence } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import { settingEvidence } from './config-finding.js';

/** A docker-mailserver variable's effective value ('' when not docker-mailserver). */
export function envValue(config: ServerConfig, name: string): string {
  return config.env?.get(name)?.value ?? '';
}

export function envEvidence(config: ServerConfig, name: string): Evidence[] {
  const v: EnvValue | undefined = config.env?.get(name);
  // A default has no line to quote: the finding's text says what applies.
  if (!v || v.source.line === 0) return [];
  return [{ line: `${name}=${v.value}`, source: `${v.source.file}:${v.source.line}` }];
}

/** Evidence for a Postfix parameter as configured (main.cf or a service override), or its default. */
export function postfixEvidence(
  config: ServerConfig,
  name: string,
  service?: Parameters<NonNullable<ServerConfig['postfix']>['setting']>[1],
): Evidence[] {
  const pf = config.postfix;
  if (!pf) return [];
  const s = pf.setting(name, service);
  if (!s || s.source.line === 0) return [];
  return [settingEvidence(service ? `${service.name}/${service.type} -o ${name}` : name, s.value, s.source)];
}

/** The environment file the settings came from (mailserver.env or the given --env), for commands that change it. */
export function envFile(config: ServerConfig): string {
  for (const v of config.env?.values() ?? []) if (v.source.line > 0) return v.source.file;
  return 'mailserver.env';
}

/** A shell command that sets `NAME=value` in the environment file, replacing the line or adding it. */
export function setEnvCommand(config: ServerConfig, name: string, value: string): string {
  const file = shellQuote(envFile(config));
  return `grep -q '^${name}=' ${file} && sed -i 's/^${name}=.*/${name}=${value}/' ${file} || echo '${name}=${value}' >> ${file}`;
}
