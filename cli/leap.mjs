#!/usr/bin/env node
// The `leap` command (package.json "bin"): the CLI is TypeScript, run through tsx like the API.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');
