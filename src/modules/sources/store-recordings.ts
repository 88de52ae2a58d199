import type { Prisma, Recording } from '../../generated/prisma/client.js';
import type { RecordingStatus, SourceType } from '../../generated/prisma/enums.js';
import type { TenantDb } from '../../lib/db.js';
import type { RemoteRecording } from '../../platforms/source-adapter.js';
import { isUniqueViolation } from '../auth/auth.service.js';
import { addUsage } from '../quotas/quotas.service.js';
import { admitAll, asJson, usagePeriod, type RecordingAdmission } from '../recordings/recordings.service.js';
import type { TemplateMatchingService } from '../templates/matching.service.js';

// Remote recordings → Recording rows. A known key (or alias) is a duplicate and is left alone, except
// a row still waiting for the provider (PENDING_SOURCE), which is completed once the file is ready.

export interface StoreResult {
  /** Remote recordings seen. */
  found: number;
  created: number;
  skippedDuplicates: number;
  /** New or completed rows under the blank rule (skipped, hidden by default). */
  blank: number;
  /** New rows still being processed by the provider (PENDING_SOURCE). */
  pending: number;
  /** PENDING_SOURCE rows whose file became ready. */
  updated: number;
  /** The row of every remote recording, new or existing, in listing order. */
  recordings: Recording[];
}

export interface StoreOptions {
  tenantId: string;
  sourceType: SourceType;
  inputSourceId: string | null;
  /** The blank rule's thresholds, or null where it does not apply (it is Zoom's). */
  blank: { minDurationSec: number; minSizeBytes: number } | null;
  /** Status of a new row no template takes: SKIPPED for sync, INITIALIZED when asked for explicitly. */
  unmatchedStatus: RecordingStatus;
  /** Quota check of every new row (recordings of the month, storage); none admits all. */
  admission?: RecordingAdmission;
}

export function isBlank(item: RemoteRecording, blank: StoreOptions['blank']): boolean {
  if (!blank || item.processing) return false;
  return (item.durationSec !== null && item.durationSec < blank.minDurationSec) || (item.sizeBytes !== null && item.sizeBytes < blank.minSizeBytes);
}

export async function storeRemoteRecordings(db: TenantDb, matching: TemplateMatchingService, items: RemoteRecording[], options: StoreOptions): Promise<StoreResult> {
  const result: StoreResult = { found: items.length, created: 0, skippedDuplicates: 0, blank: 0, pending: 0, updated: 0, recordings: [] };
  const keys = [...new Set(items.flatMap((item) => [item.sourceKey, ...item.aliasKeys]))];
  const aliases = [...new Set(items.flatMap((item) => item.aliasKeys))];
  // A row is known by its key, or by a content alias it was stored with (a copy of a Drive file: new id, same md5).
  const byAlias = aliases.map((key) => ({ sourceMeta: { path: ['aliasKeys'], array_contains: [key] } }));
  const existing = keys.length ? await db.recording.findMany({ where: { sourceType: options.sourceType, OR: [{ sourceKey: { in: keys } }, ...byAlias] } }) : [];
  const byKey = new Map<string, Recording>();
  for (const row of existing) {
    for (const alias of storedAliases(row)) if (!byKey.has(alias)) byKey.set(alias, row);
  }
  for (const row of existing) byKey.set(row.sourceKey ?? '', row);

  for (const item of items) {
    const known = [item.sourceKey, ...item.aliasKeys].map((key) => byKey.get(key)).find((row) => row !== undefined);
    if (known) {
      const completed = known.status === 'PENDING_SOURCE' && !item.processing && known.deleteState === 'ACTIVE' ? await complete(db, matching, known, item, options) : null;
      if (completed) {
        result.updated += 1;
        if (completed.isBlank) result.blank += 1;
      } else result.skippedDuplicates += 1;
      result.recordings.push(completed ?? known);
      continue;
    }
    const row = await create(db, matching, item, options);
    if (!row) {
      // Another sync created it meanwhile.
      result.skippedDuplicates += 1;
      continue;
    }
    byKey.set(item.sourceKey, row);
    result.created += 1;
    if (row.isBlank) result.blank += 1;
    if (row.status === 'PENDING_SOURCE') result.pending += 1;
    result.recordings.push(row);
  }
  return result;
}

function storedAliases(row: Recording): string[] {
  const meta = row.sourceMeta;
  const stored = meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as { aliasKeys?: unknown }).aliasKeys : undefined;
  return Array.isArray(stored) ? stored.filter((key): key is string => typeof key === 'string') : [];
}

/** Template and status of a row whose file is (or is not yet) available. */
async function placement(db: TenantDb, matching: TemplateMatchingService, item: RemoteRecording, options: StoreOptions) {
  const blank = isBlank(item, options.blank);
  const template = blank ? null : await matching.findTemplateFor(db, { displayName: item.displayName, inputSourceId: options.inputSourceId, durationSec: item.durationSec });
  const status: RecordingStatus = item.processing ? 'PENDING_SOURCE' : blank ? 'SKIPPED' : template ? 'INITIALIZED' : options.unmatchedStatus;
  return { isBlank: blank, templateId: template?.id ?? null, isMapped: template !== null, status };
}

async function create(db: TenantDb, matching: TemplateMatchingService, item: RemoteRecording, options: StoreOptions): Promise<Recording | null> {
  const place = await placement(db, matching, item, options);
  const data: Prisma.RecordingUncheckedCreateInput = {
    tenantId: options.tenantId,
    inputSourceId: options.inputSourceId,
    displayName: item.displayName.slice(0, 500),
    startTime: item.startTime,
    sourceType: options.sourceType,
    sourceKey: item.sourceKey,
    sourceMeta: asJson({ ...item.meta, aliasKeys: item.aliasKeys }),
    durationSec: item.durationSec,
    sizeBytes: item.sizeBytes !== null ? BigInt(item.sizeBytes) : null,
    ...place,
  };
  const admission = options.admission ?? admitAll;
  const now = new Date();
  try {
    const period = usagePeriod(now);
    // Quota check, row and usage in one transaction under the tenant lock: a refused row leaves nothing.
    return await db.$transaction(async (tx) => {
      const { expireAt } = await admission.admitNewRecording(tx, options.tenantId, item.sizeBytes ?? 0, now);
      const row = await tx.recording.create({ data: { ...data, expireAt } });
      await addUsage(tx, options.tenantId, { recordings: 1 }, period);
      await tx.usageEvent.create({ data: { tenantId: options.tenantId, type: 'RECORDING_CREATED', recordingId: row.id } });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

async function complete(db: TenantDb, matching: TemplateMatchingService, row: Recording, item: RemoteRecording, options: StoreOptions): Promise<Recording> {
  const found = await placement(db, matching, item, { ...options, inputSourceId: row.inputSourceId });
  // A template bound meanwhile (rematch, by hand) stays.
  const place = row.isMapped && !found.isBlank ? { ...found, templateId: row.templateId, isMapped: true, status: 'INITIALIZED' as const } : found;
  return db.recording.update({
    where: { id: row.id },
    data: {
      ...place,
      sourceMeta: asJson({ ...item.meta, aliasKeys: item.aliasKeys }),
      durationSec: item.durationSec,
      sizeBytes: item.sizeBytes !== null ? BigInt(item.sizeBytes) : null,
    },
  });
}
