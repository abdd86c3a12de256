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
  // The server's name has no `/` or `\`, but never let it climb out of the target directory.
  const safeName = fileName.replace(/[/\\]/g, '_');
  if (operand === undefined) return resolve(safeName);
  const info = await stat(operand).catch(() => undefined);
  if (info?.isDirectory() || operand.endsWith('/')) return resolve(join(operand, safeName));
  return resolve(operand);
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
