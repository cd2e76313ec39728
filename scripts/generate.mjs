#!/usr/bin/env node
// Writes the files derived from the event-class table: the JSON Schema of events
// and the class reference. Run after changing src/classify/taxonomy.ts.
import { writeFileSync } from 'node:fs';
import { eventClassesMarkdown, securityEventSchema } from '../dist/src/classify/schema.js';

writeFileSync('schema/security-event.v1.json', `${JSON.stringify(securityEventSchema(), null, 2)}\n`);
writeFileSync('docs/event-classes.md', eventClassesMarkdown());
console.log('wrote schema/security-event.v1.json and docs/event-classes.md');
