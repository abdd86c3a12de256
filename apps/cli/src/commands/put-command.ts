import type { CofferClient, File as RemoteFile } from '@coffer/sdk';
import { expectOperands, integerOption, stringOption } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { reportError } from '../error-report.js';
import { sha256OfFile } from '../files/local-digest.js';
import { planUploads, type PlannedUpload } from '../files/local-upload-plan.js';
import { forEachInParallel } from '../files/parallel-queue.js';
import { decideUpload, indexByName, type RemoteEntry } from '../files/skip-by-digest.js';
import { formatBytes, remotePath } from '../output/format.js';
import { ProgressBar } from '../output/progress-bar.js';
import type { CommandResult, CommandSpec } from './command-spec.js';

/** One line of put's report. */
type PutOutcome =
  | { readonly status: 'uploaded'; readonly path: string; readonly localPath: string; readonly file: RemoteFile; readonly newVersion: boolean }
  | { readonly status: 'skipped'; readonly path: string; readonly localPath: string; readonly fileId: string; readonly sha256: string }
  | { readonly status: 'failed'; readonly path: string; readonly localPath: string; readonly error: { code: string; message: string; exitCode: ExitCode } };

export const putCommand: CommandSpec = {
  name: 'put',
  summary: 'Upload files and directories (skips what is already there)',
  usage: 'put <path...> [--folder FOLDER] [--parallel N]',
  description:
    'Directories are uploaded recursively into FOLDER/<directory name>/. A file whose SHA-256 equals the one already stored under the same folder and name is skipped; a different one becomes a new version.',
  options: { folder: { type: 'string' }, parallel: { type: 'string' } },
  optionHelp: [
    ['--folder FOLDER', 'remote folder to upload into (default /)'],
    ['--parallel N', 'uploads at a time, 1 to 32 (default 4)'],
  ],
  examples: ['coffer put report.pdf --folder /docs', 'coffer put photos/ --folder /backup --parallel 8'],
  run: (context, { options, operands }) => {
    expectOperands(operands, 1, undefined, putCommand.usage);
    return put(context, operands, stringOption(options, 'folder') ?? '/', integerOption(options, 'parallel', 4, 1, 32));
  },
};

async function put(context: CommandContext, paths: readonly string[], folder: string, parallel: number): Promise<CommandResult> {
  const client = context.signedInClient();
  const uploads = await planUploads(paths, folder);
  if (uploads.length === 0) throw usageError('nothing to upload: the directories are empty');

  const listings = new Map<string, Promise<Map<string, RemoteEntry>>>();
  const listingOf = (remoteFolder: string) => {
    let listing = listings.get(remoteFolder);
    if (listing === undefined) {
      listing = listFolder(client, remoteFolder);
      listings.set(remoteFolder, listing);
    }
    return listing;
  };

  const stderr = context.io.stderr;
  let total = uploads.reduce((sum, upload) => sum + upload.size, 0);
  const transferredByFile = new Map<number, number>();
  let done = 0;
  const bar = stderr.isTTY === true ? new ProgressBar({ target: stderr, label: progressLabel(0, uploads.length), total }) : undefined;
  const redraw = (force = false) => {
    if (bar === undefined) return;
    bar.label = progressLabel(done, uploads.length);
    bar.total = total;
    let transferred = 0;
    for (const bytes of transferredByFile.values()) transferred += bytes;
    bar.update(transferred, force);
  };

  const outcomes: PutOutcome[] = new Array<PutOutcome>(uploads.length);
  await forEachInParallel(uploads, parallel, async (upload, index) => {
    const outcome = await putOne(client, context, upload, listingOf, (transferred) => {
      transferredByFile.set(index, transferred);
      redraw();
    });
    outcomes[index] = outcome;
    if (outcome.status === 'skipped') total -= upload.size;
    if (outcome.status === 'uploaded') transferredByFile.set(index, upload.size);
    if (outcome.status === 'failed') {
      total -= upload.size;
      transferredByFile.delete(index);
      bar?.log(`failed: ${outcome.localPath} → ${outcome.path}: ${outcome.error.message}`);
    }
    done += 1;
    redraw(true);
  });
  bar?.finish();
  return putReport(outcomes);
}

async function putOne(
  client: CofferClient,
  context: CommandContext,
  upload: PlannedUpload,
  listingOf: (folder: string) => Promise<Map<string, RemoteEntry>>,
  onProgress: (transferred: number) => void,
): Promise<PutOutcome> {
  const path = remotePath(upload.folder, upload.name);
  try {
    const [sha256, listing] = await Promise.all([sha256OfFile(upload.localPath, context.signal), listingOf(upload.folder)]);
    const decision = decideUpload(sha256, listing.get(upload.name.normalize('NFC')));
    if (decision.action === 'skip') return { status: 'skipped', path, localPath: upload.localPath, fileId: decision.fileId, sha256 };
    const file = await client.files.upload(upload.localPath, {
      name: upload.name,
      folder: upload.folder,
      size: upload.size,
      signal: context.signal,
      onProgress: ({ transferred }) => onProgress(transferred),
    });
    return { status: 'uploaded', path, localPath: upload.localPath, file, newVersion: decision.existingFileId !== undefined };
  } catch (error) {
    if (context.signal.aborted) throw error;
    const report = reportError(error);
    return { status: 'failed', path, localPath: upload.localPath, error: { code: report.code, message: report.message, exitCode: report.exitCode } };
  }
}

/** The caller's own files directly in a folder, by name. */
async function listFolder(client: CofferClient, folder: string): Promise<Map<string, RemoteEntry>> {
  const entries: RemoteEntry[] = [];
  for await (const file of client.files.list({ folder, scope: 'owned' })) entries.push({ id: file.id, name: file.name, sha256: file.sha256 });
  return indexByName(entries);
}

function progressLabel(done: number, count: number): string {
  return `put ${done}/${count}`;
}

function putReport(outcomes: readonly PutOutcome[]): CommandResult {
  const uploaded = outcomes.filter((outcome) => outcome.status === 'uploaded');
  const skipped = outcomes.filter((outcome) => outcome.status === 'skipped');
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  const lines = outcomes.map((outcome) => {
    switch (outcome.status) {
      case 'uploaded':
        return `uploaded  ${outcome.path}  ${formatBytes(outcome.file.size)}  ${outcome.newVersion ? `version ${outcome.file.version}` : 'new'}  ${outcome.file.id}`;
      case 'skipped':
        return `skipped   ${outcome.path}  (same SHA-256 already stored)  ${outcome.fileId}`;
      case 'failed':
        return `failed    ${outcome.path}  ${outcome.error.message}`;
    }
  });
  lines.push(`${uploaded.length} uploaded, ${skipped.length} skipped, ${failed.length} failed`);
  const firstFailure = failed[0];
  return {
    json: {
      uploaded: uploaded.map((outcome) => ({ path: outcome.path, localPath: outcome.localPath, newVersion: outcome.newVersion, file: outcome.file })),
      skipped: skipped.map(({ path, localPath, fileId, sha256 }) => ({ path, localPath, fileId, sha256 })),
      failed: failed.map(({ path, localPath, error }) => ({ path, localPath, error })),
    },
    human: lines.join('\n'),
    exitCode: firstFailure === undefined ? EXIT_CODES.ok : firstFailure.error.exitCode,
  };
}
