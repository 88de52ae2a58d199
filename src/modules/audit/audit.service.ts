import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';

export interface AuditEntry {
  tenantId: string | null;
  actorId: string | null;
  actorEmail?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Prisma.InputJsonObject;
  requestId?: string | null;
}

type AuditWriter = Pick<PrismaClient, 'auditEvent'> | Prisma.TransactionClient;

/** Appends a security/admin-relevant action to the audit log (inside the caller's transaction if given). */
export async function recordAudit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      tenantId: entry.tenantId,
      actorId: entry.actorId,
      actorEmail: entry.actorEmail ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      details: entry.details ?? {},
      requestId: entry.requestId ?? null,
    },
  });
}
