import { z } from 'zod';
import type { CredentialPlatform } from '../../generated/prisma/enums.js';
import { ValidationError } from '../../lib/errors.js';
import { issuesOf } from '../config/config-validation.js';

// What each platform's secret holds (validated on every write, parsed again on every read).
// OAuth tokens carry their expiry as an ISO string so the refresh logic can work without the row.

const text = z.string().trim().min(1).max(4096);
const isoTime = z.iso.datetime({ offset: true });

/** Tokens from an OAuth 2.0 token endpoint, plus the client that may refresh them. */
const oauthTokens = {
  accessToken: text,
  refreshToken: text.optional(),
  /** When the access token expires; absent when the provider did not say. */
  expiresAt: isoTime.optional(),
  scope: z.string().max(4096).optional(),
  clientId: text.optional(),
  clientSecret: text.optional(),
};

export const zoomSecretSchema = z.discriminatedUnion('kind', [
  /** Server-to-server OAuth app: tokens come from the account_credentials grant, cached here. */
  z.object({ kind: z.literal('server_to_server'), accountId: text, clientId: text, clientSecret: text, accessToken: text.optional(), expiresAt: isoTime.optional(), scope: z.string().max(4096).optional() }).strict(),
  z.object({ kind: z.literal('oauth'), ...oauthTokens, refreshToken: text, clientId: text, clientSecret: text }).strict(),
]);

export const youtubeSecretSchema = z.object({ kind: z.literal('oauth').default('oauth'), ...oauthTokens, refreshToken: text, clientId: text, clientSecret: text }).strict();

/** Google Drive: the same Google OAuth client and refresh-token flow as YouTube. */
export const googleDriveSecretSchema = youtubeSecretSchema;

export const vkSecretSchema = z.discriminatedUnion('kind', [
  /** VK ID (OAuth 2.1 + PKCE): refreshable, bound to the device id VK issued. */
  z.object({ kind: z.literal('oauth'), ...oauthTokens, refreshToken: text, clientId: text, deviceId: text, userId: z.string().max(64).optional() }).strict(),
  /** Implicit-flow or service token pasted by the user: not refreshable. */
  z.object({ kind: z.literal('token'), accessToken: text, expiresAt: isoTime.optional(), userId: z.string().max(64).optional() }).strict(),
]);

export const yandexDiskSecretSchema = z.object({ kind: z.literal('oauth').default('oauth'), ...oauthTokens }).strict();

export const openaiCompatibleSecretSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: text,
    defaultModel: z.string().trim().min(1).max(200),
    purpose: z.enum(['transcription', 'llm', 'both']).default('both'),
  })
  .strict();

export const s3SecretSchema = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().trim().min(1).max(64).default('us-east-1'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'A valid S3 bucket name'),
    accessKeyId: text,
    secretAccessKey: text,
    forcePathStyle: z.boolean().default(false),
  })
  .strict();

export type ZoomSecret = z.output<typeof zoomSecretSchema>;
export type YoutubeSecret = z.output<typeof youtubeSecretSchema>;
export type VkSecret = z.output<typeof vkSecretSchema>;
export type YandexDiskSecret = z.output<typeof yandexDiskSecretSchema>;
export type GoogleDriveSecret = z.output<typeof googleDriveSecretSchema>;
export type OpenAICompatibleSecret = z.output<typeof openaiCompatibleSecretSchema>;
export type S3Secret = z.output<typeof s3SecretSchema>;

export interface SecretByPlatform {
  ZOOM: ZoomSecret;
  YOUTUBE: YoutubeSecret;
  VK_VIDEO: VkSecret;
  YANDEX_DISK: YandexDiskSecret;
  GOOGLE_DRIVE: GoogleDriveSecret;
  OPENAI_COMPATIBLE: OpenAICompatibleSecret;
  S3: S3Secret;
}

export type SupportedCredentialPlatform = keyof SecretByPlatform;
export type CredentialSecret = SecretByPlatform[SupportedCredentialPlatform];

const SCHEMAS: { [P in SupportedCredentialPlatform]: z.ZodType<SecretByPlatform[P]> } = {
  ZOOM: zoomSecretSchema,
  YOUTUBE: youtubeSecretSchema,
  VK_VIDEO: vkSecretSchema,
  YANDEX_DISK: yandexDiskSecretSchema,
  GOOGLE_DRIVE: googleDriveSecretSchema,
  OPENAI_COMPATIBLE: openaiCompatibleSecretSchema,
  S3: s3SecretSchema,
};

export function isSupportedCredentialPlatform(platform: CredentialPlatform): platform is SupportedCredentialPlatform {
  return platform in SCHEMAS;
}

/** Validates a secret for its platform; the issues name fields, never values. */
export function parseSecret<P extends SupportedCredentialPlatform>(platform: P, value: unknown): SecretByPlatform[P] {
  const parsed = SCHEMAS[platform].safeParse(value);
  if (!parsed.success) {
    // zod messages can quote the input; keep only the path and a value-free message.
    const issues = issuesOf(parsed.error, 'secret').map((issue) => ({ path: issue.path, message: issue.message.replace(/received .*/i, '').trim() || 'Invalid value' }));
    throw new ValidationError('The secret is invalid for this platform', issues);
  }
  return parsed.data;
}

export function tokenExpiry(secret: CredentialSecret): Date | null {
  return 'expiresAt' in secret && secret.expiresAt ? new Date(secret.expiresAt) : null;
}
