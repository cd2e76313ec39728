import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { eventClassesMarkdown, securityEventSchema } from '../../src/classify/schema.js';
import { readEvents, type SecurityEvent } from '../../src/index.js';
import { repoRoot } from '../support/paths.js';

const committedSchema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'security-event.v1.json'), 'utf8'));

test('the committed schema and class reference are what the taxonomy generates (run npm run generate)', () => {
  assert.deepEqual(committedSchema, securityEventSchema());
  assert.equal(readFileSync(join(repoRoot, 'docs', 'event-classes.md'), 'utf8'), eventClassesMarkdown());
});

test('every event of the real daemon output validates against the schema, and malformed records do not', async () => {
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(committedSchema);
  const stream = readEvents([join(repoRoot, 'test', 'fixtures', 'real', 'debian12', 'syslog')], {
    all: true,
  });
  let n = 0;
  for await (const event of stream) {
    assert.ok(validate(event), `${JSON.stringify(event)}: ${JSON.stringify(validate.errors)}`);
    n++;
  }
  assert.ok(n > 500);
  const good: SecurityEvent = {
    ts: '2025-10-10T01:33:12.000Z',
    host: 'mail',
    service: 'postfix/postscreen',
    pid: 780,
    class: 'pregreet',
    tier: 'attack',
    ip: '192.0.2.1',
    source: 'mail.log:1',
  };
  assert.ok(validate(good));
  assert.ok(!validate({ ...good, tier: 'benign' }), 'tier must be the class tier');
  assert.ok(!validate({ ...good, class: 'made-up' }), 'unknown class');
  assert.ok(!validate({ ...good, ts: '10 Oct 2025' }), 'timestamp format');
  assert.ok(!validate({ ...good, extra: 1 }), 'no undocumented fields');
  const { source: _s, ...withoutSource } = good;
  assert.ok(!validate(withoutSource), 'source is required');
});
