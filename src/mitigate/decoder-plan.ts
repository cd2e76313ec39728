/**
 * What to do about archive types Amavis cannot open (the audit's
 * `missing-archive-decoder`): install the decoders. docker-mailserver rebuilds
 * its container from the image, so the install goes into user-patches.sh; on
 * a plain host mitigate only writes the command (it installs no packages).
 */
import { DECODER_PACKAGES } from '../detect/archive-decoder.js';
import type { Finding } from '../findings/finding.js';

export interface DecoderPlan {
  packages: string[];
  extensions: string[];
  /** Lines for docker-mailserver's user-patches.sh. */
  userPatches: string[];
  /** A plain host's install command (for --out and the summary). */
  command: string | null;
  notes: string[];
}

export function planDecoders(findings: readonly Finding[], kind: 'docker-mailserver' | 'plain'): DecoderPlan {
  const finding = findings.find((f) => f.id === 'missing-archive-decoder');
  const extensions = finding ? Object.keys(finding.metrics).map((k) => k.replace(/^\./, '')) : [];
  const packages = [
    ...new Set(extensions.map((x) => DECODER_PACKAGES[x]).filter((p): p is string => p !== undefined)),
  ].sort();
  const unknown = extensions.filter((x) => !DECODER_PACKAGES[x]);
  const notes =
    unknown.length > 0
      ? [
          `archive decoders: no Debian package is known for ${unknown.map((x) => `.${x}`).join(', ')}: ban those types in Amavis ($banned_filename_re) instead`,
        ]
      : [];
  if (packages.length === 0) return { packages, extensions, userPatches: [], command: null, notes };
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (kind === 'docker-mailserver')
    return {
      packages,
      extensions,
      userPatches: [
        `# Amavis reported "No decoder for" ${extensions.map((x) => `.${x}`).join(', ')}: install the decoders at every start.`,
        `dpkg -s ${packages.join(' ')} >/dev/null 2>&1 || { apt-get update && ${install}; }`,
      ],
      command: null,
      notes: [
        ...notes,
        `archive decoders: user-patches.sh installs ${packages.join(', ')} for Amavis (.${extensions.join(', .')}); restart the container, then amavisd reports the decoders at start`,
      ],
    };
  return {
    packages,
    extensions,
    userPatches: [],
    command: install,
    notes: [
      ...notes,
      `archive decoders: Amavis needs ${packages.join(', ')}: run ${install} && systemctl restart amavis`,
    ],
  };
}
