import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../policy/policy-test.fixture.js';
import { loadLinkKeyRing } from './link-key-ring.js';

describe('loadLinkKeyRing', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps an ephemeral ring in memory without a file', async () => {
    const ring = await loadLinkKeyRing(undefined, silentLogger());
    expect(ring.ids).toHaveLength(1);
  });

  it('creates a missing file (mode 0600, in a new directory) and loads the same ring next time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-keys-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'link-keys.json');
    const created = await loadLinkKeyRing(file, silentLogger());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const loaded = await loadLinkKeyRing(file, silentLogger());
    expect(loaded.active.id).toBe(created.active.id);
    expect(loaded.active.secret.equals(created.active.secret)).toBe(true);
    expect(JSON.stringify(loaded)).not.toContain(created.active.secret.toString('base64'));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ activeKeyId: created.active.id });
  });
});
