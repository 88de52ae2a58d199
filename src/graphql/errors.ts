import {
  AiOutputError,
  AuthenticationError,
  ConflictError,
  CredentialError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  ServiceUnavailableError,
  ValidationError,
  type FieldIssue,
} from '../lib/errors.js';
import { builder } from './builder.js';

// Each domain error class becomes a GraphQL object type implementing `Error`, so mutations list the
// failures they can answer with in their result union.

const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure, returned as data. `code` is stable; `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Dotted path of the offending input field' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [FieldIssueRef], resolve: (e) => e.issues }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ entity: t.exposeString('entity') }),
});

builder.objectType(ConflictError, { name: 'ConflictError', interfaces: [ErrorInterface] });
builder.objectType(ForbiddenError, { name: 'ForbiddenError', interfaces: [ErrorInterface] });
builder.objectType(AuthenticationError, { name: 'AuthenticationError', interfaces: [ErrorInterface] });

builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    quota: t.exposeString('quota'),
    limit: t.exposeInt('limit'),
    used: t.exposeInt('used'),
  }),
});

builder.objectType(CredentialError, {
  name: 'CredentialError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ credentialId: t.exposeID('credentialId', { nullable: true }) }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(ServiceUnavailableError, { name: 'ServiceUnavailableError', interfaces: [ErrorInterface] });

builder.objectType(AiOutputError, {
  name: 'AiOutputError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ problems: t.exposeStringList('problems') }),
});
