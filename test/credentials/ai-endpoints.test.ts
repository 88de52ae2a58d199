import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigEndpointResolver } from '../../src/ai/endpoints.js';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import { VaultEndpointResolver } from '../../src/modules/credentials/ai-endpoints.js';
import { createServices } from '../../src/services.js';

// AI endpoints per workspace: its own OpenAI-compatible account first, then the platform's settings.

const redis = createRedis();
const services = createServices({ prisma, redis });
const platformLlm = new ConfigEndpointResolver({ ...config.ai, llm: { ...config.ai.llm, apiKey: 'platform-llm-key' } });
const resolver = new VaultEndpointResolver(prisma, services.credentials, platformLlm);
let tenantId: string;

beforeAll(async () => {
  tenantId = (await prisma.tenant.create({ data: { name: 'AI endpoints' } })).id;
});
afterAll(async () => {
  await services.close();
  redis.disconnect();
});

describe('VaultEndpointResolver', () => {
  it("uses the workspace's account for its purpose and the platform's settings for the rest", async () => {
    await services.credentials.create(tenantId, {
      platform: 'OPENAI_COMPATIBLE',
      accountName: 'groq',
      secret: { baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'tenant-key-123', defaultModel: 'whisper-large-v3-turbo', purpose: 'transcription' },
    });
    expect(await resolver.resolve(tenantId, 'transcription')).toEqual({
      provider: 'groq',
      baseUrl: 'https://api.groq.com/openai/v1',
      apiKey: 'tenant-key-123',
      model: 'whisper-large-v3-turbo',
      maxUploadBytes: 25 * 1024 * 1024,
    });
    expect(await resolver.resolve(tenantId, 'topics')).toMatchObject({ apiKey: 'platform-llm-key', model: config.ai.llm.model });
    expect(await resolver.resolve(tenantId, 'transcription', { model: 'distil-whisper' })).toMatchObject({ model: 'distil-whisper' });
    expect(await resolver.resolve(tenantId, 'transcription', { provider: 'local' })).toBeNull();
  });

  it('skips an account that needs re-authorisation, and never uses another workspace’s account', async () => {
    const other = (await prisma.tenant.create({ data: { name: 'Other' } })).id;
    expect(await resolver.resolve(other, 'transcription')).toBeNull();
    await prisma.credential.updateMany({ where: { tenantId }, data: { needsReauth: true } });
    expect(await resolver.resolve(tenantId, 'transcription')).toBeNull();
  });
});
