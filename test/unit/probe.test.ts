// `mailwarden probe` against servers on loopback that misbehave: nothing
// listening, a listener that never answers, a server without STARTTLS, and a
// hostile one whose greeting and certificate carry Markdown, HTML and terminal
// escapes. (The real daemons are in test/realstack/probe.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ProbeReport } from '../../src/probe/probe-report.js';
import { probeReportSchema } from '../../src/probe/report-schema.js';
import { parseTarget, TargetError } from '../../src/probe/target.js';
import { INVISIBLE_OR_CONTROL } from '../../src/report/escape.js';
import { opensslOrSkip } from '../support/openssl.js';
import { repoRoot } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

const committedSchema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'probe-report.v1.json'), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(
  committedSchema,
);

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The Markdown with fenced code blocks and code spans removed: what a forge would render as markup. */
function outsideCode(markdown: string): string {
  const lines: string[] = [];
  let fence = '';
  for (const line of markdown.split('\n')) {
    const run = /^(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (run !== undefined && run.length >= fence.length && line.trim() === run) fence = '';
      continue;
    }
    if (run !== undefined) {
      fence = run;
      continue;
    }
    let rest = '';
    for (let i = 0; i < line.length; ) {
      if (line[i] === '\\') {
        rest += line.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (line[i] !== '`') {
        rest += line[i];
        i += 1;
        continue;
      }
      let n = 0;
      while (line[i + n] === '`') n += 1;
      const closing = line.indexOf('`'.repeat(n), i + n);
      if (closing < 0) {
        rest += line.slice(i, i + n);
        i += n;
      } else {
        rest += ' ';
        i = closing + n;
      }
    }
    lines.push(rest);
  }
  return lines.join('\n');
}

async function probeJson(args: string[]): Promise<{ status: number; report: ProbeReport; err: string }> {
  const { status, out, err } = await runCli(['probe', '--format', 'json', ...args]);
  const report = JSON.parse(out) as ProbeReport;
  assert.ok(validate(report), JSON.stringify(validate.errors));
  return { status, report, err };
}

test('the committed probe schema is what the code generates (run npm run generate)', () => {
  assert.deepEqual(committedSchema, probeReportSchema());
});

test('targets: ports choose how TLS starts, a missing port is 25, unknown ports need --starttls', () => {
  assert.deepEqual(parseTarget('mail.example.org:465').target, {
    host: 'mail.example.org',
    port: 465,
    starttls: 'none',
    endpoint: 'mail.example.org:465',
  });
  assert.equal(parseTarget('mail.example.org:587').target.starttls, 'smtp');
  assert.equal(parseTarget('mail.example.org:143').target.starttls, 'imap');
  assert.equal(parseTarget('mail.example.org:110').target.starttls, 'pop3');
  const bare = parseTarget('mail.example.org');
  assert.equal(bare.portDefaulted, true);
  assert.equal(bare.target.port, 25);
  assert.equal(bare.target.starttls, 'smtp');
  assert.deepEqual(parseTarget('[2001:db8::1]:993').target, {
    host: '2001:db8::1',
    port: 993,
    starttls: 'none',
    endpoint: '[2001:db8::1]:993',
  });
  assert.equal(parseTarget('2001:db8::1').target.port, 25);
  assert.equal(parseTarget('127.0.0.1:2525', 'imap').target.starttls, 'imap');
  assert.throws(() => parseTarget('127.0.0.1:2525'), /port 2525 .*--starttls/);
  assert.throws(() => parseTarget('127.0.0.1:99999'), TargetError);
  assert.throws(() => parseTarget('bad host:25'), TargetError);
  assert.throws(() => parseTarget('[mail.example.org]:25'), TargetError);
});

test('usage errors exit 2 and name the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['probe'], /error: missing required argument/],
    [['probe', '127.0.0.1:2525'], /--starttls/],
    [['probe', '127.0.0.1:465', '--format', 'html'], /--format/],
    [['probe', '127.0.0.1:465', '--starttls', 'ftp'], /--starttls/],
    [['probe', '127.0.0.1:465', '--timeout', '0'], /--timeout/],
    [['probe', '127.0.0.1:587', '--ehlo', 'x\r\nMAIL FROM:<a@b>'], /--ehlo/],
    [['probe', '127.0.0.1:587', '--fail-on', 'severe'], /--fail-on/],
  ];
  for (const [argv, message] of cases) {
    const { status, err } = await runCli(argv);
    assert.equal(status, 2, argv.join(' '));
    assert.match(err, message, argv.join(' '));
  }
});

test('a closed port is probe-connection-failed (refused), exit 1, no stack trace', async () => {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  const { status, report, err } = await probeJson([`127.0.0.1:${port}`, '--starttls', 'none']);
  assert.equal(status, 1);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  const [endpoint] = report.endpoints;
  assert.deepEqual(endpoint!.failure, { kind: 'refused', message: 'connection refused' });
  const failed = report.findings.find((f) => f.id === 'probe-connection-failed');
  assert.ok(failed);
  assert.equal(failed.severity, 'high');
  assert.match(failed.title, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(report.findings.length, 1);
  const never = await runCli(['probe', `127.0.0.1:${port}`, '--starttls', 'none', '--fail-on', 'never']);
  assert.equal(never.status, 0);
});

describe('a listener that never answers', () => {
  const silent: net.Socket[] = [];
  const server = net.createServer((socket) => {
    silent.push(socket);
    socket.on('error', () => {});
  });
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(async () => {
    for (const s of silent) s.destroy();
    await close(server);
  });

  for (const mode of ['smtp', 'none'] as const) {
    test(`times out with a finding (${mode === 'none' ? 'implicit TLS' : 'STARTTLS'})`, async () => {
      const { status, report } = await probeJson([`127.0.0.1:${port}`, '--starttls', mode, '--timeout', '1']);
      assert.equal(status, 1);
      const failure = report.endpoints[0]!.failure!;
      assert.equal(failure.kind, 'timeout');
      assert.match(
        failure.message,
        mode === 'smtp'
          ? /^no answer within 1 s \(waiting for the greeting/
          : /^no answer within 1 s \(waiting for the TLS handshake/,
      );
      assert.deepEqual(
        report.findings.map((f) => f.id),
        ['probe-connection-failed'],
      );
      assert.equal(report.endpoints[0]!.protocols.length, 0, 'no further handshakes after a timeout');
    });
  }
});

/** An SMTP server on loopback with a scripted EHLO reply; STARTTLS upgrades with `context` when offered. */
function smtpServer(banner: string[], offerStartTls: boolean, context?: tls.SecureContext): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write(banner.map((l) => `${l}\r\n`).join(''));
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).trim().toUpperCase();
        buffer = buffer.slice(end + 1);
        if (line.startsWith('EHLO')) {
          socket.write(`250-test.invalid\r\n${offerStartTls ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`);
        } else if (line === 'STARTTLS' && context) {
          socket.off('data', onData);
          socket.write('220 go ahead\r\n', () => {
            const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
            secure.on('error', () => {});
            secure.on('data', () => {});
          });
        } else {
          socket.end('221 bye\r\n');
        }
      }
    };
    socket.on('data', onData);
  });
}

test('a server without STARTTLS is probe-connection-failed (no-starttls)', async () => {
  const server = smtpServer(['220 plain.example.test ESMTP'], false);
  const port = await listen(server);
  try {
    const { report } = await probeJson([`127.0.0.1:${port}`, '--starttls', 'smtp']);
    assert.equal(report.endpoints[0]!.failure!.kind, 'no-starttls');
    assert.equal(report.endpoints[0]!.greeting, '220 plain.example.test ESMTP');
    assert.deepEqual(
      report.findings.map((f) => f.id),
      ['probe-connection-failed'],
    );
  } finally {
    await close(server);
  }
});

const openssl = opensslOrSkip();

describe('a hostile server', { skip: openssl.skip }, () => {
  const HOSTILE_CN = '<img src=x onerror=alert(1)>|**x**`[a](http://evil.example)';
  const HOSTILE_BANNER = '220-<script>alert(1)</script> | **bold** \x1b[31mred\x1b[0m \u202egnp.exe';
  let dir = '';
  let server: net.Server;
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailwarden-probe-'));
    execFileSync(
      openssl.require(),
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '30',
        '-subj',
        `/CN=${HOSTILE_CN.replace(/[/=+]/g, '\\$&')}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const context = tls.createSecureContext({
      cert: readFileSync(join(dir, 'cert.pem')),
      key: readFileSync(join(dir, 'key.pem')),
    });
    server = smtpServer([HOSTILE_BANNER, '220 ok'], true, context);
    port = await listen(server);
  });
  after(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  test('its greeting and certificate subject come out escaped in the Markdown report', async () => {
    const { status, out } = await runCli([
      'probe',
      `127.0.0.1:${port}`,
      '--starttls',
      'smtp',
      '--hostname',
      'mail.example.test',
    ]);
    assert.equal(status, 1);
    for (const line of out.split('\n'))
      assert.doesNotMatch(
        line,
        INVISIBLE_OR_CONTROL,
        'no control, bidi or invisible character but line feeds',
      );
    const prose = outsideCode(out);
    assert.doesNotMatch(prose, /(?<!\\)<(?:img|script)/i, 'no raw HTML outside code');
    assert.doesNotMatch(prose, /(?<!\\)\]\(http/, 'no live link');
    assert.doesNotMatch(prose, /(?<!\\)\*\*bold|(?<!\\)\*\*x/, 'no emphasis from the server');
    // The names as the cert-name-mismatch description quotes them: every Markdown character escaped.
    assert.ok(
      prose.includes('\\<img src=x onerror=alert(1)\\>\\|\\*\\*x\\*\\*\\`\\[a\\](http\\://evil.example)'),
      'the names, escaped',
    );
    assert.match(
      out,
      /`220-<script>alert\(1\)<\/script> \| \*\*bold\*\* \\x1b\[31mred\\x1b\[0m \\u\{202e\}gnp\.exe`/,
    );
    assert.match(out, /self-signed-or-default-cert/);
    assert.match(out, /cert-name-mismatch/);
  });

  test('the JSON report keeps the text exactly, escaped only as JSON', async () => {
    const { report } = await probeJson([`127.0.0.1:${port}`, '--starttls', 'smtp']);
    const endpoint = report.endpoints[0]!;
    assert.equal(endpoint.greeting, HOSTILE_BANNER);
    assert.deepEqual(endpoint.certificates[0]!.names, [
      '<img src=x onerror=alert(1)>|**x**`[a](http://evil.example)',
    ]);
    assert.equal(
      endpoint.certificates[0]!.coversHost,
      null,
      'an address without --hostname: names not checked',
    );
  });
});
