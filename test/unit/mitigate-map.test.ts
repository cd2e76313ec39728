import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCidr, parseCidr } from '../../src/mitigate/cidr.js';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  MapFormatError,
  parseMap,
  renderBlock,
  replaceBlock,
  userEntryKind,
} from '../../src/mitigate/cidr-map.js';

const entry = (cidr: string, note: string, notSeen = false) => ({ cidr: parseCidr(cidr)!, note, notSeen });

test('a file without a block gets one appended after a blank line; the rest stays byte for byte', () => {
  const own = '# mine\r\n192.0.2.0/24 REJECT\n2001:db8::/32\tOK';
  const parsed = parseMap(own, 'map.cf');
  assert.equal(parsed.hasBlock, false);
  assert.deepEqual(
    parsed.userEntries.map((u) => [formatCidr(u.cidr), u.result, u.line]),
    [
      ['192.0.2.0/24', 'REJECT', 2],
      ['2001:db8::/32', 'OK', 3],
    ],
  );
  const text = replaceBlock(parsed, renderBlock(['header'], [entry('198.51.100.7/32', 'why')]));
  assert.equal(
    text,
    `${own}\n\n${BLOCK_BEGIN}\n# header\n#\n# 198.51.100.7/32: why\n198.51.100.7/32 REJECT\n${BLOCK_END}\n`,
  );
  // Parsing what was written and writing it again changes nothing.
  const reparsed = parseMap(text, 'map.cf');
  assert.deepEqual(
    reparsed.generated.map((g) => [formatCidr(g.cidr), g.note]),
    [['198.51.100.7/32', 'why']],
  );
  assert.equal(replaceBlock(reparsed, renderBlock(['header'], [entry('198.51.100.7/32', 'why')])), text);
});

test('only the block is replaced; lines before and after it stay; kept entries keep their note', () => {
  const text = [
    '# before',
    BLOCK_BEGIN,
    '# old header',
    '# 192.0.2.9/32: [not in these logs] 4 attack events',
    '192.0.2.9/32 REJECT',
    '198.51.100.0/24 REJECT',
    BLOCK_END,
    '203.0.113.1 REJECT',
    '',
  ].join('\n');
  const parsed = parseMap(text, 'map.cf');
  assert.deepEqual(
    parsed.generated.map((g) => [formatCidr(g.cidr), g.note]),
    [
      ['192.0.2.9/32', '4 attack events'],
      ['198.51.100.0/24', null],
    ],
  );
  assert.deepEqual(
    parsed.userEntries.map((u) => u.line),
    [8],
  );
  const out = replaceBlock(parsed, renderBlock([], [entry('192.0.2.9/32', '4 attack events', true)]));
  assert.equal(
    out,
    `# before\n${BLOCK_BEGIN}\n# 192.0.2.9/32: [not in these logs] 4 attack events\n192.0.2.9/32 REJECT\n${BLOCK_END}\n203.0.113.1 REJECT\n`,
  );
});

test('a broken block is an error naming the file and line, never a guess', () => {
  assert.throws(
    () => parseMap(`a\n${BLOCK_BEGIN}\n192.0.2.1 REJECT\n`, 'map.cf'),
    (e: Error) => {
      assert.ok(e instanceof MapFormatError);
      assert.match(e.message, /^map\.cf:2: /);
      return true;
    },
  );
  assert.throws(() => parseMap(`${BLOCK_END}\n`, 'map.cf'), MapFormatError);
});

test('notes never break the table: line breaks become spaces', () => {
  const lines = renderBlock([], [entry('192.0.2.1/32', 'a\nb\r\nc')]);
  assert.ok(lines.includes('# 192.0.2.1/32: a b c'));
});

test("the administrator's results: REJECT and 5xx block, OK/PERMIT/DUNNO and numbers let through", () => {
  for (const r of ['REJECT', 'reject no thanks', '554 go away', 'DENY'])
    assert.equal(userEntryKind(r), 'reject', r);
  for (const r of ['OK', 'permit', 'DUNNO', '42']) assert.equal(userEntryKind(r), 'permit', r);
  for (const r of ['450 later', 'HOLD', 'PREPEND X-Foo: bar']) assert.equal(userEntryKind(r), 'other', r);
});
