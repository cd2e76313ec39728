import type { Finding } from '../findings/finding.js';
import type { Detector } from './detector.js';
import { evidence, mergeSamples, newSamples, type Samples, sample } from './tally.js';

interface State {
  byExtension: Record<string, number>;
  samples: Samples;
}

/** The Debian package that gives Amavis a decoder for each archive type it reports missing. */
export const DECODER_PACKAGES: Record<string, string> = {
  zst: 'zstd',
  zstd: 'zstd',
  lz4: 'lz4',
  lzo: 'lzop',
  lz: 'lzip',
  lrz: 'lrzip',
  xz: 'xz-utils',
  lzma: 'xz-utils',
  bz2: 'bzip2',
  gz: 'gzip',
  '7z': 'p7zip-full',
  rar: 'unrar-free',
  arj: 'arj',
  arc: 'nomarch',
  zoo: 'zoo',
  lha: 'lhasa',
  lzh: 'lhasa',
  cab: 'cabextract',
  cpio: 'cpio',
  tar: 'pax',
  rpm: 'rpm2cpio',
  deb: 'binutils',
  tnef: 'tnef',
  doc: 'ripole',
  F: 'freeze',
  Z: 'ncompress',
  zip: 'unzip',
  jar: 'unzip',
};

export const archiveDecoder: Detector<State> = {
  id: 'missing-archive-decoder',
  classes: ['no-decoder'],
  create: () => ({ byExtension: {}, samples: newSamples() }),
  add(s, e, _tsMs, raw) {
    const ext = e.detail ?? '?';
    s.byExtension[ext] = (s.byExtension[ext] ?? 0) + 1;
    sample(s.samples, ext, raw, e);
  },
  merge(into, later) {
    for (const [k, v] of Object.entries(later.byExtension))
      into.byExtension[k] = (into.byExtension[k] ?? 0) + v;
    mergeSamples(into.samples, later.samples);
  },
  findings(s): Finding[] {
    const exts = Object.keys(s.byExtension).sort();
    if (exts.length === 0) return [];
    const packages = [
      ...new Set(exts.map((x) => DECODER_PACKAGES[x]).filter((p): p is string => p !== undefined)),
    ];
    const unknown = exts.filter((x) => !DECODER_PACKAGES[x]);
    const banned = exts.map((x) => `qr'\\.${x.replace(/[^A-Za-z0-9]/g, '')}$'i`).join(', ');
    return [
      {
        id: 'missing-archive-decoder',
        kind: 'issue',
        title: `Amavis cannot look inside ${exts.map((x) => `.${x}`).join(', ')} archives`,
        severity: 'medium',
        severityRule:
          'medium: attachments of these types reach mailboxes without their content being scanned',
        status: 'open',
        description: `Amavis reported "No decoder for" ${exts.map((x) => `.${x} (${s.byExtension[x]}x)`).join(', ')}. Malware packed in these formats passes the virus scanner unseen.`,
        sources: [],
        evidence: evidence(s.samples),
        rootCause: `The decoder program is not installed${packages.length > 0 ? ` (Debian package${packages.length > 1 ? 's' : ''} ${packages.join(', ')})` : ''}${unknown.length > 0 ? `; no Debian decoder is known for ${unknown.map((x) => `.${x}`).join(', ')}` : ''}.`,
        recommendation: {
          summary: `Install ${packages.length > 0 ? packages.join(' and ') : 'a decoder'} where Amavis runs, or ban the file types outright in Amavis.`,
          dockerMailserver: [
            ...(packages.length > 0
              ? [
                  `echo 'apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}' >> docker-data/dms/config/user-patches.sh`,
                ]
              : []),
            `printf '%s\\n' '$banned_filename_re = new_RE(${banned});' '1;' > docker-data/dms/config/amavis.cf   # alternative: reject the types`,
            'docker compose up -d --force-recreate mailserver',
          ],
          plainHost: [
            ...(packages.length > 0 ? [`apt-get install -y ${packages.join(' ')}`] : []),
            `# or ban the types: add ${banned} to $banned_filename_re in /etc/amavis/conf.d/50-user`,
            'systemctl restart amavis',
          ],
        },
        metrics: Object.fromEntries(exts.map((x) => [`.${x}`, s.byExtension[x]!])),
      },
    ];
  },
};
