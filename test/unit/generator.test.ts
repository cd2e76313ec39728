// The benchmark's log generator: the same seed gives the same bytes, mailwarden
// classifies every generated line, and the attack traffic yields exactly the
// addresses and event counts the generator's truth.json says.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type GeneratedLogs, type GenerateOptions, generateLogs } from '../../bench/generator/generate.js';
import { extractTemplates } from '../../bench/generator/templates.js';
import { readEvents, type SecurityEvent } from '../../src/index.js';
import { repoRoot } from '../support/paths.js';

const VARIANTS: { name: string; options: Omit<GenerateOptions, 'out'> }[] = [
  {
    name: 'RFC 3339, rotated three times, Debian 12 recording',
    options: { size: '3MB', seed: 7, format: 'rfc3339', rotate: 3, release: 'debian12' },
  },
  {
    name: 'RFC 3164, Debian 12 recording',
    options: { size: '3MB', seed: 8, format: 'rfc3164', release: 'debian12', ipv6Share: 0.2 },
  },
  {
    name: 'RFC 3339, Debian 13 recording (Postfix 3.10, Dovecot 2.4)',
    options: { size: '3MB', seed: 9, format: 'rfc3339', release: 'debian13-trixie', days: 5 },
  },
];

const temporary: string[] = [];
after(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

async function generate(options: Omit<GenerateOptions, 'out'>): Promise<GeneratedLogs> {
  const out = await mkdtemp(join(tmpdir(), 'mailwarden-generator-'));
  temporary.push(out);
  return generateLogs({ ...options, out });
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

function inSubnet(address: string, subnet: string): boolean {
  const network = subnet.replace(/\.0\/24$/, '.');
  return (
    subnet.endsWith('.0/24') && address.startsWith(network) && /^\d+$/.test(address.slice(network.length))
  );
}

for (const release of ['debian12', 'debian13-trixie']) {
  test(`${release}: the templates, filled with the recorded values, give back every recorded client line`, async () => {
    const dir = join(repoRoot, 'test', 'fixtures', 'real', release, 'syslog');
    const library = extractTemplates(dir, release);
    // Lines without time stamp and host; the server's loopback test ports appear as the standard ones.
    const recorded = (await readFile(join(dir, 'mail.log'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) =>
        line
          .split(' ')
          .slice(2)
          .join(' ')
          .replace(/\]:20025$/, ']:25'),
      );
    const left = new Map<string, number>();
    for (const line of recorded) left.set(line, (left.get(line) ?? 0) + 1);
    for (const scenario of library.scenarios) {
      for (const t of scenario.full) {
        for (const line of t.lines) {
          const tag = line.pidSlot < 0 ? line.program : `${line.program}[${t.slots[line.pidSlot]!.original}]`;
          const message = line.parts.map((p) => (typeof p === 'number' ? t.slots[p]!.original : p)).join('');
          const text = `${tag}: ${message}`;
          const count = left.get(text) ?? 0;
          assert.ok(count > 0, `${t.id}: ${text}`);
          if (count === 1) left.delete(text);
          else left.set(text, count - 1);
        }
      }
    }
    // Only the server's own start-up and cache lines belong to no client.
    assert.deepEqual(
      [...left.keys()].map((l) => l.split(':', 1)[0]!.replace(/\[\d+\]$/, '')),
      ['dovecot', 'postfix/master', 'postfix/postscreen'],
    );
    assert.equal(library.serviceLines.length, 3);
    const kinds = library.scenarios.map((s) => s.id);
    for (const id of ['legit-inbound', 'legit-submission', 'legit-mailbox-access', 'account-compromise']) {
      assert.ok(kinds.includes(id), id);
    }
  });
}

for (const variant of VARIANTS) {
  describe(`generated logs, ${variant.name}`, () => {
    let run: GeneratedLogs;
    let events: SecurityEvent[];
    let stats: ReturnType<typeof readEvents>['stats'];

    test('the same seed and options give byte-identical files', async () => {
      run = await generate(variant.options);
      const again = await generate(variant.options);
      const first = await filesOf(run.dir);
      const second = await filesOf(again.dir);
      assert.deepEqual([...first.keys()], [...second.keys()]);
      for (const [name, bytes] of first) assert.ok(bytes.equals(second.get(name)!), `${name} differs`);
      const expected = ['legitimate-addresses.txt', 'mail.log', 'truth.json'];
      const rotate = variant.options.rotate ?? 0;
      for (let n = 1; n <= rotate; n++) expected.push(n === 1 ? 'mail.log.1' : `mail.log.${n}.gz`);
      assert.deepEqual([...first.keys()], expected.sort());
      for (let n = 2; n <= rotate; n++) {
        const gz = first.get(`mail.log.${n}.gz`)!;
        assert.equal(gz[0], 0x1f);
        assert.equal(gz[1], 0x8b);
      }
      const size = run.truth.bytes;
      assert.ok(size > 2_700_000 && size < 3_300_000, `about 3 MB of log text, got ${size}`);
    });

    test('mailwarden classifies every line', async () => {
      const stream = readEvents([run.dir], { all: true, tz: 'UTC', now: new Date(run.truth.end) });
      events = [];
      for await (const e of stream) events.push(e);
      stats = stream.stats;
      assert.equal(stats.totals.unrecognised, 0, JSON.stringify(stats.unrecognisedShapes));
      assert.equal(stats.totals.malformed, 0);
      assert.equal(stats.totals.lines, run.truth.lines);
      assert.equal(events.length, run.truth.lines);
    });

    test('time stamps rise and stay within the generated span', () => {
      const start = Date.parse(run.truth.start);
      const end = Date.parse(run.truth.end);
      let previous = start;
      for (const e of events) {
        const t = Date.parse(e.ts);
        assert.ok(t >= previous, `${e.source}: ${e.ts} before ${new Date(previous).toISOString()}`);
        assert.ok(t <= end, `${e.source}: ${e.ts} after ${run.truth.end}`);
        previous = t;
      }
    });

    test('every attack class yields exactly the addresses and events of the truth', () => {
      const truth = run.truth;
      const byClass = new Map<string, { events: number; addresses: Set<string> }>();
      for (const e of events) {
        if (e.tier === 'benign') continue;
        assert.ok(e.class in truth.attackers, `${e.source}: ${e.class} event outside the attack traffic`);
        let entry = byClass.get(e.class);
        if (!entry) {
          entry = { events: 0, addresses: new Set() };
          byClass.set(e.class, entry);
        }
        entry.events++;
        if (e.ip !== undefined) entry.addresses.add(e.ip);
      }
      assert.deepEqual([...byClass.keys()].sort(), Object.keys(truth.attackers).sort());
      for (const [cls, tally] of Object.entries(truth.attackers)) {
        const seen = byClass.get(cls)!;
        assert.equal(seen.events, tally.events, `${cls}: events`);
        assert.equal(seen.addresses.size, tally.addresses, `${cls}: addresses`);
        assert.deepEqual([...seen.addresses].sort(), truth.attackerAddresses[cls], `${cls}: address list`);
      }
      for (const cls of ['sasl-auth-failure', 'auth-unknown-user', 'pregreet', 'tls-handshake-failure']) {
        assert.ok((truth.attackers[cls]?.events ?? 0) > 0, `${cls} among the attacks`);
      }
      const share = truth.attackLines / truth.lines;
      assert.ok(share >= 0.1 && share <= 0.2, `attack lines ${share}`);
    });

    test('no innocent address appears in an attack or signal event', async () => {
      const legit = new Set(
        (await readFile(join(run.dir, run.truth.legitimateAddressesFile), 'utf8'))
          .split('\n')
          .filter(Boolean),
      );
      assert.equal(legit.size, run.truth.legitimateAddresses);
      assert.ok(legit.size > 0);
      let innocentEvents = 0;
      for (const e of events) {
        if (e.ip === undefined || !legit.has(e.ip)) continue;
        innocentEvents++;
        assert.equal(e.tier, 'benign', `${e.source}: ${e.class} from the innocent ${e.ip}`);
      }
      // Queue manager and delivery lines name no client; the rest of the innocent lines do.
      assert.ok(
        innocentEvents > run.truth.lines * 0.4,
        `innocent clients in ${innocentEvents} of ${run.truth.lines} lines`,
      );
      if ((variant.options.ipv6Share ?? 0.1) > 0) {
        assert.ok(
          [...legit].some((a) => a.includes(':')),
          'innocent IPv6 clients',
        );
        assert.ok(
          Object.values(run.truth.attackerAddresses).some((list) => list.some((a) => a.includes(':'))),
          'IPv6 attackers',
        );
      }
    });

    test('campaigns, slow attacks and compromised accounts are where the truth says', () => {
      const truth = run.truth;
      assert.ok(truth.campaigns.length >= 1);
      const eventsOf = (address: string) => events.filter((e) => e.ip === address && e.tier !== 'benign');
      for (const c of truth.campaigns) {
        assert.equal(c.addressList.length, c.addresses);
        assert.ok(c.addresses >= 10 && c.addresses <= 50, `${c.subnet}: ${c.addresses} addresses`);
        for (const a of c.addressList) {
          assert.ok(inSubnet(a, c.subnet), `${a} outside ${c.subnet}`);
        }
        const seen = c.addressList.reduce((sum, a) => sum + eventsOf(a).length, 0);
        assert.equal(seen, c.events, `${c.subnet}: events`);
        assert.ok(Date.parse(c.end) - Date.parse(c.start) >= 60 * 60 * 1000, `${c.subnet} lasts hours`);
      }
      assert.ok(truth.slowAttacks.length >= 1);
      for (const s of truth.slowAttacks) {
        assert.equal(eventsOf(s.address).length, s.events);
        const contacts = events.filter(
          (e) => e.ip === s.address && (e.class === 'smtp-connect' || e.class === 'mail-login-failure'),
        );
        assert.equal(contacts.length, s.contacts);
        const gaps = contacts.slice(1).map((e, i) => Date.parse(e.ts) - Date.parse(contacts[i]!.ts));
        assert.ok(
          gaps.every((g) => g >= 15 * 60_000 && g <= 25 * 60_000),
          'one contact about every 20 minutes',
        );
      }
      assert.equal(truth.compromisedAccounts.length, 1);
      for (const c of truth.compromisedAccounts) {
        const success = events.find(
          (e) => e.ip === c.address && e.class === 'sasl-auth-success' && e.user === c.user,
        );
        assert.ok(success, `${c.user} logged in from ${c.address}`);
        const successMs = Date.parse(c.successAt);
        const logged = variant.options.format === 'rfc3164' ? successMs - (successMs % 1000) : successMs;
        assert.equal(Date.parse(success.ts), logged);
        const failures = events.filter(
          (e) =>
            e.ip === c.address &&
            e.class === 'auth-password-mismatch' &&
            e.user === c.user &&
            Date.parse(e.ts) < Date.parse(success.ts),
        );
        // To the microsecond in RFC 3339; RFC 3164 may put failures in the second of the success.
        if (variant.options.format === 'rfc3164')
          assert.ok(failures.length > 0 && failures.length <= c.failures);
        else assert.equal(failures.length, c.failures);
      }
    });
  });
}
