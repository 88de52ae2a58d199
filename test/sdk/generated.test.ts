import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

// sdk/generated is committed (the SDK is a typed package on its own); this fails when the schema or
// an operation document changed and `npm run generate` was not run.
describe('sdk/generated', () => {
  it('is what codegen makes of schema/ and schema/operations (run `npm run generate` after changing them)', async () => {
    const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = await readFile(output.filename, 'utf8').catch(() => null);
      expect(committed, `${output.filename} is stale`).toBe(output.content);
    }
  }, 60_000);
});
