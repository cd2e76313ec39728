import { ALL_CLASSES } from '../classify/taxonomy.js';
import { SEVERITIES } from '../findings/finding.js';

export const REPORT_SCHEMA_ID = 'https://mailwarden.invalid/schema/audit-report.v1.json';

const isoTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' };
const count = { type: 'integer', minimum: 0 };
const counts = { type: 'object', additionalProperties: count };
const strings = { type: 'array', items: { type: 'string' } };

function object(properties: Record<string, unknown>, optional: string[] = []): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

const timeSeries = object({
  bucketSeconds: { type: 'integer', minimum: 1 },
  buckets: { type: 'array', items: isoTime },
  series: { type: 'object', additionalProperties: { type: 'array', items: count } },
});

const rankedSource = object({ source: { type: 'string' }, count, addresses: count, classes: counts }, [
  'addresses',
]);

const nullableString = { type: ['string', 'null'] };
const nullableTime = { anyOf: [isoTime, { type: 'null' }] };
const seconds = { type: 'integer', minimum: -1 };

const banHistory = object({
  state: { type: 'string' },
  total: count,
  active: count,
  bans: {
    type: 'array',
    items: object({
      target: { type: 'string' },
      origin: { enum: ['watch', 'subnet', 'manual'] },
      rule: nullableString,
      reason: { type: 'string' },
      level: { type: 'integer', minimum: 1 },
      created: isoTime,
      expires: isoTime,
      lifted: nullableTime,
      liftReason: nullableString,
      actions: {
        type: 'array',
        items: object({
          action: { type: 'string' },
          op: { enum: ['ban', 'unban'] },
          state: { enum: ['pending', 'done', 'failed'] },
          attempts: count,
          lastError: nullableString,
        }),
      },
    }),
  },
});

const fail2banCoverage = object({
  attackers: count,
  neverBanned: count,
  jails: {
    type: 'array',
    items: object({
      name: { type: 'string' },
      definedAt: nullableString,
      filter: { type: 'string' },
      maxretry: count,
      findtimeSeconds: seconds,
      bantimeSeconds: seconds,
      logpaths: strings,
      backend: { type: 'string' },
      blind: nullableString,
      error: nullableString,
      warnings: strings,
      linesMatched: count,
      addressesMatched: count,
      addressesBanned: count,
      bannedAddresses: strings,
      bans: count,
      wouldBanIfSighted: count,
    }),
  },
  classes: {
    type: 'array',
    items: object({
      class: { enum: ALL_CLASSES },
      lines: count,
      addresses: count,
      byJail: {
        type: 'object',
        additionalProperties: object({ lines: count, addresses: count, banned: count }),
      },
      banned: count,
      neverBanned: object({
        'no-rule': count,
        'under-threshold': count,
        ignored: count,
        'jail-blind': count,
      }),
      examples: {
        type: 'array',
        items: object({
          address: { type: 'string' },
          events: count,
          reason: { enum: ['no-rule', 'under-threshold', 'ignored', 'jail-blind'] },
          first: nullableTime,
          last: nullableTime,
        }),
      },
    }),
  },
  otherMatches: { type: 'object', additionalProperties: counts },
  notes: strings,
});

const finding = object(
  {
    id: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' },
    kind: { enum: ['issue', 'positive'] },
    title: { type: 'string', minLength: 1 },
    severity: { enum: SEVERITIES },
    severityRule: { type: 'string', minLength: 1 },
    status: { enum: ['open', 'mitigated', 'fixed'] },
    description: { type: 'string' },
    sources: {
      type: 'array',
      items: object(
        {
          source: { type: 'string' },
          kind: { enum: ['address', 'subnet'] },
          count,
          addresses: count,
          first: isoTime,
          last: isoTime,
          users: strings,
          classes: counts,
          banned: { type: 'boolean' },
        },
        ['addresses', 'users', 'classes', 'banned'],
      ),
    },
    evidence: {
      type: 'array',
      items: object({ line: { type: 'string' }, source: { type: 'string', pattern: ':\\d+$' } }),
    },
    evidenceFrom: { enum: ['logs', 'configuration', 'probe'] },
    rootCause: { type: 'string' },
    recommendation: object({ summary: { type: 'string' }, dockerMailserver: strings, plainHost: strings }),
    metrics: { type: 'object', additionalProperties: { type: ['number', 'string'] } },
  },
  ['evidenceFrom'],
);

/**
 * The JSON Schema of `mailwarden audit --format json` (version 1). Written to
 * `schema/audit-report.v1.json` by `npm run generate`; a test keeps them equal.
 * A change that breaks readers needs schemaVersion 2 and a new file.
 */
export function auditReportSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: REPORT_SCHEMA_ID,
    title: 'mailwarden audit report',
    ...object(
      {
        schemaVersion: { const: 1 },
        generator: object({ name: { const: 'mailwarden' }, version: { type: 'string' } }),
        generatedAt: isoTime,
        inputs: object({
          files: strings,
          lines: count,
          classified: count,
          benign: count,
          unrecognised: count,
          malformed: count,
        }),
        period: object({
          from: { anyOf: [isoTime, { type: 'null' }] },
          to: { anyOf: [isoTime, { type: 'null' }] },
        }),
        executiveSummary: { type: 'string' },
        findings: { type: 'array', items: finding },
        nextSteps: object({ immediate: strings, thisWeek: strings, thisMonth: strings }),
        monitoringCommands: {
          type: 'array',
          items: object({
            title: { type: 'string' },
            dockerMailserver: { type: 'string' },
            plainHost: { type: 'string' },
          }),
        },
        statistics: object({
          eventsByClass: {
            type: 'object',
            additionalProperties: false,
            patternProperties: { [`^(${ALL_CLASSES.join('|')})$`]: count },
          },
          attemptsByFamily: counts,
          topAddresses: { type: 'array', items: rankedSource },
          topSubnets: { type: 'array', items: rankedSource },
          bansByJail: counts,
          timeline: timeSeries,
          traffic: object({
            delivered: count,
            deferred: count,
            bounced: count,
            rejectsByReason: counts,
            connections: object({
              smtpd: count,
              postscreen: count,
              loginsSucceeded: count,
              loginsFailed: count,
            }),
            perDay: timeSeries,
            perHour: timeSeries,
          }),
        }),
        redacted: { type: 'boolean' },
        fail2banCoverage,
        banHistory,
        configuration: object({
          kind: { enum: ['docker-mailserver', 'mailcow', 'plain'] },
          directory: { type: 'string' },
          hostname: { type: ['string', 'null'] },
          domains: strings,
          files: strings,
          notes: strings,
        }),
      },
      ['configuration', 'fail2banCoverage', 'banHistory'],
    ),
  };
}
