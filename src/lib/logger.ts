import { pino } from 'pino';
import { config } from '../config.js';

/** JSON logs. Child loggers carry requestId, tenantId, userId, runId, jobId as they become known. */
export const logger = pino({
  level: config.logLevel,
  base: { service: 'leap' },
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'refreshToken',
      '*.refreshToken',
      'accessToken',
      '*.accessToken',
      'authorization',
      '*.authorization',
      'headers.authorization',
      'secret',
      '*.secret',
    ],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;
