// The one error vocabulary. Services throw these for expected outcomes; the GraphQL layer maps each
// class to a typed union member (src/graphql/errors.ts). Anything else is unexpected and masked.

export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** Not found and not yours answer the same, so ids cannot be probed across tenants. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(readonly entity: string) {
    super(`${entity} not found`);
    this.name = 'NotFoundError';
  }
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ValidationError';
  }
  static field(path: string, message: string): ValidationError {
    return new ValidationError(message, [{ path, message }]);
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  constructor(
    readonly quota: string,
    readonly limit: number,
    readonly used: number,
  ) {
    super(`Quota "${quota}" exceeded: ${used} of ${limit} used`);
    this.name = 'QuotaExceededError';
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'You do not have permission to do this') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** A third-party credential is missing, invalid or needs re-authorisation. */
export class CredentialError extends DomainError {
  readonly code = 'CREDENTIAL_ERROR';
  constructor(
    message: string,
    readonly credentialId: string | null = null,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** Wrong password, expired or revoked token: the caller must (re-)authenticate. */
export class AuthenticationError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Invalid credentials') {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many requests; retry in ${retryAfterSeconds} s`,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/**
 * A provider (Zoom, Yandex Disk, Google Drive …) is down or overloaded right now. Only the API layer
 * answers with it: inside the pipeline the same failure stays a plain error, so the stage is retried.
 */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** An AI model kept answering with output that breaks the rules (after a repair round-trip). */
export class AiOutputError extends DomainError {
  readonly code = 'AI_OUTPUT_INVALID';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'AiOutputError';
  }
}

/** Cut long error text (provider messages, stack-free) before it is stored or sent. */
export function errorText(error: unknown, max = 1000): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
