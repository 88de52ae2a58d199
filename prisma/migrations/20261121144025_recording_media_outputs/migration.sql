-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "edl" JSONB,
ADD COLUMN     "posterFileKey" TEXT;
