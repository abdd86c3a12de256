import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@coffer/platform';
import { loadSigningKeyRing } from './signing-key-file.js';

const logger = createLogger({ service: 'auth', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const TTL_MS = 15 * 60_000;

/** Permission bits only (owner/group/other), as `ls -l` shows them. */
function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Threat AUTH-9: the token-signing key must be readable by the auth user only. */
describe('signing keys file', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'coffer-signing-keys-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it.skipIf(process.platform === 'win32')('creates a missing keys file with mode 0600 in a new folder with mode 0700', async () => {
    const folder = join(root, 'secrets', 'auth');
    const file = join(folder, 'signing-keys.json');
    const ring = await loadSigningKeyRing(file, TTL_MS, logger);
    expect(modeOf(file).toString(8)).toBe('600');
    expect(modeOf(folder).toString(8)).toBe('700');
    expect(modeOf(join(root, 'secrets')).toString(8)).toBe('700');
    // What it wrote is what it signs with: the private key is in the file, under the ring's kid.
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { kid: string }[];
    expect(stored).toHaveLength(1);
    expect(ring.jwks().keys.map((key) => key.kid)).toEqual([stored[0]?.kid]);
  });

  it('reads the keys it created on the next start instead of making new ones', async () => {
    const file = join(root, 'keys', 'signing-keys.json');
    const first = await loadSigningKeyRing(file, TTL_MS, logger);
    const before = readFileSync(file, 'utf8');
    const second = await loadSigningKeyRing(file, TTL_MS, logger);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(second.jwks()).toEqual(first.jwks());
  });
});
