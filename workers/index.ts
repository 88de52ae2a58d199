// The worker process: same codebase as the API, started separately (and scaled separately).
import { config } from '../src/config.js';
import { JobQueues } from '../src/jobs/queues.js';
import { startWorkers } from '../src/jobs/worker-runtime.js';
import { prisma } from '../src/lib/db.js';
import { logger } from '../src/lib/logger.js';
import { startMetricsServer } from '../src/lib/metrics.js';
import { createRedis } from '../src/lib/redis.js';
import { createServices } from '../src/services.js';

const redis = createRedis();
const services = createServices({ prisma, redis });
const runtime = await startWorkers({ prisma, services });
const queues = new JobQueues();
await queues.installSchedules();
// Automation jobs changed while no worker ran (or Redis lost its keys) get their schedulers back.
await services.automationSchedulers.reconcile(prisma);
const metrics = await startMetricsServer(config.metrics.workerPort, config.metrics.workerHost);
logger.info({ queues: runtime.workers.map((w) => w.name), metricsPort: metrics.port }, 'workers ready');

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'workers shutting down');
  await runtime.close();
  metrics.server.close();
  await queues.close();
  await services.close();
  redis.disconnect();
  await prisma.$disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
