// fail2ban's configuration as fail2ban itself reads it.
export type { DumpedJail, Fail2banDump } from './client-dump.js';
export { parseClientDump } from './client-dump.js';
export type { LoadFail2banOptions } from './configuration.js';
export { loadFail2banConfiguration, SYSTEM_FAIL2BAN_DIR } from './configuration.js';
export {
  dockerMailserverFail2banOverlays,
  dockerMailserverImageOverlays,
  hiddenInDockerMailserver,
  loadDockerMailserverFail2ban,
} from './docker-mailserver.js';
export { str2seconds } from './duration.js';
export type { Fail2banOverlay } from './files.js';
export type {
  Fail2banConfiguration,
  Fail2banFilterDefinition,
  Fail2banJail,
  Fail2banServerSettings,
} from './types.js';
