import OpenAI from 'openai';
import { config } from '../config.js';
import { CredentialError, ValidationError } from '../lib/errors.js';
import type { AiEndpoint, AiEndpointResolver, AiPurpose } from './types.js';

const MB = 1024 * 1024;

/** Known OpenAI-compatible transcription services: base URL, default model, upload limit. */
export const TRANSCRIPTION_PRESETS: Record<string, { baseUrl: string; model: string; maxUploadBytes: number }> = {
  openai: { baseUrl: 'https://api.openai.com/v1', model: 'whisper-1', maxUploadBytes: 25 * MB },
  fireworks: { baseUrl: 'https://audio-turbo.api.fireworks.ai/v1', model: 'whisper-v3-turbo', maxUploadBytes: 1024 * MB },
  groq: { baseUrl: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3-turbo', maxUploadBytes: 25 * MB },
};

/** Used when neither the endpoint nor a preset names a limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * MB;

/** `local` as a provider hint forces the offline providers even when an API is configured. */
export const LOCAL_PROVIDER = 'local';

/** Platform-wide endpoints from src/config.ts; null (offline providers) when no API key is set. */
export class ConfigEndpointResolver implements AiEndpointResolver {
  constructor(private readonly settings: typeof config.ai = config.ai) {}

  async resolve(_tenantId: string, purpose: AiPurpose, hint: { provider?: string; model?: string } = {}): Promise<AiEndpoint | null> {
    if (hint.provider === LOCAL_PROVIDER) return null;
    if (purpose === 'topics') {
      const llm = this.settings.llm;
      if (!llm.apiKey) return null;
      return { provider: llm.provider, baseUrl: llm.baseUrl, apiKey: llm.apiKey, model: hint.model ?? llm.model };
    }
    const t = this.settings.transcription;
    if (!t.apiKey) return null;
    const preset = TRANSCRIPTION_PRESETS[t.provider];
    const baseUrl = t.baseUrl ?? preset?.baseUrl;
    const model = hint.model ?? t.model ?? preset?.model;
    if (!baseUrl || !model) {
      throw new ValidationError(`Transcription provider "${t.provider}" needs TRANSCRIPTION_BASE_URL and TRANSCRIPTION_MODEL`);
    }
    return {
      provider: t.provider,
      baseUrl,
      apiKey: t.apiKey,
      model,
      maxUploadBytes: t.maxUploadBytes ?? preset?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    };
  }
}

/**
 * An SDK client for one endpoint. The SDK retries connection errors, 408/409/429 and 5xx with
 * exponential backoff and honours Retry-After; request bodies must be Buffers (STACK.md (e)).
 */
export function openAiClient(endpoint: AiEndpoint, options: { maxRetries?: number; timeoutMs?: number } = {}): OpenAI {
  return new OpenAI({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseUrl,
    maxRetries: options.maxRetries ?? config.ai.maxRetries,
    timeout: options.timeoutMs ?? config.ai.requestTimeoutMs,
    logLevel: 'off',
  });
}

/**
 * Turns SDK failures retrying cannot fix into typed errors (a bad key, a rejected request); the
 * rest (exhausted retries on 429/5xx, network) stays a plain Error so the pipeline retries later.
 * Messages name the provider and status only: provider bodies may echo request data.
 */
export function providerError(error: unknown, endpoint: Pick<AiEndpoint, 'provider'>, what: string): Error {
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new CredentialError(`${endpoint.provider} rejected the API key for ${what} (HTTP ${error.status})`);
  }
  if (error instanceof OpenAI.BadRequestError || error instanceof OpenAI.NotFoundError || error instanceof OpenAI.UnprocessableEntityError) {
    return new ValidationError(`${endpoint.provider} refused the ${what} request (HTTP ${error.status}): ${shortMessage(error)}`);
  }
  if (error instanceof OpenAI.APIError) {
    return new Error(`${endpoint.provider} ${what} failed${error.status ? ` (HTTP ${error.status})` : ''}: ${shortMessage(error)}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function shortMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const inner = error.error as { message?: unknown } | undefined;
  const text = typeof inner?.message === 'string' ? inner.message : error.message;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
