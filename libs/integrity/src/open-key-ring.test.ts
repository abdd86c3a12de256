import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@coffer/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { openKeyRing } from './open-key-ring.js';

const lines: string[] = [];
const logger = createLogger({ service: 'key-ring-test', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) });
const dirs: string[] = [];

afterEach(async () => {
  lines.length = 0;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('openKeyRing', () => {
  it('creates a missing file with one key (owner-only), then loads the same ring from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-ring-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'keys.json');
    const created = await openKeyRing(file, 'test ring', logger);
    expect((await stat(file)).mode & 0o077).toBe(0);
    const loaded = await openKeyRing(file, 'test ring', logger);
    expect(loaded.active.id).toBe(created.active.id);
    expect(loaded.active.secret.equals(created.active.secret)).toBe(true);
    const secretBase64 = created.active.secret.toString('base64');
    expect(await readFile(file, 'utf8')).toContain(created.active.id);
    expect(lines.join('')).toContain('created a new key ring file');
    expect(lines.join('')).not.toContain(secretBase64);
  });

  it('without a file, gives an ephemeral ring and warns', async () => {
    const first = await openKeyRing(undefined, 'test ring', logger);
    const second = await openKeyRing(undefined, 'test ring', logger);
    expect(first.active.secret.equals(second.active.secret)).toBe(false);
    expect(lines.join('')).toContain('development only');
  });
});
