#!/usr/bin/env node
// Writes the files derived from the event-class table: the JSON Schema of events
// and the class reference. Run after changing src/classify/taxonomy.ts.
import { writeFileSync } from 'node:fs';
import { auditReportSchema } from '../dist/src/audit/report-schema.js';
import { eventClassesMarkdown, securityEventSchema } from '../dist/src/classify/schema.js';
import { probeReportSchema } from '../dist/src/probe/report-schema.js';

writeFileSync('schema/security-event.v1.json', `${JSON.stringify(securityEventSchema(), null, 2)}\n`);
writeFileSync('docs/event-classes.md', eventClassesMarkdown());
writeFileSync('schema/audit-report.v1.json', `${JSON.stringify(auditReportSchema(), null, 2)}\n`);
writeFileSync('schema/probe-report.v1.json', `${JSON.stringify(probeReportSchema(), null, 2)}\n`);
console.log(
  'wrote schema/security-event.v1.json, schema/audit-report.v1.json, schema/probe-report.v1.json and docs/event-classes.md',
);
