import { config } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

/**
 * Deletes sessions (with their refresh tokens) that expired or were revoked more than the retention
 * period ago. Live sessions are never touched.
 */
export async function purgeStaleSessions(
  prisma: PrismaClient,
  now = new Date(),
  retentionDays = config.auth.sessionRetentionDays,
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000);
  const { count } = await prisma.authSession.deleteMany({
    where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] },
  });
  return count;
}
