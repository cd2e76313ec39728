import { auditReportSchema } from '../audit/report-schema.js';
import { FAILURE_KINDS, TLS_VERSIONS } from './handshake.js';
import { STARTTLS_MODES } from './target.js';
import { WEAK_CIPHER_GROUPS } from './weak-ciphers.js';

export const PROBE_SCHEMA_ID = 'https://mailwarden.invalid/schema/probe-report.v1.json';

const isoTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' };
const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };

function object(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

/** The audit report's finding: the probe's findings have the same shape. */
function findingSchema(): unknown {
  const audit = auditReportSchema() as { properties: { findings: { items: unknown } } };
  return audit.properties.findings.items;
}

const certificate = object({
  subject: text,
  issuer: text,
  names: { type: 'array', items: text },
  validFrom: isoTime,
  validTo: isoTime,
  daysLeft: { type: 'integer' },
  selfSigned: { type: 'boolean' },
  defaultCertificate: { type: 'boolean' },
  keyType: text,
  keyBits: { type: ['integer', 'null'] },
  coversHost: { type: ['boolean', 'null'] },
  fingerprint256: { type: 'string', pattern: '^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$' },
});

const endpoint = object({
  endpoint: text,
  host: text,
  port: { type: 'integer', minimum: 1, maximum: 65_535 },
  starttls: { enum: STARTTLS_MODES },
  greeting: nullableText,
  failure: { anyOf: [{ type: 'null' }, object({ kind: { enum: FAILURE_KINDS }, message: text })] },
  negotiated: {
    anyOf: [{ type: 'null' }, object({ protocol: text, cipher: text, cipherStandardName: text })],
  },
  protocols: {
    type: 'array',
    items: object({
      version: { enum: TLS_VERSIONS },
      accepted: { type: 'boolean' },
      protocol: nullableText,
      cipher: nullableText,
      error: nullableText,
    }),
  },
  weakCiphers: {
    type: 'array',
    items: object({
      group: { enum: WEAK_CIPHER_GROUPS },
      label: text,
      tested: { type: 'boolean' },
      accepted: { type: 'boolean' },
      protocol: nullableText,
      cipher: nullableText,
      error: nullableText,
    }),
  },
  certificates: { type: 'array', items: certificate },
});

/**
 * The JSON Schema of `mailwarden probe --format json` (version 1). Written to
 * `schema/probe-report.v1.json` by `npm run generate`; a test keeps them equal.
 * A change that breaks readers needs schemaVersion 2 and a new file.
 */
export function probeReportSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: PROBE_SCHEMA_ID,
    title: 'mailwarden TLS probe report',
    ...object({
      schemaVersion: { const: 1 },
      generator: object({ name: { const: 'mailwarden' }, version: text }),
      generatedAt: isoTime,
      hostname: nullableText,
      timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
      endpoints: { type: 'array', items: endpoint },
      findings: { type: 'array', items: findingSchema() },
    }),
  };
}
