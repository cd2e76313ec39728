import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type ParsedLine, parseHeader, YearResolver } from '../../src/index.js';
import type { LiveBatch } from '../../src/ingest/live/source.js';
import { SyslogFramer } from '../../src/ingest/live/syslog-framing.js';
import { messageToLine, withSenderHost } from '../../src/ingest/live/syslog-line.js';
import {
  parseSyslogEndpoints,
  type SyslogEndpoint,
  type SyslogLimits,
  SyslogListener,
} from '../../src/ingest/live/syslog-listener.js';
import { toolTest } from '../realstack/skip-policy.js';

const run = promisify(execFile);
/** A test that needs util-linux's `logger`: fails when it is missing, unless the real-stack skip is asked for. */
function loggerTest(name: string, fn: () => Promise<void>): void {
  toolTest(['bsdutils'], name, { timeout: 20_000 }, fn);
}

function headerContext() {
  return { years: new YearResolver(Date.now(), undefined), zone: undefined };
}

function parsed(line: string): ParsedLine {
  const result = parseHeader(line, headerContext());
  assert.ok(!('error' in result), `expected a parse of: ${line} (${'error' in result ? result.error : ''})`);
  return result;
}

/** A started listener and everything it handed over. */
interface Harness {
  listener: SyslogListener;
  batches: LiveBatch[];
  problems: string[];
  lines(): string[];
  senders(): string[];
  waitForLines(count: number): Promise<string[]>;
  waitForProblems(count: number): Promise<string[]>;
}

async function waitUntil(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function listen(endpoints: SyslogEndpoint[], limits: Partial<SyslogLimits> = {}): Promise<Harness> {
  const listener = new SyslogListener(endpoints, limits);
  const batches: LiveBatch[] = [];
  const problems: string[] = [];
  await listener.start(
    (batch) => batches.push(batch),
    (problem) => problems.push(problem),
  );
  const lines = () => batches.flatMap((batch) => batch.lines);
  return {
    listener,
    batches,
    problems,
    lines,
    senders: () => batches.flatMap((batch) => batch.senders ?? []),
    async waitForLines(count) {
      await waitUntil(`${count} lines (have: ${JSON.stringify(lines())})`, () => lines().length >= count);
      return lines();
    },
    async waitForProblems(count) {
      await waitUntil(`${count} problem reports`, () => problems.length >= count);
      return problems;
    },
  };
}

const LOCAL_UDP: SyslogEndpoint = { transport: 'udp', host: '127.0.0.1', port: 0 };
const LOCAL_TCP: SyslogEndpoint = { transport: 'tcp', host: '127.0.0.1', port: 0 };

function portOf(harness: Harness, transport: SyslogEndpoint['transport']): number {
  const endpoint = harness.listener.addresses().find((address) => address.transport === transport);
  assert.ok(endpoint, `no ${transport} endpoint`);
  return endpoint.port;
}

async function sendDatagram(port: number, message: string | Buffer): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    socket.send(message, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
  socket.close();
}

async function openTcp(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Writes the pieces one by one, pausing so that each arrives as its own segment. */
async function writeSlowly(socket: Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

function octetCounted(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

describe('syslog endpoints', () => {
  test('parses UDP, TCP and bracketed IPv6 endpoints', () => {
    assert.deepEqual(parseSyslogEndpoints('udp://127.0.0.1:5514, tcp://127.0.0.1:5514,tcp://[::1]:5514'), [
      { transport: 'udp', host: '127.0.0.1', port: 5514 },
      { transport: 'tcp', host: '127.0.0.1', port: 5514 },
      { transport: 'tcp', host: '::1', port: 5514 },
    ]);
    assert.deepEqual(parseSyslogEndpoints('udp://localhost:514'), [
      { transport: 'udp', host: 'localhost', port: 514 },
    ]);
  });

  test('rejects bad parts with a message naming them', () => {
    const cases: [string, RegExp][] = [
      ['http://127.0.0.1:5514', /"http:\/\/127\.0\.0\.1:5514": unknown scheme "http"/],
      ['udp://127.0.0.1', /"udp:\/\/127\.0\.0\.1": port required/],
      ['udp://127.0.0.1:', /"udp:\/\/127\.0\.0\.1:": port required/],
      ['tcp://[::1]', /"tcp:\/\/\[::1\]": port required/],
      ['tcp://::1:5514', /"tcp:\/\/::1:5514": an IPv6 address must be in brackets/],
      ['tcp://[::1:5514', /missing "\]"/],
      ['tcp://[1.2.3.4]:5514', /"1\.2\.3\.4" is not an IPv6 address/],
      ['udp://127.0.0.1:70000', /port "70000" is not 1 to 65535/],
      ['udp://127.0.0.1:0', /port "0" is not 1 to 65535/],
      ['udp://127.0.0.1:x', /port "x"/],
      ['udp://127.0.0.1:5514/log', /no path allowed/],
      ['127.0.0.1:5514', /expected udp:\/\/HOST:PORT/],
      ['udp://bad_host!:5514', /"bad_host!" is not a host/],
      ['udp://127.0.0.1:5514,', /empty entry/],
      ['udp://127.0.0.1:5514,udp://127.0.0.1:5514', /listed twice/],
      ['tcp://127.0.0.1:5514,udp://127.0.0.1', /"udp:\/\/127\.0\.0\.1": port required/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => parseSyslogEndpoints(text), expected, text);
    }
  });
});

describe('syslog message to line', () => {
  test('a hostless RFC 3164 message gets the sender as host; a message with a host keeps it', () => {
    assert.equal(
      withSenderHost('<13>Nov 25 10:00:00 postfix/smtpd[12]: connect from x', '192.0.2.7'),
      '<13>Nov 25 10:00:00 192.0.2.7 postfix/smtpd[12]: connect from x',
    );
    assert.equal(
      withSenderHost('<30>Nov  5 10:00:00 dovecot: imap-login: Login', '2001:db8::7'),
      '<30>Nov  5 10:00:00 2001:db8::7 dovecot: imap-login: Login',
    );
    assert.equal(
      withSenderHost('<13>Nov 25 10:00:00 sshd[1]:x', '192.0.2.7'),
      '<13>Nov 25 10:00:00 192.0.2.7 sshd[1]:x',
    );
    for (const kept of [
      '<13>Nov 25 10:00:00 mail postfix/smtpd[12]: connect from x',
      '<13>1 2026-11-25T10:00:00Z - postfix/smtpd 12 - - connect',
      '<13>2026-11-25T10:00:00Z mail postfix/smtpd[12]: connect',
    ]) {
      assert.equal(withSenderHost(kept, '192.0.2.7'), kept);
    }
  });

  test('line ends are removed and embedded line breaks become spaces', () => {
    assert.equal(
      messageToLine(Buffer.from('<13>Nov 25 10:00:00 mail a: one\r\ntwo\nthree\r\n\0'), '127.0.0.1'),
      '<13>Nov 25 10:00:00 mail a: one  two three',
    );
    assert.equal(messageToLine(Buffer.from('\n\r\0'), '127.0.0.1'), '');
  });

  test('hostile messages are handled in linear time', { timeout: 5000 }, () => {
    const sender = '192.0.2.1';
    for (const body of [
      `<13>Nov 25 10:00:00 ${'['.repeat(60_000)}`,
      `<13>Nov 25 10:00:00 ${'[]'.repeat(30_000)}`,
      `<13>Nov 25 10:00:00${' '.repeat(60_000)}x`,
      `<13>Nov ${' '.repeat(60_000)}`,
      `<${'1'.repeat(60_000)}`,
      '\n'.repeat(60_000),
    ]) {
      messageToLine(Buffer.from(body), sender);
    }
  });
});

describe('RFC 6587 framing', () => {
  const messages = [
    '<13>Nov 25 10:00:00 mail postfix/smtpd[1]: octet counted',
    '<13>Nov 25 10:00:01 mail postfix/smtpd[2]: line framed',
    '<13>Nov 25 10:00:02 mail postfix/smtpd[3]: counted with\nan embedded LF and é',
    '<13>Nov 25 10:00:03 mail postfix/smtpd[4]: NUL framed',
    '<13>Nov 25 10:00:04 mail postfix/smtpd[5]: CRLF framed',
  ];
  const stream = Buffer.from(
    octetCounted(messages[0]!) +
      `${messages[1]}\n` +
      octetCounted(messages[2]!) +
      `${messages[3]}\0` +
      `${messages[4]}\r\n`,
  );
  const expected = [...messages.slice(0, 4), `${messages[4]}\r`];

  function frame(pieces: Buffer[]): string[] {
    const framer = new SyslogFramer(64 * 1024);
    const out: string[] = [];
    for (const piece of pieces) {
      const result = framer.push(piece);
      assert.equal(result.fatal, undefined);
      assert.equal(result.oversized, 0);
      out.push(...result.messages.map((message) => message.toString('utf8')));
    }
    return out;
  }

  test('both framings on one stream, split at every possible place', () => {
    for (let split = 0; split <= stream.length; split++) {
      assert.deepEqual(
        frame([stream.subarray(0, split), stream.subarray(split)]),
        expected,
        `split at ${split}`,
      );
    }
    assert.deepEqual(frame([...stream].map((byte) => Buffer.from([byte]))), expected);
  });

  test('an oversized message is dropped and the stream goes on; an absurd count is fatal', () => {
    const framer = new SyslogFramer(100);
    const big = 'x'.repeat(150);
    const result = framer.push(Buffer.from(`${big}\n${octetCounted(big)}ok\n`));
    assert.equal(result.oversized, 2);
    assert.deepEqual(
      result.messages.map((message) => message.toString()),
      ['ok'],
    );
    assert.match(
      new SyslogFramer(100).push(Buffer.from('1601 <13>')).fatal ?? '',
      /octet count 1601 is absurd/,
    );
    assert.match(new SyslogFramer(100).push(Buffer.from('12x')).fatal ?? '', /no valid octet count/);
    assert.match(new SyslogFramer(100).push(Buffer.from('1234567890')).fatal ?? '', /too many digits/);
  });

  test('a last line-framed message without its LF counts when the peer closes; a cut count does not', () => {
    const framer = new SyslogFramer(100);
    assert.deepEqual(framer.push(Buffer.from('abc')).messages, []);
    assert.deepEqual(
      framer.end().messages.map((message) => message.toString()),
      ['abc'],
    );
    const counted = new SyslogFramer(100);
    counted.push(Buffer.from('10 abc'));
    assert.deepEqual(counted.end().messages, []);
  });
});

describe('syslog listener with the real logger', () => {
  const tag = 'postfix/smtpd';
  const variants = [
    { name: 'UDP', transport: 'udp' as const, args: ['-d'] },
    { name: 'TCP, LF framing', transport: 'tcp' as const, args: ['-T'] },
    { name: 'TCP, octet counting', transport: 'tcp' as const, args: ['-T', '--octet-count'] },
  ];
  for (const format of ['--rfc3164', '--rfc5424']) {
    for (const variant of variants) {
      loggerTest(
        `logger ${format} over ${variant.name}: the line parses to program, pid, message and time`,
        async () => {
          const harness = await listen([LOCAL_UDP, LOCAL_TCP]);
          try {
            const port = portOf(harness, variant.transport);
            const message = `connect from unknown[192.0.2.44] via ${variant.name} ${format}`;
            await run('logger', [
              '-n',
              '127.0.0.1',
              '-P',
              String(port),
              ...variant.args,
              format,
              '-t',
              tag,
              '--id=123',
              message,
            ]);
            const [line] = await harness.waitForLines(1);
            const p = parsed(line!);
            assert.equal(p.program, tag);
            assert.equal(p.pid, 123);
            assert.equal(p.message, message);
            assert.ok(p.host, 'logger names its host');
            assert.ok(
              Math.abs(p.ts - Date.now()) < 60_000,
              `time ${new Date(p.ts).toISOString()} is not now`,
            );
            assert.deepEqual(harness.senders(), ['127.0.0.1']);
            assert.equal(harness.batches[0]!.origin, `syslog+${variant.transport}://127.0.0.1:${port}`);
            assert.equal(harness.batches[0]!.checkpoint, null);
            assert.deepEqual(harness.problems, []);
          } finally {
            await harness.listener.stop();
          }
        },
      );
    }
  }
});

describe('syslog listener', () => {
  test('both framings on one TCP connection, split mid-count and mid-message', async () => {
    const harness = await listen([LOCAL_TCP]);
    try {
      const socket = await openTcp(portOf(harness, 'tcp'));
      const first = '<22>Nov 25 10:00:00 mail postfix/smtpd[7]: connect from a[192.0.2.1]';
      const second = '<22>Nov 25 10:00:01 mail postfix/smtpd[7]: disconnect from a[192.0.2.1]';
      const third = '<22>1 2026-11-25T10:00:02Z mail dovecot 9 - - imap-login: Login:\nuser=<ä>';
      const stream = Buffer.from(`${octetCounted(first)}${second}\n${octetCounted(third)}`);
      const cuts = [1, 30, stream.indexOf('\n') + 1, stream.indexOf('\n') + 3, stream.length - 4];
      const pieces = [0, ...cuts].map((from, i) => stream.subarray(from, cuts[i] ?? stream.length));
      await writeSlowly(socket, pieces);
      const lines = await harness.waitForLines(3);
      assert.deepEqual(lines, [first, second, third.replace('\n', ' ')]);
      assert.equal(parsed(lines[2]!).message, 'imap-login: Login: user=<ä>');
      socket.destroy();
    } finally {
      await harness.listener.stop();
    }
  });

  test('an oversized TCP message is dropped, reported once, and the next one still received', async () => {
    const harness = await listen([LOCAL_TCP]);
    try {
      const socket = await openTcp(portOf(harness, 'tcp'));
      const big = `<13>Nov 25 10:00:00 mail postfix/smtpd[1]: ${'x'.repeat(70 * 1024)}`;
      const next = '<13>Nov 25 10:00:01 mail postfix/smtpd[1]: after the big one';
      const last = '<13>Nov 25 10:00:02 mail postfix/smtpd[1]: after the big counted one';
      await writeSlowly(socket, [
        Buffer.from(`${big}\n${next}\n`),
        Buffer.from(`${octetCounted(big)}${last}\n`),
      ]);
      assert.deepEqual(await harness.waitForLines(2), [next, last]);
      assert.equal(harness.problems.length, 1);
      assert.match(harness.problems[0]!, /dropped a message from 127\.0\.0\.1 over the limit of 65536 bytes/);
      socket.destroy();
    } finally {
      await harness.listener.stop();
    }
  });

  test('an absurd octet count resets the connection', async () => {
    const harness = await listen([LOCAL_TCP]);
    try {
      const socket = await openTcp(portOf(harness, 'tcp'));
      socket.on('error', () => {});
      socket.write('99999999 <13>Nov 25 10:00:00 mail a: x');
      await closed(socket);
      const [problem] = await harness.waitForProblems(1);
      assert.match(problem!, /reset the connection from 127\.0\.0\.1: octet count 99999999 is absurd/);
    } finally {
      await harness.listener.stop();
    }
  });

  test('an oversized datagram is dropped with a report and the next one received', async () => {
    const harness = await listen([LOCAL_UDP], { maxMessageBytes: 100 });
    try {
      const port = portOf(harness, 'udp');
      await sendDatagram(port, `<13>Nov 25 10:00:00 mail a: ${'y'.repeat(200)}`);
      await sendDatagram(port, '<13>Nov 25 10:00:01 mail a: small\n');
      assert.deepEqual(await harness.waitForLines(1), ['<13>Nov 25 10:00:01 mail a: small']);
      assert.match(harness.problems[0] ?? '', /dropped a 2\d\d-byte datagram from 127\.0\.0\.1/);
    } finally {
      await harness.listener.stop();
    }
  });

  test('a hostless RFC 3164 datagram gets the sender address as host', async () => {
    const harness = await listen([LOCAL_UDP]);
    try {
      await sendDatagram(
        portOf(harness, 'udp'),
        '<13>Nov 25 10:00:00 postfix/smtpd[12]: connect from x[192.0.2.9]\0',
      );
      const [line] = await harness.waitForLines(1);
      const p = parsed(line!);
      assert.equal(p.host, '127.0.0.1');
      assert.equal(p.program, 'postfix/smtpd');
      assert.equal(p.pid, 12);
      assert.equal(p.message, 'connect from x[192.0.2.9]');
    } finally {
      await harness.listener.stop();
    }
  });

  test('messages of one event-loop turn form batches of at most maxBatchLines', async () => {
    const harness = await listen([LOCAL_TCP], { maxBatchLines: 2 });
    try {
      const socket = await openTcp(portOf(harness, 'tcp'));
      socket.write(['a: 1', 'a: 2', 'a: 3', 'a: 4', 'a: 5', ''].join('\n'));
      await harness.waitForLines(5);
      assert.deepEqual(
        harness.batches.map((batch) => batch.lines),
        [['a: 1', 'a: 2'], ['a: 3', 'a: 4'], ['a: 5']],
      );
      socket.destroy();
    } finally {
      await harness.listener.stop();
    }
  });

  test('connections over the limit are refused with a report; idle ones are closed', async () => {
    const harness = await listen([LOCAL_TCP], { maxConnections: 2, idleTimeoutMs: 300 });
    try {
      const port = portOf(harness, 'tcp');
      const kept = [await openTcp(port), await openTcp(port)];
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await openTcp(port);
      refused.on('error', () => {});
      await closed(refused);
      const [problem] = await harness.waitForProblems(1);
      assert.match(problem!, /refusing TCP connections: 2 are open/);
      await Promise.all(kept.map(closed));
    } finally {
      await harness.listener.stop();
    }
  });

  test('start fails naming the endpoint that cannot bind, and closes the others', async () => {
    const busy = await listen([LOCAL_TCP]);
    try {
      const busyPort = portOf(busy, 'tcp');
      const probe = await listen([LOCAL_UDP]);
      const freeUdpPort = portOf(probe, 'udp');
      await probe.listener.stop();
      const listener = new SyslogListener([
        { transport: 'udp', host: '127.0.0.1', port: freeUdpPort },
        { transport: 'tcp', host: '127.0.0.1', port: busyPort },
      ]);
      await assert.rejects(
        listener.start(
          () => {},
          () => {},
        ),
        new RegExp(`cannot listen for syslog on tcp://127\\.0\\.0\\.1:${busyPort}: .*EADDRINUSE`),
      );
      const again = await listen([{ transport: 'udp', host: '127.0.0.1', port: freeUdpPort }]);
      await again.listener.stop();
    } finally {
      await busy.listener.stop();
    }
  });

  test('stop closes the sockets: nothing listens afterwards', async () => {
    const harness = await listen([LOCAL_TCP]);
    const port = portOf(harness, 'tcp');
    await harness.listener.stop();
    await assert.rejects(openTcp(port), /ECONNREFUSED/);
  });
});
