import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { envValue } from './env-helpers.js';

/** Decoders Amavis looks for, by archive type, and whether docker-mailserver's image ships them (`CODECS_PACKAGES`). */
const DECODERS: { ext: string; programs: string[]; inDms: boolean }[] = [
  { ext: 'zst', programs: ['zstd', 'unzstd'], inDms: false },
  { ext: '7z', programs: ['7z', '7za', '7zr'], inDms: true },
  { ext: 'rar', programs: ['unrar', 'unrar-free'], inDms: true },
  { ext: 'lz4', programs: ['lz4'], inDms: true },
  { ext: 'xz', programs: ['xz'], inDms: true },
];

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Confirms the logs' missing-archive-decoder finding from the configuration:
 * Amavis is on, and the decoder is absent from docker-mailserver's image (or from
 * this host, when the host itself is audited).
 */
export function confirmArchiveDecoder(config: ServerConfig, logFindings: Finding[]): void {
  const amavis =
    config.kind === 'docker-mailserver'
      ? envValue(config, 'ENABLE_AMAVIS') === '1'
      : config.kind === 'plain' && config.dir === '/';
  if (!amavis) return;
  const absent = DECODERS.filter((d) =>
    config.kind === 'docker-mailserver' ? !d.inDms : !d.programs.some(onPath),
  );
  if (absent.length === 0) return;
  const fromLogs = logFindings.find((f) => f.id === 'missing-archive-decoder');
  const why =
    config.kind === 'docker-mailserver'
      ? `Amavis is enabled (ENABLE_AMAVIS=1) and docker-mailserver's image installs no decoder for ${absent.map((d) => `.${d.ext}`).join(', ')}`
      : `Amavis runs here and ${absent.map((d) => d.programs[0]).join(', ')} ${absent.length === 1 ? 'is' : 'are'} not installed`;
  if (!fromLogs) return;
  fromLogs.description += ` Confirmed by the configuration: ${why}.`;
  fromLogs.metrics.confirmedByConfiguration = 'yes';
}
