import { pino } from 'pino';
import { logger } from '../../src/lib/logger.js';

/**
 * Captures every line the app logger writes (at trace level) while a test runs. Child loggers made
 * afterwards (per request, per job) inherit the capturing stream.
 */
export function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const target = logger as unknown as Record<symbol, unknown>;
  const stream = target[pino.symbols.streamSym];
  const level = logger.level;
  target[pino.symbols.streamSym] = { write: (line: string) => void lines.push(line) };
  logger.level = 'trace';
  return {
    lines,
    restore() {
      target[pino.symbols.streamSym] = stream;
      logger.level = level;
    },
  };
}
