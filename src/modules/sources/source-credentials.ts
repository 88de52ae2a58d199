import type { CredentialPlatform } from '../../generated/prisma/enums.js';
import { CredentialError } from '../../lib/errors.js';
import type { SourceAuth } from '../../platforms/source-adapter.js';

// The port through which ingest adapters get a platform account's token. The credentials vault
// (encrypted Credential rows, OAuth refresh) implements it; ingest never sees a secret, only tokens.

export interface SourceCredentials {
  /** Auth for the tenant's account `credentialId` of `platform`; CredentialError when it is unusable. */
  authFor(tenantId: string, credentialId: string, platform: CredentialPlatform): Promise<SourceAuth>;
}

/**
 * What the credentials vault offers. Plug it in with `vaultSourceCredentials(services.credentials)`
 * in src/services.ts: the single place where ingest is joined to the vault.
 */
export interface CredentialTokenVault {
  /** A valid access token of the account (refreshed by the vault before expiry). */
  accessToken(tenantId: string, credentialId: string): Promise<string>;
  /** A new access token after the provider refused the current one (the vault marks needsReauth on failure). */
  refreshAccessToken?(tenantId: string, credentialId: string): Promise<string>;
}

export function vaultSourceCredentials(vault: CredentialTokenVault): SourceCredentials {
  return {
    async authFor(tenantId, credentialId) {
      const refresh = vault.refreshAccessToken?.bind(vault);
      return {
        accessToken: () => vault.accessToken(tenantId, credentialId),
        ...(refresh ? { refresh: () => refresh(tenantId, credentialId) } : {}),
      };
    },
  };
}

/** Used until the vault is wired: sources that need an account cannot sync yet, and say so. */
export const vaultNotConnected: SourceCredentials = {
  async authFor(_tenantId, credentialId) {
    throw new CredentialError('Connected accounts are not available on this installation yet', credentialId);
  },
};
