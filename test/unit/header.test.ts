import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHeader, YearResolver } from '../../src/index.js';

const NOW = Date.parse('2025-10-11T12:00:00Z');
const ctx = { years: new YearResolver(NOW, 'UTC'), zone: 'UTC' };

function parsed(line: string) {
  const r = parseHeader(line, ctx);
  assert.ok(!('error' in r), `expected a parse of: ${line} (${'error' in r ? r.error : ''})`);
  return r;
}

describe('syslog header shapes', () => {
  test('RFC 3339 with microseconds and offset (docker-mailserver, Debian rsyslog)', () => {
    const p = parsed(
      '2025-10-10T01:33:12.123456+02:00 mail postfix/smtpd[477]: connect from unknown[192.0.2.1]',
    );
    assert.equal(new Date(p.ts).toISOString(), '2025-10-09T23:33:12.123Z');
    assert.equal(p.host, 'mail');
    assert.equal(p.program, 'postfix/smtpd');
    assert.equal(p.pid, 477);
    assert.equal(p.message, 'connect from unknown[192.0.2.1]');
  });

  test('RFC 3164 with space-padded, zero-padded and unpadded days', () => {
    for (const day of ['Oct  5', 'Oct 05', 'Oct 5']) {
      const p = parsed(`${day} 01:33:12 mail dovecot: imap-login: Login: user=<a>`);
      assert.equal(new Date(p.ts).toISOString(), '2025-10-05T01:33:12.000Z');
      assert.equal(p.program, 'dovecot');
    }
  });

  test('RFC 5424 with priority, structured data and BOM', () => {
    const p = parsed(
      '<22>1 2025-10-10T01:33:12.5Z mail postfix/smtpd 477 - [meta x="a]b" y="c"] \ufeffconnect from unknown[192.0.2.1]',
    );
    assert.equal(new Date(p.ts).toISOString(), '2025-10-10T01:33:12.500Z');
    assert.equal(p.program, 'postfix/smtpd');
    assert.equal(p.pid, 477);
    assert.equal(p.message, 'connect from unknown[192.0.2.1]');
  });

  test('journalctl -o json records, with MESSAGE as text or as a byte array', () => {
    const record = {
      __REALTIME_TIMESTAMP: '1760059992123456',
      _HOSTNAME: 'mail',
      SYSLOG_IDENTIFIER: 'postfix/submission/smtpd',
      _PID: '901',
      MESSAGE: 'lost connection after AUTH from unknown[192.0.2.9]',
    };
    const p = parsed(JSON.stringify(record));
    assert.equal(p.ts, 1760059992123);
    assert.equal(p.program, 'postfix/submission/smtpd');
    assert.equal(p.pid, 901);
    const bytes = parsed(
      JSON.stringify({ ...record, MESSAGE: [...Buffer.from('connect from x[192.0.2.9]')] }),
    );
    assert.equal(bytes.message, 'connect from x[192.0.2.9]');
  });

  test('docker logs -t prefix and docker compose service prefix', () => {
    const t = parsed(
      '2025-10-10T01:33:12.987654321Z 2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[1]: connect from a[192.0.2.1]',
    );
    assert.equal(new Date(t.ts).toISOString(), '2025-10-10T01:33:12.123Z');
    assert.equal(t.program, 'postfix/smtpd');
    const c = parsed(
      'postfix-mailcow-1  | Oct 10 01:33:12 8f1e2d postfix/smtpd[1]: connect from a[192.0.2.1]',
    );
    assert.equal(c.host, '8f1e2d');
    assert.equal(c.program, 'postfix/smtpd');
  });

  test("Dovecot's own log_path file: no host, level words kept in the message", () => {
    const p = parsed('Oct 10 01:33:12 imap-login: Info: Login: user=<a@b>, method=PLAIN, rip=192.0.2.1');
    assert.equal(p.host, null);
    assert.equal(p.program, 'imap-login');
    assert.equal(p.message, 'Info: Login: user=<a@b>, method=PLAIN, rip=192.0.2.1');
  });

  test('Dovecot 2.4 auth tag with the address in the prefix', () => {
    const p = parsed(
      'Aug 30 00:10:57 auth(info@example.com,192.0.2.110,sasl:login)<CvN+E95Uf4e7eEnj>: Info: sql: Password mismatch',
    );
    assert.equal(p.program, 'auth');
    assert.equal(p.tagArgs, '(info@example.com,192.0.2.110,sasl:login)<CvN+E95Uf4e7eEnj>');
  });

  test('fail2ban.log lines', () => {
    const p = parsed(
      '2024-02-19 22:15:45,657 fail2ban.actions        [765]: NOTICE  [postfix] Ban 192.0.2.44',
    );
    assert.equal(new Date(p.ts).toISOString(), '2024-02-19T22:15:45.657Z');
    assert.equal(p.program, 'fail2ban.actions');
    assert.equal(p.pid, 765);
    assert.equal(p.message, 'NOTICE  [postfix] Ban 192.0.2.44');
  });

  test('TAI64N stamps (daemontools)', () => {
    const p = parsed('@400000004c91b044077a9e94 imap-login: Info: Aborted login');
    assert.equal(new Date(p.ts).toISOString(), '2010-09-16T05:51:00.125Z');
  });

  test('lines without a timestamp are reported, not guessed', () => {
    const r = parseHeader('hello world', ctx);
    assert.ok('error' in r);
  });
});
