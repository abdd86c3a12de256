import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expectOperands, flagOption } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { resolveFile } from '../files/resolve-file.js';
import { formatBytes, remotePath } from '../output/format.js';
import { ProgressBar } from '../output/progress-bar.js';
import { result, type CommandSpec } from './command-spec.js';

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'Download a file (its SHA-256 is checked)',
  usage: 'get <file-id|folder/name> [destination] [--force]',
  description:
    'Writes to DESTINATION (a file, or a directory to put the file in; default the file name in the current directory). The bytes go to a temporary file that is renamed only once their SHA-256 matches the server\'s digest.',
  options: { force: { type: 'boolean', short: 'f' } },
  optionHelp: [['-f, --force', 'replace the destination if it exists']],
  examples: ['coffer get /docs/report.pdf', 'coffer get 0b6f…-id ~/Downloads/', 'coffer get docs/report.pdf ./copy.pdf --force'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 2, getCommand.usage);
    const client = context.signedInClient();
    const file = await resolveFile(client, operands[0] ?? '');
    const destination = await destinationPath(operands[1], file.name);
    if (!flagOption(options, 'force') && (await exists(destination))) {
      throw new CliError(`${destination} exists; use --force to replace it`, EXIT_CODES.conflict, 'destination_exists');
    }
    const stderr = context.io.stderr;
    const bar = stderr.isTTY === true ? new ProgressBar({ target: stderr, label: file.name, total: file.size }) : undefined;
    let downloaded;
    try {
      downloaded = await client.files.downloadTo(file.id, destination, {
        signal: context.signal,
        onProgress: ({ transferred }) => bar?.update(transferred),
      });
    } finally {
      bar?.finish();
    }
    return result(
      { file, path: destination, size: downloaded.size, sha256: downloaded.sha256, verified: downloaded.serverSha256 !== undefined && downloaded.serverSha256 === downloaded.sha256 },
      `downloaded ${remotePath(file.folder, file.name)} → ${destination} (${formatBytes(downloaded.size)}, sha256 ${downloaded.sha256})`,
    );
  },
};

/** The destination file: the operand, inside it when it is a directory, or the file name here. */
async function destinationPath(operand: string | undefined, fileName: string): Promise<string> {
  if (operand === undefined) return resolve(localFileName(fileName));
  const info = await stat(operand).catch(() => undefined);
  if (info?.isDirectory() || operand.endsWith('/')) return resolve(join(operand, localFileName(fileName)));
  // The user named the file: the server's name plays no part.
  return resolve(operand);
}

/**
 * The local name for a name the server chose, so that it can never leave the target directory
 * (threat CLI-4): `/` and `\` (a path on POSIX or Windows) and control characters (NUL, C0,
 * DEL, C1: they break file systems and terminals) become `_`; a name that would still mean the
 * directory itself or its parent (empty, `.`, `..`) is refused, the user names the file instead.
 * The server validates names already; this does not rely on it.
 */
export function localFileName(serverName: string): string {
  let safe = '';
  for (const character of serverName) {
    const code = character.codePointAt(0) ?? 0;
    const unsafe = character === '/' || character === '\\' || code < 0x20 || (code >= 0x7f && code <= 0x9f);
    safe += unsafe ? '_' : character;
  }
  if (safe === '' || safe === '.' || safe === '..') {
    throw new CliError(
      `the server's file name ${JSON.stringify(serverName)} cannot be used as a local file name; name the destination file: coffer get <file> <destination>`,
      EXIT_CODES.usage,
      'unsafe_file_name',
    );
  }
  return safe;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
