import { startApp } from './app.js';
import { prisma } from './lib/db.js';
import { logger } from './lib/logger.js';
import { createRedis } from './lib/redis.js';
import { createServices } from './services.js';

const redis = createRedis();
const services = createServices({ prisma, redis });
const app = await startApp({ prisma, redis, services });
logger.info({ url: app.url, ws: app.wsUrl }, 'LEAP API listening');

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await app.close();
  await services.close();
  redis.disconnect();
  await prisma.$disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
