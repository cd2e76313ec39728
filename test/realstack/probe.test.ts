// `mailwarden probe` and the configuration audit against the real Postfix and
// Dovecot of the harness, once configured for TLS 1.2+ only and once with TLS 1.0
// and 1.1 re-enabled (at OpenSSL security level 0, which both ends need). The
// probe must see what the daemons really accept, and the configuration audit,
// reading the same files, must reach the same verdict.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { auditConfiguration } from '../../src/audit/config/config-audit.js';
import { loadServerConfig } from '../../src/config/load-config.js';
import type { Finding } from '../../src/findings/finding.js';
import type { EndpointResult } from '../../src/probe/probe-endpoint.js';
import { renderProbeMarkdown } from '../../src/probe/probe-markdown.js';
import { runProbe } from '../../src/probe/probe-report.js';
import { type ProbeTarget, parseTarget, type StartTlsMode } from '../../src/probe/target.js';
import { LISTEN_ADDRESS, type StackPorts } from './ports.js';
import { realStackTest } from './skip-policy.js';
import { startStack } from './stack.js';
import type { StackTls } from './tls-policy.js';
import { MAIL_HOSTNAME } from './users.js';

const SERVICES: [keyof StackPorts, StartTlsMode][] = [
  ['smtp', 'smtp'],
  ['submission', 'smtp'],
  ['submissions', 'none'],
  ['imap', 'imap'],
  ['imaps', 'none'],
  ['pop3', 'pop3'],
  ['pop3s', 'none'],
];

function targets(ports: StackPorts): ProbeTarget[] {
  return SERVICES.map(([service, mode]) => parseTarget(`${LISTEN_ADDRESS}:${ports[service]}`, mode).target);
}

const ids = (findings: readonly Finding[]) => findings.map((f) => f.id);
const one = (findings: readonly Finding[], id: string): Finding => {
  const found = findings.filter((f) => f.id === id);
  assert.equal(found.length, 1, `one ${id} expected, got ${ids(findings).join(', ')}`);
  return found[0]!;
};

function accepted(endpoint: EndpointResult, version: string) {
  return endpoint.protocols.find((p) => p.version === version)!;
}

/** A port that accepts connections and never speaks: the probe must time out, not hang. */
async function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, LISTEN_ADDRESS, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

for (const tls of ['legacy', 'modern'] as StackTls[]) {
  realStackTest(
    `probe and configuration audit of the real stack with ${tls} TLS`,
    { timeout: 180_000 },
    async () => {
      const stack = await startStack({ layout: 'files', basePort: 22000, tls });
      try {
        const report = await runProbe(targets(stack.ports), { hostname: MAIL_HOSTNAME, timeoutMs: 10_000 });
        for (const endpoint of report.endpoints) {
          assert.equal(endpoint.failure, null, `${endpoint.endpoint}: ${endpoint.failure?.message}`);
          assert.ok(accepted(endpoint, 'TLSv1.2').accepted, `${endpoint.endpoint} accepts TLS 1.2`);
          assert.equal(endpoint.certificates[0]?.subject.includes(MAIL_HOSTNAME), true, endpoint.endpoint);
        }
        // The harness's certificate is its own, self-signed, for the mail host name.
        assert.ok(ids(report.findings).includes('self-signed-or-default-cert'));
        assert.ok(!ids(report.findings).includes('cert-name-mismatch'));
        assert.ok(!ids(report.findings).includes('probe-connection-failed'));

        const config = loadServerConfig(stack.paths.postfix.config);
        const configFindings = auditConfiguration(config);

        if (tls === 'legacy') {
          for (const endpoint of report.endpoints) {
            const v1 = accepted(endpoint, 'TLSv1');
            assert.ok(v1.accepted, `${endpoint.endpoint}: TLS 1.0 refused: ${v1.error}`);
            // The handshake really ran TLS 1.0, not a fallback to a later version.
            assert.equal(v1.protocol, 'TLSv1', endpoint.endpoint);
            assert.equal(accepted(endpoint, 'TLSv1.1').protocol, 'TLSv1.1', endpoint.endpoint);
          }
          const weak = one(report.findings, 'weak-tls-protocols');
          assert.equal(weak.severity, 'high');
          for (const endpoint of report.endpoints) assert.ok(weak.description.includes(endpoint.endpoint));
          assert.ok(!ids(report.findings).includes('tls-protocols-modern'));
          const fromConfig = one(configFindings, 'weak-tls-protocols');
          assert.match(fromConfig.description, /Postfix smtpd permits TLSv1 and later/);
          assert.match(fromConfig.description, /Dovecot permits TLSv1 and later/);
        } else {
          for (const endpoint of report.endpoints) {
            assert.equal(accepted(endpoint, 'TLSv1').accepted, false, endpoint.endpoint);
            assert.equal(accepted(endpoint, 'TLSv1.1').accepted, false, endpoint.endpoint);
            assert.equal(endpoint.negotiated?.protocol, 'TLSv1.3', endpoint.endpoint);
          }
          const modern = one(report.findings, 'tls-protocols-modern');
          assert.equal(modern.kind, 'positive');
          assert.equal(modern.metrics?.endpoints, SERVICES.length);
          assert.ok(!ids(report.findings).includes('weak-tls-protocols'));
          assert.ok(!ids(configFindings).includes('weak-tls-protocols'), ids(configFindings).join(', '));
          assert.ok(ids(configFindings).includes('tls-config-modern'));
        }
        // Postfix keeps anonymous suites in its default cipher lists (for opportunistic
        // TLS on port 25); Dovecot does not. Nothing weaker is accepted by either.
        const postfixPorts = new Set([stack.ports.smtp, stack.ports.submission, stack.ports.submissions]);
        for (const endpoint of report.endpoints) {
          const weak = endpoint.weakCiphers.filter((w) => w.accepted).map((w) => w.group);
          assert.deepEqual(weak, postfixPorts.has(endpoint.port) ? ['anonymous'] : [], endpoint.endpoint);
        }
        assert.equal(one(report.findings, 'weak-tls-ciphers').severity, 'low');

        // The certificate checked against another name: a mismatch, naming what it covers.
        const other = await runProbe(targets(stack.ports).slice(0, 1), {
          hostname: 'mx.other.test',
          timeoutMs: 10_000,
        });
        assert.match(one(other.findings, 'cert-name-mismatch').description, /mx\.other\.test/);

        // Refused and silent endpoints are findings in a report, not crashes.
        const silent = await silentPort();
        try {
          const failing = await runProbe(
            [
              parseTarget(`${LISTEN_ADDRESS}:${stack.ports.smtp + 1}`, 'smtp').target,
              parseTarget(`${LISTEN_ADDRESS}:${silent.port}`, 'smtp').target,
            ],
            { timeoutMs: 1500 },
          );
          const failed = one(failing.findings, 'probe-connection-failed');
          assert.deepEqual(
            failing.endpoints.map((e) => e.failure?.kind),
            ['refused', 'timeout'],
          );
          assert.ok(failed.description.includes(String(silent.port)));
          assert.ok(renderProbeMarkdown(failing).includes('probe-connection-failed'));
        } finally {
          await silent.close();
        }
      } finally {
        await stack.stop();
      }
    },
  );
}
