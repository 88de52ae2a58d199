import { LeapRequestError } from '../sdk/client.js';

/** Exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The API refused: an error union member, a GraphQL error, or a failed request. */
  failed: 1,
  /** Bad arguments or input files. */
  usage: 2,
  /** Not logged in, or the session ended. */
  auth: 3,
  /** A recording, template … that does not exist (or is not yours). */
  notFound: 4,
  /** The watched run ended FAILED or CANCELLED. */
  runFailed: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

interface UnionResult {
  __typename: string;
  code?: string;
  message?: string;
  issues?: ReadonlyArray<{ path: string; message: string }>;
}

/** A union result that is an error member, as one clear line; `success` names the expected type. */
export function unwrap<T extends UnionResult, S extends T['__typename']>(result: T, success: S): Extract<T, { __typename: S }> {
  if (result.__typename === success) return result as Extract<T, { __typename: S }>;
  const issues = result.issues?.length ? ` (${result.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')})` : '';
  const code = result.code ? ` ${result.code}` : '';
  throw new CliError(`${result.__typename}${code}: ${result.message ?? 'no message'}${issues}`, result.__typename === 'NotFoundError' ? EXIT.notFound : EXIT.failed);
}

export function notFound(what: string, id: string): never {
  throw new CliError(`NotFoundError NOT_FOUND: ${what} ${id} not found`, EXIT.notFound);
}

/** Any error thrown by a command, as the line printed and the exit code. */
export function describeError(error: unknown, api: string | null): { line: string; exitCode: number } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof LeapRequestError) {
    const where = error.requestId ? ` [request ${error.requestId}]` : '';
    if (error.code === 'UNAUTHENTICATED') return { line: `not logged in or the session ended: run \`leap login\` (${error.message})${where}`, exitCode: EXIT.auth };
    return { line: `${error.code ?? `HTTP ${error.status}`}: ${error.message}${where}`, exitCode: EXIT.failed };
  }
  // fetch() failing before any answer: refused, unknown host, reset, TLS …
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    return { line: `cannot reach the LEAP API at ${api ?? '?'} (${cause?.code ?? cause?.message ?? 'no answer'}); set --api or LEAP_API_URL`, exitCode: EXIT.failed };
  }
  return { line: error instanceof Error ? error.message : String(error), exitCode: EXIT.failed };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table (no colours: the output is also read by scripts and logs). */
export function printTable(headers: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  process.stdout.write([line(headers), ...cells.map(line)].join('\n') + '\n');
}

export const seconds = (value: number | null | undefined) => (value === null || value === undefined ? null : `${Math.round(value)} s`);
