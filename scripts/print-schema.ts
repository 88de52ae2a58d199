// Writes the SDL of the code-first schema to schema/schema.graphql (committed; a test fails when stale).
import { writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';
import { prisma } from '../src/lib/db.js';

const target = new URL('../schema/schema.graphql', import.meta.url);
await writeFile(target, printSchema(schema) + '\n');
await prisma.$disconnect();
console.log('wrote schema/schema.graphql');
