import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { runAudit } from '../audit/run-audit.js';
import { plainEtc } from '../config/layouts/plain-host.js';
import { loadServerConfig } from '../config/load-config.js';
import { DEFAULT_SUBNET_MIN } from '../detect/subnets.js';
import { DMS_CIDR_FILE, HOST_CIDR_FILE } from '../findings/recommendations.js';
import type { ReadOptions } from '../pipeline/read-events.js';
import { ActivityCollector } from './activity.js';
import { aggregate, type BlockEntry, type Tally } from './aggregate.js';
import { type Cidr, compareCidr, contains, familyBits, formatShort, sameCidr } from './cidr.js';
import {
  type BlockLine,
  type GeneratedEntry,
  parseMap,
  renderBlock,
  replaceBlock,
  userEntryKind,
} from './cidr-map.js';
import { commandLine } from './command-line.js';
import { planDecoders } from './decoder-plan.js';
import { DEFAULT_MAX_PREFIX4, DEFAULT_MAX_PREFIX6, DEFAULT_MIN_EVENTS } from './defaults.js';
import { planFail2ban } from './fail2ban-plan.js';
import { withBlock } from './marked-block.js';
import { checkNftables, NFT_FILE, type NftCheck, renderNftables } from './nftables.js';
import { planQuotas } from './quota-plan.js';
import { findingIndex, protectClients, selectAttackers, type Unblocked } from './select.js';
import { staticProtections } from './static-protections.js';
import { planWiring, type SettingChange } from './wiring.js';

export const DEFAULT_QUOTA_GIB = 5;
/** docker-mailserver's map, in its config directory (the container sees it as /tmp/docker-mailserver/...). */
export const DMS_MAP_NAME = basename(DMS_CIDR_FILE);
/** A plain host's map, in Postfix's configuration directory (the file the audit's recommendations name). */
export const HOST_MAP_NAME = basename(HOST_CIDR_FILE);

export interface MitigateOptions {
  logs: string[];
  /** docker-mailserver config directory, or a plain host's /etc, /etc/postfix, or a copy of either. */
  configDir: string;
  allow?: string[];
  allowlistFile?: string;
  minEvents?: number;
  subnetMin?: number;
  maxPrefix4?: number;
  maxPrefix6?: number;
  includePrivate?: boolean;
  /** How the logs are read (time zone, year, warnings). */
  read?: ReadOptions;
  /** The quota every docker-mailserver account gets when quotas are on and empty (GiB, default 5). */
  quotaDefaultGib?: number;
  /** Check the nftables file with `nft -c` when nft is installed (default true). */
  checkNft?: boolean;
}

export type FileRole =
  | 'map'
  | 'main'
  | 'master'
  | 'nftables'
  | 'commands'
  | 'fail2ban'
  | 'quotas'
  | 'user-patches';

export interface PlannedFile {
  role: FileRole;
  /** Where --apply writes it; null for what only --out writes. */
  path: string | null;
  /** Its name under --out DIR. */
  outName: string;
  before: string | null;
  after: string;
}

export interface PlannedEntry {
  cidr: Cidr;
  /** new: not in the map before; seen: already there and in these logs; kept: from an earlier run, not in these logs. */
  state: 'new' | 'seen' | 'kept';
  note: string;
}

export interface MitigatePlan {
  kind: 'docker-mailserver' | 'plain';
  configDir: string;
  /** The map here, and as Postfix reads it. */
  mapPath: string;
  mapRef: string;
  /** Postfix's configuration directory as `postfix -c` must name it (plain host), or null for the default. */
  postfixConfigDir: string | null;
  files: PlannedFile[];
  entries: PlannedEntry[];
  removed: { cidr: Cidr; why: string }[];
  unblocked: Unblocked[];
  belowThreshold: string[];
  split: { cidr: Cidr; why: string }[];
  wiring: SettingChange[];
  postconfCommands: string[];
  notes: string[];
  nft: NftCheck;
  /** Inputs that could not be read at all. */
  unreadable: string[];
  /** The attack classes given a generated fail2ban filter and jail. */
  fail2banClasses: string[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** `12 addresses, 36 attack events (tls-handshake-failure 36); in tls-handshake-campaign; first seen ..., last seen ...` */
function describe(cidr: Cidr, addresses: readonly string[], tally: Tally, findings: string[]): string {
  const classes = Object.entries(tally.classes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const who = cidr.prefix < familyBits(cidr.family) ? `${addresses.length} addresses, ` : '';
  const where = findings.length > 0 ? `in ${findings.join(', ')}; ` : '';
  return `${who}${tally.events} attack events (${classes}); ${where}first seen ${iso(tally.first)}, last seen ${iso(tally.last)}`;
}

function mergeTallies(parts: readonly BlockEntry[]): { addresses: string[]; tally: Tally } {
  const tally: Tally = {
    events: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    classes: {},
  };
  const addresses: string[] = [];
  for (const p of parts) {
    addresses.push(...p.addresses);
    tally.events += p.tally.events;
    tally.first = Math.min(tally.first, p.tally.first);
    tally.last = Math.max(tally.last, p.tally.last);
    for (const [k, v] of Object.entries(p.tally.classes)) tally.classes[k] = (tally.classes[k] ?? 0) + v;
  }
  return { addresses, tally };
}

/** Where mitigate's files are for a configuration, on this machine and as Postfix names them. */
export interface Layout {
  kind: 'docker-mailserver' | 'plain';
  mapPath: string;
  mapRef: string;
  main: string;
  master: string;
  nft: string;
  nftRef: string;
  postfixConfigDir: string | null;
}

export function layoutOf(dir: string, kind: string): Layout {
  if (kind === 'docker-mailserver')
    return {
      kind,
      mapPath: join(dir, DMS_MAP_NAME),
      mapRef: DMS_CIDR_FILE,
      main: join(dir, 'postfix-main.cf'),
      master: join(dir, 'postfix-master.cf'),
      nft: join(dir, NFT_FILE),
      nftRef: join(dir, NFT_FILE),
      postfixConfigDir: null,
    };
  if (kind !== 'plain')
    throw new Error(
      `${dir}: mitigate writes docker-mailserver and plain-host configurations; for ${kind}, use --out DIR and wire the map by hand`,
    );
  const etc = plainEtc(dir);
  if (etc === null || !existsSync(join(etc, 'postfix', 'main.cf')))
    throw new Error(`${dir}: no Postfix main.cf found (mitigate edits main.cf and master.cf)`);
  const postfixDir = join(etc, 'postfix');
  // A copy of a host's root (DIR/etc/postfix): Postfix on that host reads /etc/postfix.
  const hostView = etc !== '/etc' && etc.endsWith('/etc') ? '/etc/postfix' : postfixDir;
  return {
    kind: 'plain',
    mapPath: join(postfixDir, HOST_MAP_NAME),
    mapRef: join(hostView, HOST_MAP_NAME),
    main: join(postfixDir, 'main.cf'),
    master: join(postfixDir, 'master.cf'),
    nft: join(postfixDir, NFT_FILE),
    nftRef: join(hostView, NFT_FILE),
    postfixConfigDir: hostView === '/etc/postfix' ? null : hostView,
  };
}

/**
 * Works out everything `mailwarden mitigate` would write, without writing:
 * the attackers the audit finds in the logs, minus every protected address,
 * aggregated into networks; the reject map merged with its current content;
 * the wiring that makes Postfix read it; the nftables file.
 */
export async function planMitigation(options: MitigateOptions): Promise<MitigatePlan> {
  const dir = resolve(options.configDir);
  const config = loadServerConfig(dir);
  const layout = layoutOf(dir, config.kind);
  const pf = config.postfix;
  if (!pf) throw new Error(`${dir}: no Postfix configuration found`);
  const minEvents = options.minEvents ?? DEFAULT_MIN_EVENTS;
  const subnetMin = options.subnetMin ?? DEFAULT_SUBNET_MIN;
  const maxPrefix4 = options.maxPrefix4 ?? DEFAULT_MAX_PREFIX4;
  const maxPrefix6 = options.maxPrefix6 ?? DEFAULT_MAX_PREFIX6;
  const notes: string[] = [];

  const mapText = readText(layout.mapPath);
  const map = parseMap(mapText ?? '', layout.mapPath);
  // What may never be blocked.
  const {
    protections,
    ignoreip,
    notes: protectionNotes,
  } = staticProtections({
    allow: options.allow ?? [],
    allowLabel: '--allow',
    allowlistFile: options.allowlistFile ?? null,
    postfix: pf,
    mapEntries: map.userEntries,
    mapPath: layout.mapPath,
    includePrivate: options.includePrivate === true,
  });
  notes.push(...protectionNotes);

  // The attackers, from the audit of the logs.
  const activity = new ActivityCollector();
  const { report, run } = await runAudit(options.logs, {
    ...(options.read ?? {}),
    subnetMin,
    observe: activity.observe,
  });
  const unreadable = run.files.filter((f) => f.error !== undefined).map((f) => f.file);
  protectClients(activity.byAddress, report.findings, protections);
  const { candidates, unblocked } = selectAttackers(activity.byAddress, protections);
  const aggregated = aggregate(candidates, (c) => protections.find(c), {
    subnetMin,
    minEvents,
    maxPrefix4,
    maxPrefix6,
  });
  const findingsOf = findingIndex(report.findings);

  // Merge with what the map holds: earlier entries stay unless now protected or covered.
  type Item = { cidr: Cidr; fresh: BlockEntry[]; old: GeneratedEntry | null };
  const removed: { cidr: Cidr; why: string }[] = [];
  const items: Item[] = aggregated.entries.map((e) => ({ cidr: e.cidr, fresh: [e], old: null }));
  for (const g of map.generated) {
    const same = items.find((i) => sameCidr(i.cidr, g.cidr));
    if (same) {
      same.old = g;
      continue;
    }
    const explicit = protections.find(g.cidr, 'explicit');
    if (explicit) {
      removed.push({ cidr: g.cidr, why: explicit.reason });
      continue;
    }
    const observed = protections.find(g.cidr, 'observed');
    if (observed)
      notes.push(
        `${formatShort(g.cidr)} stays blocked (an earlier run added it) although ${formatShort(observed.cidr)} ${observed.reason}; delete its line to unblock it, or allowlist it`,
      );
    items.push({ cidr: g.cidr, fresh: [], old: g });
  }
  // Widest first: a network already covered by a kept one is dropped, its figures go to the wider one.
  items.sort((a, b) => a.cidr.prefix - b.cidr.prefix || compareCidr(a.cidr, b.cidr));
  const kept: Item[] = [];
  for (const item of items) {
    const wider = kept.find((k) => contains(k.cidr, item.cidr));
    if (wider) wider.fresh.push(...item.fresh);
    else kept.push(item);
  }
  const final: Item[] = [];
  for (const item of kept) {
    const mine = map.userEntries.find(
      (u) => userEntryKind(u.result) === 'reject' && contains(u.cidr, item.cidr),
    );
    if (mine) {
      if (item.fresh.length > 0)
        notes.push(
          `${formatShort(item.cidr)} is already rejected by your own line ${layout.mapPath}:${mine.line}`,
        );
      else removed.push({ cidr: item.cidr, why: `your own line ${layout.mapPath}:${mine.line} rejects it` });
      continue;
    }
    final.push(item);
  }
  final.sort((a, b) => compareCidr(a.cidr, b.cidr));
  const entries: PlannedEntry[] = final.map((item) => {
    if (item.fresh.length === 0)
      return { cidr: item.cidr, state: 'kept', note: item.old?.note ?? 'added by an earlier run' };
    const { addresses, tally } = mergeTallies(item.fresh);
    return {
      cidr: item.cidr,
      state: item.old ? 'seen' : 'new',
      note: describe(item.cidr, addresses, tally, findingsOf(item.cidr, addresses, tally.classes)),
    };
  });

  const header = [
    'Written by `mailwarden mitigate`: the clients the audit of the mail logs found attacking.',
    'Postfix rejects them through postscreen_access_list (port 25) and check_client_access',
    '(submission, submissions); mailwarden-blocklist.nft holds the same networks for nftables.',
    `Rules: an address with ${minEvents}+ attack events; a /${Math.max(24, maxPrefix4)} (IPv6 /${Math.max(64, maxPrefix6)}) when ${subnetMin}+ of its`,
    `addresses attack with ${minEvents}+ events between them, widened while ${subnetMin}+ blocked entries`,
    `share a network, never wider than /${maxPrefix4} (IPv6 /${maxPrefix6}). Never blocked: allowlisted`,
    `addresses, mynetworks,${options.includePrivate ? '' : ' private and loopback ranges,'} addresses that logged in successfully.`,
    'Each entry: attack events by class (one per log line), the findings naming it, first and',
    'last seen. Entries stay until you delete them; "[not in these logs]" marks one that the',
    'logs of the latest run do not show.',
    `Test an address: postmap -q ADDRESS cidr:${layout.mapRef}`,
  ];
  const lines: BlockLine[] = entries.map((e) => ({
    cidr: e.cidr,
    note: e.note,
    notSeen: e.state === 'kept',
  }));
  const mapAfter = replaceBlock(map, renderBlock(header, lines));

  const mainBefore = readText(layout.main);
  const masterBefore = readText(layout.master);
  const wiring = planWiring({
    kind: layout.kind,
    postfix: pf,
    mapPath: layout.mapRef,
    main: { path: layout.main, text: mainBefore },
    master: { path: layout.master, text: masterBefore },
    postconfDir: layout.postfixConfigDir,
  });
  notes.push(...wiring.notes);

  // The networks the whole map rejects (yours too), without overlaps: interval sets refuse them.
  const rejected = [
    ...entries.map((e) => e.cidr),
    ...map.userEntries.filter((u) => userEntryKind(u.result) === 'reject').map((u) => u.cidr),
  ].sort((a, b) => a.prefix - b.prefix || compareCidr(a, b));
  const nftNetworks: Cidr[] = [];
  for (const c of rejected) if (!nftNetworks.some((k) => contains(k, c))) nftNetworks.push(c);
  nftNetworks.sort(compareCidr);
  const nftText = renderNftables(nftNetworks, [
    `${NFT_FILE}: the networks ${layout.mapRef} rejects, written by \`mailwarden mitigate\`,`,
    'for a block at the network level. mitigate never loads it. Load it (it replaces',
    `table inet mailwarden each time) with: nft -f ${layout.nftRef}`,
    'and include it from /etc/nftables.conf to keep it across reboots. It drops the mail ports',
    'from these networks in input (this host) and forward (containers behind published ports).',
  ]);
  const nft =
    options.checkNft === false
      ? { kind: 'skipped' as const, why: 'not checked' }
      : await checkNftables(nftText);
  if (nft.kind === 'rejected')
    throw new Error(
      `nft -c rejected the generated ${NFT_FILE} (a mailwarden bug, please report it): ${nft.output}`,
    );

  const files: PlannedFile[] = [
    {
      role: 'map',
      path: layout.mapPath,
      outName: basename(layout.mapPath),
      before: mapText,
      after: mapAfter,
    },
  ];
  // Main and master files as they will be (unchanged ones too, for --out).
  for (const [role, path, before, after] of [
    ['main', layout.main, mainBefore, wiring.mainText],
    ['master', layout.master, masterBefore, wiring.masterText],
  ] as const)
    if (after !== null) files.push({ role, path, outName: basename(path), before, after });
  files.push({
    role: 'nftables',
    path: layout.nft,
    outName: NFT_FILE,
    before: readText(layout.nft),
    after: nftText,
  });
  const fail2ban = planFail2ban({
    kind: layout.kind,
    dir: layout.kind === 'docker-mailserver' ? dir : (plainEtc(dir) ?? dir),
    activity: activity.byAddress,
    uncovered: report.fail2banCoverage
      ? new Set(report.fail2banCoverage.classes.filter((c) => c.addresses > c.banned).map((c) => c.class))
      : null,
    ignoreip: [...new Set([...(options.includePrivate ? [] : ['127.0.0.1/8', '::1']), ...ignoreip])],
    logpaths:
      layout.kind === 'docker-mailserver'
        ? ['/var/log/mail/mail.log']
        : [pf.value('maillog_file') || '/var/log/mail.log'],
    thresholds: { maxretry: 3, findtime: '10m', bantime: '24h' },
  });
  notes.push(...fail2ban.notes);
  for (const f of fail2ban.files) files.push({ role: 'fail2ban', ...f });
  const quotas = planQuotas(config, options.quotaDefaultGib ?? DEFAULT_QUOTA_GIB);
  notes.push(...quotas.notes);
  if (quotas.file) files.push({ role: 'quotas', ...quotas.file });
  const decoders = planDecoders(report.findings, layout.kind);
  notes.push(...decoders.notes);
  const patchBlocks: [string, string[]][] = [
    ['fail2ban filters', fail2ban.userPatches],
    ['archive decoders', decoders.userPatches],
  ];
  if (layout.kind === 'docker-mailserver' && patchBlocks.some(([, lines]) => lines.length > 0)) {
    const path = join(dir, 'user-patches.sh');
    const before = readText(path);
    let after = before ?? '#!/bin/bash\n';
    for (const [name, lines] of patchBlocks) if (lines.length > 0) after = withBlock(after, name, lines);
    files.push({ role: 'user-patches', path, outName: 'user-patches.sh', before, after });
  }
  if (decoders.command)
    files.push({
      role: 'commands',
      path: null,
      outName: 'install-decoders.sh',
      before: null,
      after: `#!/bin/sh\n# Decoders Amavis reported missing (${decoders.extensions.map((x) => `.${x}`).join(', ')}).\nset -e\n${decoders.command}\nsystemctl restart amavis\n`,
    });
  if (layout.kind === 'plain') {
    const dirArgs = layout.postfixConfigDir !== null ? ['-c', layout.postfixConfigDir] : [];
    files.push({
      role: 'commands',
      path: null,
      outName: 'postconf-commands.sh',
      before: null,
      after: `${[
        '#!/bin/sh',
        `# The wiring of ${layout.mapRef} as postconf commands (what mailwarden mitigate --apply writes into main.cf and master.cf).`,
        `# Copy ${HOST_MAP_NAME} to ${layout.mapRef} first.`,
        'set -e',
        ...(wiring.postconfCommands.length > 0
          ? wiring.postconfCommands
          : ['# (the wiring is already in place)']),
        commandLine(['postfix', ...dirArgs, 'check']),
        commandLine(['postfix', ...dirArgs, 'reload']),
      ].join('\n')}\n`,
    });
  }

  return {
    kind: layout.kind,
    configDir: dir,
    mapPath: layout.mapPath,
    mapRef: layout.mapRef,
    postfixConfigDir: layout.postfixConfigDir,
    files,
    entries,
    removed: removed.sort((a, b) => compareCidr(a.cidr, b.cidr)),
    unblocked,
    belowThreshold: aggregated.belowThreshold,
    split: aggregated.split.map((s) => ({
      cidr: s.cidr,
      why: `holds ${formatShort(s.protection.cidr)}: ${s.protection.reason}`,
    })),
    wiring: wiring.changes,
    postconfCommands: wiring.postconfCommands,
    notes,
    nft,
    fail2banClasses: fail2ban.classes,
    unreadable,
  };
}
