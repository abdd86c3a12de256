import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CofferClient, File as RemoteFile } from '@coffer/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { getCommand, localFileName } from './get-command.js';

const FILE_ID = '0b6f2f5e-8d4c-4b1a-9c3e-2f1d0a9b8c7d';

function remoteFile(name: string): RemoteFile {
  return {
    id: FILE_ID,
    ownerId: '7a1c4e2b-1111-4222-8333-944455556666',
    name,
    folder: '/',
    size: 3,
    contentType: 'text/plain',
    sniffedContentType: 'text/plain',
    sha256: 'a'.repeat(64),
    version: 1,
    versionCount: 1,
    createdAt: '2026-11-26T00:00:00Z',
    updatedAt: '2026-11-26T00:00:00Z',
  };
}

/** Runs `coffer get <id> [destination]` against a server that answers with `serverName`; returns where the bytes would go. */
async function downloadPath(serverName: string, destination?: string): Promise<string> {
  const written: string[] = [];
  const client = {
    files: {
      get: () => Promise.resolve(remoteFile(serverName)),
      downloadTo: (_id: string, path: string) => {
        written.push(path);
        return Promise.resolve({ size: 3, sha256: 'a'.repeat(64), serverSha256: 'a'.repeat(64) });
      },
    },
  } as unknown as CofferClient;
  const context = {
    signedInClient: () => client,
    io: { stderr: { write: () => true } },
    signal: new AbortController().signal,
  } as unknown as CommandContext;
  await getCommand.run(context, { options: {}, operands: destination === undefined ? [FILE_ID] : [FILE_ID, destination] });
  expect(written).toHaveLength(1);
  return written[0] ?? '';
}

/** `path` is a file directly inside `directory` (not the directory itself, not its parent, not elsewhere). */
function expectDirectlyInside(directory: string, path: string): void {
  expect(isAbsolute(path)).toBe(true);
  expect(dirname(path)).toBe(resolve(directory));
  expect(['', '.', '..']).not.toContain(basename(path));
  expect(relative(resolve(directory), path)).toBe(basename(path));
}

describe('coffer get: the local name of a server-chosen file name (CLI-4)', () => {
  let target: string;
  beforeEach(() => {
    target = mkdtempSync(join(tmpdir(), 'coffer-cli-get-'));
  });
  afterEach(() => rmSync(target, { recursive: true, force: true }));

  it.each([
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['/abs/path', '_abs_path'],
    ['a/b', 'a_b'],
    ['..\\x', '.._x'],
    ['..\\..\\windows\\win.ini', '.._.._windows_win.ini'],
    ['C:\\Users\\x', 'C:_Users_x'],
    ['nul\u0000byte', 'nul_byte'],
    ['line\nbreak\r\tand\u001b[31mescape\u007f\u009b', 'line_break__and_[31mescape__'],
    ['...', '...'],
    ['report.pdf', 'report.pdf'],
    ['rapport d’activité 2026.pdf', 'rapport d’activité 2026.pdf'],
  ])('writes the server name %j as %j directly inside the target directory, never outside', async (serverName, expected) => {
    const path = await downloadPath(serverName, target);
    expect(path).toBe(join(target, expected));
    expectDirectlyInside(target, path);
    // The same name when no destination is given: directly inside the current directory.
    const here = await downloadPath(serverName);
    expect(here).toBe(resolve(expected));
    expectDirectlyInside(process.cwd(), here);
  });

  it.each(['', '.', '..'])('refuses the server name %j (it would name the directory or its parent) with a usage error', async (serverName) => {
    for (const destination of [target, `${target}/`, undefined]) {
      const refused = await downloadPath(serverName, destination).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CliError);
      expect(refused).toMatchObject({ exitCode: EXIT_CODES.usage, code: 'unsafe_file_name' });
      expect((refused as CliError).message).toContain('name the destination file');
    }
  });

  it('ignores the server name when the user names the destination file', async () => {
    expect(await downloadPath('../../etc/passwd', join(target, 'copy.txt'))).toBe(join(target, 'copy.txt'));
    expect(await downloadPath('..', join(target, 'copy.txt'))).toBe(join(target, 'copy.txt'));
  });

  it('never leaves separators, control characters or a bare dot name in localFileName', () => {
    for (let code = 0; code <= 0xa0; code += 1) {
      const name = localFileName(`a${String.fromCodePoint(code)}..${String.fromCodePoint(code)}/..`);
      expect(name).not.toMatch(/[/\\\p{Cc}]/u);
      expect(['', '.', '..']).not.toContain(name);
    }
  });
});
