import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { config } from '../../config.js';

// AES-256-GCM with a versioned key ring (SPEC §4). A sealed secret is iv (12) ‖ tag (16) ‖ data;
// the key version is stored beside it. Callers pass additional authenticated data naming the row,
// so a ciphertext copied into another row (tenant, platform or id) no longer opens.

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/** The ciphertext did not open: wrong key, unknown version, tampered bytes or another row's AAD. */
export class SealBrokenError extends Error {
  constructor() {
    super('credential secret cannot be decrypted');
    this.name = 'SealBrokenError';
  }
}

export interface Sealed {
  secret: Uint8Array<ArrayBuffer>;
  keyVersion: number;
}

export class KeyRing {
  readonly activeVersion: number;

  constructor(
    private readonly keys: ReadonlyMap<number, Buffer>,
    activeVersion?: number | null,
  ) {
    if (keys.size === 0) throw new KeyRingError('the credentials key ring is empty');
    for (const [version, key] of keys) {
      if (key.length !== KEY_BYTES) throw new KeyRingError(`credentials key ${version} must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.activeVersion = activeVersion ?? Math.max(...keys.keys());
    if (!keys.has(this.activeVersion)) throw new KeyRingError(`active credentials key version ${this.activeVersion} is not in the key ring`);
  }

  /** `1:<base64>,2:<base64>`. */
  static parse(spec: string, activeVersion?: number | null): KeyRing {
    const keys = new Map<number, Buffer>();
    for (const entry of spec.split(',').map((part) => part.trim()).filter(Boolean)) {
      const match = /^(\d+):(.+)$/.exec(entry);
      if (!match) throw new KeyRingError('CREDENTIALS_KEYS entries must look like "<version>:<base64 key>"');
      const version = Number(match[1]);
      if (version < 1 || keys.has(version)) throw new KeyRingError(`credentials key version ${version} is invalid or repeated`);
      keys.set(version, Buffer.from(match[2] ?? '', 'base64'));
    }
    return new KeyRing(keys, activeVersion);
  }

  /** Development/test only: version 1 derived from another secret, so a fresh checkout just works. */
  static derived(source: string): KeyRing {
    const key = Buffer.from(hkdfSync('sha256', source, 'leap-credentials-salt', 'leap credentials key v1', KEY_BYTES));
    return new KeyRing(new Map([[1, key]]), 1);
  }

  static fromConfig(settings = config.credentials): KeyRing {
    if (settings.keys) return KeyRing.parse(settings.keys, settings.activeKeyVersion);
    if (settings.derivedKeySource) return KeyRing.derived(settings.derivedKeySource);
    throw new KeyRingError('CREDENTIALS_KEYS is required');
  }

  hasVersion(version: number): boolean {
    return this.keys.has(version);
  }

  seal(plaintext: Buffer, aad: Buffer, version = this.activeVersion): Sealed {
    const key = this.keys.get(version);
    if (!key) throw new KeyRingError(`credentials key version ${version} is not in the key ring`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const secret = new Uint8Array(new ArrayBuffer(IV_BYTES + TAG_BYTES + data.length));
    secret.set(iv, 0);
    secret.set(cipher.getAuthTag(), IV_BYTES);
    secret.set(data, IV_BYTES + TAG_BYTES);
    return { secret, keyVersion: version };
  }

  open(sealed: { secret: Uint8Array; keyVersion: number }, aad: Buffer): Buffer {
    const key = this.keys.get(sealed.keyVersion);
    const bytes = Buffer.from(sealed.secret);
    if (!key || bytes.length < IV_BYTES + TAG_BYTES) throw new SealBrokenError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealBrokenError();
    }
  }
}

/** What a credential's ciphertext is bound to. */
export function credentialAad(row: { tenantId: string; platform: string; id: string }): Buffer {
  return Buffer.from(`leap:credential:v1\u0000${row.tenantId}\u0000${row.platform}\u0000${row.id}`, 'utf8');
}
