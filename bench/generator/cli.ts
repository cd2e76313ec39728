/**
 * Command line of the mail-log generator:
 *
 *   node dist/bench/generator/cli.js --size 1GB --seed 1 --out /tmp/gen [--format rfc3339|rfc3164]
 *     [--start 2025-09-01T00:00:00Z] [--days 21] [--rotate N] [--ipv6-share 0.1] [--attackers N]
 *     [--attack-share 0.15] [--campaigns N] [--slow-attacks N] [--compromised N]
 *     [--release debian12|debian13-trixie] [--fixtures DIR]
 */
import { parseArgs } from 'node:util';
import { type GenerateOptions, generateLogs, type LogFormat, type Release } from './generate.js';

const USAGE = `usage: cli.js --out DIR [--size 100MB] [--seed 1] [--format rfc3339|rfc3164]
  [--start 2025-09-01T00:00:00Z] [--days 21] [--rotate 0] [--ipv6-share 0.1] [--attackers N]
  [--attack-share 0.15] [--campaigns N] [--slow-attacks N] [--compromised 1]
  [--release debian12|debian13-trixie] [--fixtures DIR]`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`--${name}: not a number: ${text}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
      start: { type: 'string' },
      days: { type: 'string' },
      rotate: { type: 'string' },
      'ipv6-share': { type: 'string' },
      attackers: { type: 'string' },
      'attack-share': { type: 'string' },
      campaigns: { type: 'string' },
      'slow-attacks': { type: 'string' },
      compromised: { type: 'string' },
      release: { type: 'string' },
      fixtures: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || values.out === undefined) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const options: GenerateOptions = { out: values.out };
  if (values.size !== undefined) options.size = values.size;
  const seed = number('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  if (values.format !== undefined) options.format = values.format as LogFormat;
  if (values.start !== undefined) options.start = values.start;
  const days = number('days', values.days);
  if (days !== undefined) options.days = days;
  const rotate = number('rotate', values.rotate);
  if (rotate !== undefined) options.rotate = rotate;
  const ipv6Share = number('ipv6-share', values['ipv6-share']);
  if (ipv6Share !== undefined) options.ipv6Share = ipv6Share;
  const attackers = number('attackers', values.attackers);
  if (attackers !== undefined) options.attackers = attackers;
  const attackShare = number('attack-share', values['attack-share']);
  if (attackShare !== undefined) options.attackShare = attackShare;
  const campaigns = number('campaigns', values.campaigns);
  if (campaigns !== undefined) options.campaigns = campaigns;
  const slow = number('slow-attacks', values['slow-attacks']);
  if (slow !== undefined) options.slowAttacks = slow;
  const compromised = number('compromised', values.compromised);
  if (compromised !== undefined) options.compromisedAccounts = compromised;
  if (values.release !== undefined) options.release = values.release as Release;
  if (values.fixtures !== undefined) options.fixtures = values.fixtures;

  const began = performance.now();
  const { truth, truthPath } = await generateLogs(options);
  const seconds = (performance.now() - began) / 1000;
  const mb = truth.bytes / 1e6;
  console.log(
    `${truth.lines} lines, ${truth.bytes} bytes (${mb.toFixed(1)} MB) in ${seconds.toFixed(1)} s ` +
      `(${(mb / seconds).toFixed(1)} MB/s); ${truth.attackerAddressCount} attacking addresses, ` +
      `${((100 * truth.attackLines) / Math.max(1, truth.lines)).toFixed(1)}% attack lines, ` +
      `${truth.legitimateAddresses} innocent addresses; ${truth.start} to ${truth.end}`,
  );
  for (const f of truth.files) console.log(`  ${f.name}: ${f.lines} lines, ${f.bytes} bytes`);
  console.log(`  ${truthPath}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
