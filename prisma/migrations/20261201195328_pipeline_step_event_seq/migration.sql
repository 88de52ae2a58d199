-- AlterTable
ALTER TABLE "PipelineStep" ADD COLUMN     "eventSeq" INTEGER NOT NULL DEFAULT 0;

-- At most one active run per recording: two concurrent starts cannot both win. Partial indexes are
-- not expressible in schema.prisma, and the datamodel diff never sees this one, so it is kept.
CREATE UNIQUE INDEX "PipelineRun_one_active_per_recording"
  ON "PipelineRun" ("recordingId") WHERE "status" IN ('QUEUED', 'RUNNING', 'PAUSED');
