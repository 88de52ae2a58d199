import type { Redis } from 'ioredis';
import type { PrismaClient } from './generated/prisma/client.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle, type LoginThrottleLimits } from './modules/auth/login-throttle.js';
import { createStorage, type StorageBackend } from './modules/storage/storage.js';
import { TenantsService } from './modules/tenants/tenants.service.js';

/** The services shared by the API and the workers, wired once per process. */
export interface Services {
  auth: AuthService;
  tenants: TenantsService;
  storage: StorageBackend;
}

export interface ServiceDeps {
  prisma: PrismaClient;
  redis: Redis;
  /** Defaults to the configured login throttling. */
  loginThrottle?: LoginThrottleLimits;
}

export function createServices(deps: ServiceDeps): Services {
  const storage = createStorage();
  return {
    auth: new AuthService(deps.prisma, new LoginThrottle(deps.redis, deps.loginThrottle), storage),
    tenants: new TenantsService(deps.prisma),
    storage,
  };
}
