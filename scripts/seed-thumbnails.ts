// Shared default thumbnails (rows without a tenant, files under shared/thumbnails/): a few plain
// 1280×720 PNGs drawn with ffmpeg, so no binaries live in the repository. Idempotent: a default that
// exists is kept unless --force.
//
//   npm run seed:thumbnails [-- --force]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prisma } from '../src/lib/db.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { createStorage } from '../src/modules/storage/storage.js';
import { ThumbnailsService } from '../src/modules/thumbnails/thumbnails.service.js';

const DEFAULTS: Array<{ name: string; color: string }> = [
  { name: 'default_lecture', color: '0x1f3a5f' },
  { name: 'default_seminar', color: '0x2e6b3f' },
  { name: 'default_webinar', color: '0x6b2e5f' },
];

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const service = new ThumbnailsService(prisma, createStorage());
  const dir = await mkdtemp(path.join(tmpdir(), 'leap-thumbnails-'));
  try {
    for (const { name, color } of DEFAULTS) {
      const exists = await prisma.thumbnail.findFirst({ where: { tenantId: null, name }, select: { id: true } });
      if (exists && !force) {
        console.log(`  = ${name} (kept)`);
        continue;
      }
      const file = path.join(dir, `${name}.png`);
      // A colour field with a lighter band, like a title card.
      const filter = `color=c=${color}:s=1280x720:d=1,drawbox=x=0:y=540:w=1280:h=120:color=white@0.25:t=fill`;
      await runFfmpeg(['-f', 'lavfi', '-i', filter, '-frames:v', '1', '-y', file]);
      const saved = await service.putShared(name, file);
      console.log(`  + ${name} → ${saved.storageKey} (${saved.sizeBytes} bytes)`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await prisma.$disconnect();
  }
}

await main();
