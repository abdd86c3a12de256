import { expectOperands, flagOption, stringOption } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import { resolveFile, resolveFileId } from '../files/resolve-file.js';
import { normalizeFolder, parseMoveTarget } from '../files/remote-path.js';
import { formatBytes, formatTable, formatTimestamp, remotePath } from '../output/format.js';
import type { File as RemoteFile, ListFilesQuery } from '@coffer/sdk';
import { result, type CommandSpec } from './command-spec.js';

export const lsCommand: CommandSpec = {
  name: 'ls',
  summary: 'List files (all folders, or one)',
  usage: 'ls [folder] [--shared] [--trashed] [--long] [--type TYPE] [--sort name|size|updatedAt] [--desc]',
  description: 'Without a folder, lists every file of yours in every folder. --shared lists the files others shared with you instead.',
  options: {
    shared: { type: 'boolean' },
    trashed: { type: 'boolean' },
    long: { type: 'boolean', short: 'l' },
    type: { type: 'string' },
    sort: { type: 'string' },
    desc: { type: 'boolean' },
  },
  optionHelp: [
    ['--shared', 'files other users shared with you'],
    ['--trashed', 'your trash'],
    ['-l, --long', 'id, size, version, time and SHA-256 of each file'],
    ['--type TYPE', 'only this detected type (image/png) or family (image/*)'],
    ['--sort KEY', 'name (default), size or updatedAt'],
    ['--desc', 'reverse the order'],
  ],
  examples: ['coffer ls', 'coffer ls /docs --long', 'coffer ls --shared --json', 'coffer ls --trashed'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 0, 1, lsCommand.usage);
    if (flagOption(options, 'shared') && flagOption(options, 'trashed')) throw usageError('--shared and --trashed cannot be combined (the trash holds only your files)');
    const sort = stringOption(options, 'sort');
    if (sort !== undefined && sort !== 'name' && sort !== 'size' && sort !== 'updatedAt') throw usageError(`--sort takes name, size or updatedAt, not "${sort}"`);
    const type = stringOption(options, 'type');
    const folder = operands[0] === undefined ? undefined : normalizeFolder(operands[0]);
    const query: ListFilesQuery = {
      scope: flagOption(options, 'shared') ? 'shared' : 'owned',
      ...(folder === undefined ? {} : { folder }),
      ...(flagOption(options, 'trashed') ? { trashed: true } : {}),
      ...(type === undefined ? {} : { type }),
      ...(sort === undefined ? {} : { sort }),
      ...(flagOption(options, 'desc') ? { order: 'desc' as const } : {}),
    };
    const files: RemoteFile[] = [];
    for await (const file of context.signedInClient().files.list(query)) files.push(file);
    return result({ files }, formatFiles(files, flagOption(options, 'long'), flagOption(options, 'shared')));
  },
};

function formatFiles(files: readonly RemoteFile[], long: boolean, shared: boolean): string {
  if (files.length === 0) return 'no files';
  if (!long) return files.map((file) => remotePath(file.folder, file.name)).join('\n');
  const header = ['ID', 'SIZE', 'VER', 'UPDATED', 'SHA-256', ...(shared ? ['OWNER'] : []), 'PATH'];
  const rows = files.map((file) => [
    file.id,
    formatBytes(file.size),
    String(file.version),
    formatTimestamp(file.deletedAt ?? file.updatedAt),
    file.sha256.slice(0, 12),
    ...(shared ? [file.ownerId] : []),
    remotePath(file.folder, file.name),
  ]);
  return formatTable(header, rows);
}

export const mvCommand: CommandSpec = {
  name: 'mv',
  summary: 'Rename or move a file',
  usage: 'mv <file-id|folder/name> <new-name|/folder/|/folder/new-name>',
  description: 'A bare name renames in place; a path ending in / moves keeping the name; a full path moves and renames.',
  options: {},
  optionHelp: [],
  examples: ['coffer mv /docs/draft.txt final.txt', 'coffer mv /docs/final.txt /archive/', 'coffer mv /docs/a.txt /archive/2026/b.txt'],
  run: async (context, { operands }) => {
    expectOperands(operands, 2, 2, mvCommand.usage);
    const client = context.signedInClient();
    const file = await resolveFile(client, operands[0] ?? '');
    const target = parseMoveTarget(operands[1] ?? '');
    const change = {
      ...(target.folder !== undefined && target.folder !== file.folder ? { folder: target.folder } : {}),
      ...(target.name !== undefined && target.name !== file.name ? { name: target.name } : {}),
    };
    if (Object.keys(change).length === 0) return result({ file, changed: false }, `${remotePath(file.folder, file.name)} is already there`);
    // If-Match on the current digest: a concurrent change to the file answers 412 (exit 6) instead of being overwritten.
    const moved = await client.files.update(file.id, change, { ifMatch: `"${file.sha256}"` });
    return result({ file: moved, changed: true }, `${remotePath(file.folder, file.name)} → ${remotePath(moved.folder, moved.name)}`);
  },
};

export const rmCommand: CommandSpec = {
  name: 'rm',
  summary: 'Move a file to the trash (or delete it for good)',
  usage: 'rm <file-id|folder/name> [--purge]',
  options: { purge: { type: 'boolean' } },
  optionHelp: [['--purge', 'delete the file and every version for good (no restore)']],
  examples: ['coffer rm /docs/old.txt', 'coffer rm 0b6f…-id --purge'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, rmCommand.usage);
    const client = context.signedInClient();
    const purge = flagOption(options, 'purge');
    const fileId = await resolveFileId(client, operands[0] ?? '', { ownedOnly: true });
    await client.files.delete(fileId, { purge });
    return result({ id: fileId, trashed: !purge, purged: purge }, purge ? `deleted ${operands[0]} for good` : `moved ${operands[0]} to the trash (coffer restore ${fileId})`);
  },
};

export const restoreCommand: CommandSpec = {
  name: 'restore',
  summary: 'Take a file out of the trash',
  usage: 'restore <file-id|folder/name>',
  options: {},
  optionHelp: [],
  examples: ['coffer restore /docs/old.txt', 'coffer ls --trashed --long && coffer restore 0b6f…-id'],
  run: async (context, { operands }) => {
    expectOperands(operands, 1, 1, restoreCommand.usage);
    const client = context.signedInClient();
    const fileId = await resolveFileId(client, operands[0] ?? '', { trashed: true });
    const file = await client.files.restore(fileId);
    return result({ file }, `restored ${remotePath(file.folder, file.name)} (${file.id})`);
  },
};
