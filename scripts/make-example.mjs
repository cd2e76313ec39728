#!/usr/bin/env node
// Builds the bundled example under examples/docker-mailserver/: three days of a
// docker-mailserver's mail.log made by the log generator from real daemon output
// (with a slow brute force, password spraying, a distributed attack, a campaign
// and a compromised account woven in), moved onto documentation addresses, and
// the fail2ban.log that docker-mailserver's jails would have written: which lines
// count as failures is decided by fail2ban's own filters (fail2ban-regex), the
// bans follow docker-mailserver's thresholds (maxretry 6, findtime 1 week).
// Needs `npm run build` and fail2ban installed. Deterministic for a given seed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { generateLogs } = await import(join(root, 'dist', 'bench', 'generator', 'generate.js'));
const example = join(root, 'examples', 'docker-mailserver');
const logsDir = join(example, 'mail-logs');
const work = mkdtempSync(join(tmpdir(), 'mw-example-'));

const generated = await generateLogs({
  out: work,
  size: '2MB',
  seed: 2025,
  start: '2025-10-07T00:00:00Z',
  days: 3,
  attackers: 180,
  campaigns: 1,
  slowAttacks: 1,
  compromisedAccounts: 1,
  ipv6Share: 0.3,
});

// Documentation ranges only: the campaign keeps its /24 (the generator puts it in
// 192.0.2.0/24; it moves to 198.51.100.0/24), other attackers go to 203.0.113.0/24,
// innocent clients to 192.0.2.0/24; IPv6 already lies in 2001:db8::/32.
const text = readFileSync(join(work, 'mail.log'), 'utf8');
const truthText = readFileSync(join(work, 'truth.json'), 'utf8');
const legit = new Set(
  readFileSync(join(work, generated.truth.legitimateAddressesFile), 'utf8').split('\n').filter(Boolean),
);
const campaignNets = generated.truth.campaigns.map((c) => c.subnet.replace(/\.0\/24$/, '.'));
const map = new Map();
let nextAttacker = 1;
let nextLegit = 10;
const relocate = (ip) => {
  if (ip === '127.0.0.1') return ip;
  const known = map.get(ip);
  if (known) return known;
  let out;
  const campaign = campaignNets.find((net) => ip.startsWith(net));
  if (campaign) out = `198.51.100.${ip.slice(campaign.length)}`;
  else if (legit.has(ip)) out = `192.0.2.${nextLegit++}`;
  else out = `203.0.113.${nextAttacker++}`;
  if (nextAttacker > 254 || nextLegit > 254)
    throw new Error('too many IPv4 addresses for the documentation ranges: lower --attackers');
  map.set(ip, out);
  return out;
};
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
// Amavis reports its missing decoders when it starts; no daemon here runs Amavis,
// so these lines are written in the shape the seed analysis quotes.
const amavis = ['zst', 'zst', 'lz4'].map(
  (ext, i) =>
    `2025-10-07T00:00:0${i + 1}.${String(120000 + i * 7).padStart(6, '0')}+00:00 mail amavis[315]: No decoder for .${ext}`,
);
const relocated = text.replace(IPV4, relocate).split('\n');
const mailLog = [...relocated.slice(0, 2), ...amavis, ...relocated.slice(2)].join('\n');
const truth = JSON.parse(truthText.replace(IPV4, relocate).replaceAll('192.0.2.0/24', '198.51.100.0/24'));

mkdirSync(logsDir, { recursive: true });
const mailLogPath = join(logsDir, 'mail.log');
writeFileSync(mailLogPath, mailLog);

// fail2ban: docker-mailserver's jails, [postfix] mode=extra and [dovecot], read by fail2ban's own filters.
const failures = [];
for (const [jail, filter] of [
  ['postfix', '/etc/fail2ban/filter.d/postfix.conf[mode=extra]'],
  ['dovecot', '/etc/fail2ban/filter.d/dovecot.conf'],
]) {
  const r = spawnSync('fail2ban-regex', ['-o', 'row', mailLogPath, filter], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`fail2ban-regex failed: ${r.stderr}`);
  for (const m of r.stdout.matchAll(/^\['([^']+)',\s+(\d+(?:\.\d+)?),/gm))
    failures.push({ jail, ip: m[1], t: Number(m[2]) * 1000 });
}
failures.sort((a, b) => a.t - b.t || a.jail.localeCompare(b.jail));
const MAXRETRY = 6;
const FINDTIME = 7 * 86_400_000;
const stamp = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
const start = Date.parse(truth.start);
const lines = [
  `${stamp(start)} fail2ban.server         [765]: INFO    --------------------------------------------------`,
  `${stamp(start)} fail2ban.server         [765]: INFO    Starting Fail2ban v1.1.0`,
];
const recent = new Map();
const banned = new Set();
for (const f of failures) {
  const key = `${f.jail} ${f.ip}`;
  lines.push(
    `${stamp(f.t)} fail2ban.filter         [765]: INFO    [${f.jail}] Found ${f.ip} - ${stamp(f.t).slice(0, 19)}`,
  );
  if (banned.has(key)) continue;
  const list = (recent.get(key) ?? []).filter((t) => f.t - t <= FINDTIME);
  list.push(f.t);
  recent.set(key, list);
  if (list.length >= MAXRETRY) {
    banned.add(key);
    lines.push(`${stamp(f.t + 5)} fail2ban.actions        [765]: NOTICE  [${f.jail}] Ban ${f.ip}`);
  }
}
writeFileSync(join(logsDir, 'fail2ban.log'), `${lines.join('\n')}\n`);
const end = new Date(truth.end);
utimesSync(mailLogPath, end, end);
utimesSync(join(logsDir, 'fail2ban.log'), end, end);
delete truth.options;
delete truth.legitimateAddressesFile;
truth.legitimateAddressList = [...legit].map(relocate);
truth.fail2ban = {
  filters: 'postfix[mode=extra], dovecot',
  maxretry: MAXRETRY,
  findtime: '1w',
  banned: [...banned].map((k) => k.split(' ')),
};
writeFileSync(join(example, 'truth.json'), `${JSON.stringify(truth, null, 1)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(
  `example: ${mailLog.split('\n').length - 1} mail.log lines, ${lines.length} fail2ban.log lines, ${banned.size} bans`,
);
