import { ALL_CLASSES, EVENT_CLASSES } from './taxonomy.js';

export const EVENT_SCHEMA_ID = 'https://mailwarden.invalid/schema/security-event.v1.json';

/**
 * The JSON Schema of one `mailwarden events` record, derived from the taxonomy so
 * that a class added there is valid here at once. `npm run generate` writes it to
 * `schema/security-event.v1.json`; a test keeps the two equal.
 */
export function securityEventSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: EVENT_SCHEMA_ID,
    title: 'mailwarden security event',
    description: 'One line of `mailwarden events` NDJSON output (version 1).',
    type: 'object',
    additionalProperties: false,
    required: ['ts', 'host', 'service', 'pid', 'class', 'tier', 'source'],
    properties: {
      ts: {
        type: 'string',
        pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$',
        description: 'ISO 8601, UTC',
      },
      host: { type: ['string', 'null'], description: 'syslog host; null where the format has none' },
      service: {
        type: 'string',
        description: 'full program name, e.g. postfix/submissions/smtpd, dovecot/imap-login',
      },
      pid: { type: ['integer', 'null'], minimum: 0 },
      class: { enum: ALL_CLASSES },
      tier: { enum: ['attack', 'signal', 'info', 'benign'] },
      ip: { type: 'string', description: 'client address, normalised, no brackets or port' },
      port: { type: 'integer', minimum: 0, maximum: 65535 },
      user: { type: 'string' },
      detail: { type: 'string', description: 'class-specific detail; see the class list' },
      source: { type: 'string', pattern: ':\\d+$', description: 'file:line' },
    },
    allOf: ALL_CLASSES.map((cls) => ({
      if: { properties: { class: { const: cls } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: { properties: { tier: { const: EVENT_CLASSES[cls].tier } } },
    })),
  };
}

/** The class reference as Markdown (`docs/event-classes.md`), from the same table. */
export function eventClassesMarkdown(): string {
  const escapePipes = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# Event classes',
    '',
    'Generated from `src/classify/taxonomy.ts` by `npm run generate`; do not edit by hand.',
    '',
    '| class | tier | program | meaning | detail |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const cls of ALL_CLASSES) {
    const spec = EVENT_CLASSES[cls];
    const detail = 'detail' in spec ? spec.detail : '';
    lines.push(
      `| \`${cls}\` | ${spec.tier} | ${spec.program} | ${escapePipes(spec.meaning)} | ${escapePipes(detail)} |`,
    );
  }
  lines.push('', '## Example lines', '');
  for (const cls of ALL_CLASSES)
    lines.push(`- \`${cls}\`:`, '', `  \`\`\`\n  ${EVENT_CLASSES[cls].example}\n  \`\`\``, '');
  return `${lines.join('\n')}\n`;
}
