import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planUploads } from './local-upload-plan.js';

describe('planUploads', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'coffer-cli-plan-'));
    mkdirSync(join(root, 'photos', '2026', 'summer'), { recursive: true });
    writeFileSync(join(root, 'photos', 'a.jpg'), 'aaa');
    writeFileSync(join(root, 'photos', '2026', 'b.jpg'), 'bb');
    writeFileSync(join(root, 'photos', '2026', 'summer', 'c.jpg'), 'c');
    writeFileSync(join(root, 'notes.txt'), 'hello');
    symlinkSync(join(root, 'notes.txt'), join(root, 'photos', 'link.txt'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uploads a file into the folder under its own name', async () => {
    expect(await planUploads([join(root, 'notes.txt')], 'docs/')).toEqual([{ localPath: join(root, 'notes.txt'), folder: '/docs', name: 'notes.txt', size: 5 }]);
  });

  it('uploads a directory recursively under its own name, following symbolic links', async () => {
    const planned = await planUploads([join(root, 'photos')], '/backup');
    expect(planned.map((upload) => `${upload.folder}|${upload.name}|${upload.size}`)).toEqual([
      '/backup/photos|a.jpg|3',
      '/backup/photos|link.txt|5',
      '/backup/photos/2026|b.jpg|2',
      '/backup/photos/2026/summer|c.jpg|1',
    ]);
  });

  it('refuses a missing path and two files with the same destination', async () => {
    await expect(planUploads([join(root, 'missing')], '/')).rejects.toThrow(/no such file or directory/);
    await expect(planUploads([join(root, 'notes.txt'), join(root, 'notes.txt')], '/')).rejects.toThrow(/both be uploaded as \/notes.txt/);
  });
});
