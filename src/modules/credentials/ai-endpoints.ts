import type { AiEndpoint, AiEndpointResolver, AiPurpose } from '../../ai/types.js';
import { DEFAULT_MAX_UPLOAD_BYTES, LOCAL_PROVIDER, TRANSCRIPTION_PRESETS } from '../../ai/endpoints.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import type { CredentialsService } from './credentials.service.js';

/**
 * AI endpoints per tenant (SPEC §4): the workspace's own OpenAI-compatible account for the purpose
 * (the newest usable one, or the one a `provider` hint names by account name) wins over the
 * platform-wide settings; with neither, the offline providers run.
 */
export class VaultEndpointResolver implements AiEndpointResolver {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly credentials: CredentialsService,
    private readonly fallback: AiEndpointResolver,
  ) {}

  async resolve(tenantId: string, purpose: AiPurpose, hint: { provider?: string; model?: string } = {}): Promise<AiEndpoint | null> {
    if (hint.provider === LOCAL_PROVIDER) return null;
    const accounts = await forTenant(tenantId, this.prisma).credential.findMany({
      where: { platform: 'OPENAI_COMPATIBLE', isActive: true, needsReauth: false, ...(hint.provider ? { accountName: hint.provider } : {}) },
      orderBy: { createdAt: 'desc' },
      select: { id: true, accountName: true },
    });
    for (const account of accounts) {
      const secret = await this.credentials.getSecret(tenantId, account.id, 'OPENAI_COMPATIBLE');
      const wanted = purpose === 'topics' ? 'llm' : 'transcription';
      if (secret.purpose !== 'both' && secret.purpose !== wanted) continue;
      const known = Object.values(TRANSCRIPTION_PRESETS).find((preset) => preset.baseUrl === secret.baseUrl.replace(/\/$/, ''));
      return {
        provider: account.accountName,
        baseUrl: secret.baseUrl,
        apiKey: secret.apiKey,
        model: hint.model ?? secret.defaultModel,
        ...(purpose === 'transcription' ? { maxUploadBytes: known?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES } : {}),
      };
    }
    return this.fallback.resolve(tenantId, purpose, hint);
  }
}
