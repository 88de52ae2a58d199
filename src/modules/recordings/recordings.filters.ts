import type { Prisma } from '../../generated/prisma/client.js';
import type { RecordingStatus } from '../../generated/prisma/enums.js';

export interface RecordingFilterInput {
  search?: string | null;
  statuses?: RecordingStatus[] | null;
  templateId?: { id: string } | null;
  failed?: boolean | null;
  includeBlank?: boolean | null;
  includeDeleted?: boolean | null;
  from?: Date | null;
  to?: Date | null;
}

/** The Prisma `where` of a recordings list filter (tenant scoping is added by the client). */
export function recordingsWhere(filter: RecordingFilterInput): Prisma.RecordingWhereInput {
  return {
    ...(filter.search ? { displayName: { contains: filter.search, mode: 'insensitive' } } : {}),
    ...(filter.statuses?.length ? { status: { in: filter.statuses } } : {}),
    ...(filter.templateId ? { templateId: filter.templateId.id } : {}),
    ...(filter.failed != null ? { failed: filter.failed } : {}),
    ...(filter.includeBlank ? {} : { isBlank: false }),
    ...(filter.includeDeleted ? {} : { deleteState: 'ACTIVE' }),
    ...(filter.from || filter.to
      ? { startTime: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
      : {}),
  };
}
