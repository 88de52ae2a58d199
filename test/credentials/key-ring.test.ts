import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialAad, KeyRing, KeyRingError, SealBrokenError } from '../../src/modules/credentials/key-ring.js';

const key = () => randomBytes(32).toString('base64');
const row = { tenantId: '7f6a2c1e-0000-4000-8000-000000000001', platform: 'YOUTUBE', id: '7f6a2c1e-0000-4000-8000-0000000000aa' };

describe('credentials key ring (AES-256-GCM)', () => {
  it('round-trips with the active key and stores iv ‖ tag ‖ data', () => {
    const ring = KeyRing.parse(`1:${key()},2:${key()}`);
    expect(ring.activeVersion).toBe(2);
    const plaintext = Buffer.from(JSON.stringify({ accessToken: 'ya29.secret' }));
    const sealed = ring.seal(plaintext, credentialAad(row));
    expect(sealed.keyVersion).toBe(2);
    expect(sealed.secret.length).toBe(12 + 16 + plaintext.length);
    expect(Buffer.from(sealed.secret).includes(plaintext)).toBe(false);
    expect(ring.open(sealed, credentialAad(row)).toString()).toBe(plaintext.toString());
    // A fresh IV every time: the same plaintext never gives the same ciphertext.
    expect(Buffer.from(ring.seal(plaintext, credentialAad(row)).secret).equals(Buffer.from(sealed.secret))).toBe(false);
  });

  it('refuses a wrong key, an unknown version, flipped bytes and another row’s AAD', () => {
    const ring = KeyRing.parse(`1:${key()}`);
    const other = KeyRing.parse(`1:${key()}`);
    const sealed = ring.seal(Buffer.from('secret'), credentialAad(row));
    expect(() => other.open(sealed, credentialAad(row))).toThrow(SealBrokenError);
    expect(() => ring.open({ ...sealed, keyVersion: 9 }, credentialAad(row))).toThrow(SealBrokenError);
    for (const index of [0, 13, sealed.secret.length - 1]) {
      const tampered = Buffer.from(sealed.secret);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(() => ring.open({ ...sealed, secret: tampered }, credentialAad(row))).toThrow(SealBrokenError);
    }
    for (const moved of [{ ...row, id: '7f6a2c1e-0000-4000-8000-0000000000bb' }, { ...row, tenantId: '7f6a2c1e-0000-4000-8000-000000000002' }, { ...row, platform: 'VK_VIDEO' }]) {
      expect(() => ring.open(sealed, credentialAad(moved))).toThrow(SealBrokenError);
    }
    expect(() => ring.open({ ...sealed, secret: sealed.secret.subarray(0, 20) }, credentialAad(row))).toThrow(SealBrokenError);
  });

  it('keeps old keys for reading while sealing with the active one', () => {
    const k1 = key();
    const old = KeyRing.parse(`1:${k1}`);
    const sealed = old.seal(Buffer.from('v1 secret'), credentialAad(row));
    const ring = KeyRing.parse(`1:${k1},2:${key()},3:${key()}`, 2);
    expect(ring.activeVersion).toBe(2);
    expect(ring.open(sealed, credentialAad(row)).toString()).toBe('v1 secret');
    expect(ring.seal(Buffer.from('x'), credentialAad(row)).keyVersion).toBe(2);
  });

  it('rejects malformed key rings', () => {
    expect(() => KeyRing.parse('')).toThrow(KeyRingError);
    expect(() => KeyRing.parse(`x:${key()}`)).toThrow(KeyRingError);
    expect(() => KeyRing.parse(`1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => KeyRing.parse(`1:${key()},1:${key()}`)).toThrow(/repeated/);
    expect(() => KeyRing.parse(`1:${key()}`, 2)).toThrow(/not in the key ring/);
  });

  it('derives a deterministic development key from another secret', () => {
    const a = KeyRing.derived('development-secret-long-enough-0123456789');
    const b = KeyRing.derived('development-secret-long-enough-0123456789');
    const sealed = a.seal(Buffer.from('dev'), credentialAad(row));
    expect(b.open(sealed, credentialAad(row)).toString()).toBe('dev');
    expect(() => KeyRing.derived('another-secret-long-enough-000000000000').open(sealed, credentialAad(row))).toThrow(SealBrokenError);
  });
});
