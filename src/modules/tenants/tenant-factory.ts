import type { Prisma } from '../../generated/prisma/client.js';
import { defaultTemplateData } from '../templates/default-template.js';

/** A new workspace with its owner and its Default template, inside the caller's transaction. */
export async function createTenantWithOwner(
  tx: Prisma.TransactionClient,
  input: { name: string; timezone: string; ownerId: string },
) {
  const freePlan = await tx.plan.findUnique({ where: { name: 'free' } });
  const tenant = await tx.tenant.create({
    data: { name: input.name, timezone: input.timezone, planId: freePlan?.id ?? null },
  });
  await tx.membership.create({ data: { tenantId: tenant.id, userId: input.ownerId, role: 'OWNER' } });
  await tx.template.create({ data: defaultTemplateData(tenant.id) });
  return tenant;
}
