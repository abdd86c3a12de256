import { mkdtemp, readdir, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { describeObjectStoreContract, expectAppError, readAll } from '../test/object-store.contract.js';
import { FilesystemObjectStore } from './filesystem-object-store.js';

const parent = await mkdtemp(join(tmpdir(), 'coffer-object-store-'));
let count = 0;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

function rootOf(store: FilesystemObjectStore): string {
  const root = roots.get(store);
  if (root === undefined) throw new Error('store not opened by this file');
  return root;
}

const roots = new WeakMap<FilesystemObjectStore, string>();

async function openStore(): Promise<FilesystemObjectStore> {
  count += 1;
  const root = join(parent, `store-${count}`, 'objects');
  const store = new FilesystemObjectStore({ root });
  roots.set(store, root);
  await store.prepare();
  return store;
}

afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

describeObjectStoreContract('filesystem', {
  open: openStore,
  expectNoLeftovers: async (store) => {
    if (!(store instanceof FilesystemObjectStore)) throw new Error('not a filesystem store');
    const temps = (await filesUnder(rootOf(store))).filter((path) => path.includes('~tmp-'));
    expect(temps).toEqual([]);
  },
  cleanup: () => Promise.resolve(),
});

describe('FilesystemObjectStore on disk', () => {
  it('never touches anything outside its root, whatever the key', async () => {
    const store = await openStore();
    const root = rootOf(store);
    const outside = join(root, '..');
    await writeFile(join(outside, 'secret~obj'), 'secret');
    await writeFile(join(outside, 'secret'), 'secret');
    for (const key of ['../secret', '..', '../objects/../secret', '/tmp/secret', 'a/../../secret', './secret', '.']) {
      await expectAppError(store.get(key), 'invalid_argument');
      await expectAppError(store.put(key, Readable.from([Buffer.from('x')])), 'invalid_argument');
      await expectAppError(store.delete(key), 'invalid_argument');
    }
    expect((await readdir(outside)).sort()).toEqual(['objects', 'secret', 'secret~obj']);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('does not follow a symlink planted where an object should be', async () => {
    const store = await openStore();
    const root = rootOf(store);
    const target = join(root, '..', 'target');
    await writeFile(target, 'not yours');
    await symlink(target, join(root, 'link~obj'));
    await expect(store.get('link')).rejects.toMatchObject({ code: 'internal' });
  });

  it('lays out objects as files with a suffix no key can have, and prunes emptied folders', async () => {
    const store = await openStore();
    const root = rootOf(store);
    await store.put('a', Readable.from([Buffer.from('1')]));
    await store.put('a/b/c', Readable.from([Buffer.from('2')]));
    expect((await filesUnder(root)).map((path) => path.slice(root.length + 1)).sort()).toEqual(['a/b/c~obj', 'a~obj']);
    await store.delete('a/b/c');
    expect(await readdir(root)).toEqual(['a~obj']);
    expect((await readAll((await store.get('a')).body)).toString()).toBe('1');
  });

  it('ignores stray temp files in listings', async () => {
    const store = await openStore();
    const root = rootOf(store);
    await mkdir(join(root, 'x'), { recursive: true });
    await writeFile(join(root, 'x', 'y~tmp-0123'), 'partial');
    await writeFile(join(root, 'x', 'z~obj~obj'), 'odd');
    const keys: string[] = [];
    for await (const key of store.list()) keys.push(key);
    expect(keys).toEqual([]);
  });

  it('keeps serving the bytes a reader opened while the object is overwritten', async () => {
    const store = await openStore();
    await store.put('snap', Readable.from([Buffer.alloc(1024 * 1024, 1)]));
    const content = await store.get('snap');
    await store.put('snap', Readable.from([Buffer.alloc(10, 2)]));
    const bytes = await readAll(content.body);
    expect(bytes.equals(Buffer.alloc(1024 * 1024, 1))).toBe(true);
  });

  it('refuses a relative root', () => {
    expect(() => new FilesystemObjectStore({ root: 'relative/dir' })).toThrow(/absolute/);
  });

  it('is not ready when its root is missing', async () => {
    const store = new FilesystemObjectStore({ root: join(parent, 'never-created') });
    await expectAppError(store.checkReady(), 'unavailable');
  });
});
