-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "suspendReason" TEXT,
ADD COLUMN     "suspendedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Plan" ADD COLUMN     "retentionDays" INTEGER;

-- CreateIndex
CREATE INDEX "Recording_deleteState_hardDeleteAt_idx" ON "Recording"("deleteState", "hardDeleteAt");
