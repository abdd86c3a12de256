import { CofferApiError, type CofferClient } from '@coffer/sdk';
import { expectOperands, flagOption, stringOption } from '../cli-args.js';
import { notFoundError, usageError } from '../cli-error.js';
import { resolveFile, resolveFileId } from '../files/resolve-file.js';
import { isUuid } from '../files/remote-path.js';
import { formatTable, formatTimestamp, remotePath } from '../output/format.js';
import { parseExpiresAt, parseExpiresInSeconds } from '../time-input.js';
import { result, type CommandSpec } from './command-spec.js';

/** A user argument: a user id, or an email (looked up, which only administrators may do). */
export function parseUserArgument(text: string): { readonly userId: string } | { readonly email: string } {
  if (isUuid(text)) return { userId: text.toLowerCase() };
  if (/^[^@\s]+@[^@\s]+$/.test(text)) return { email: text };
  throw usageError(`"${text}" is neither a user id nor an email`);
}

/**
 * The user id of a share's grantee. Only administrators may list users, so for everyone else an
 * email cannot be resolved: the other user finds their id with `coffer whoami`.
 */
async function resolveUserId(client: CofferClient, text: string): Promise<string> {
  const user = parseUserArgument(text);
  if ('userId' in user) return user.userId;
  const wanted = user.email.toLowerCase();
  try {
    for await (const candidate of client.users.list()) if (candidate.email.toLowerCase() === wanted) return candidate.id;
  } catch (error) {
    if (error instanceof CofferApiError && error.status === 403) {
      throw usageError(`only administrators can look users up by email; give ${user.email}'s user id (they see it with \`coffer whoami\`)`);
    }
    throw error;
  }
  throw notFoundError(`no user has the email ${user.email}`);
}

export const shareCommand: CommandSpec = {
  name: 'share',
  summary: 'Share a file with another user',
  description: 'Name the user by id (they see it with `coffer whoami`); an email works only for administrators, who may look users up.',
  usage: 'share <file-id|folder/name> <user-id|email> [--write] [--expires WHEN]',
  options: { write: { type: 'boolean' }, expires: { type: 'string' } },
  optionHelp: [
    ['--write', 'let them change the file too (default: read only)'],
    ['--expires WHEN', 'end the share after a duration (12h, 7d) or at a time (2026-12-31T18:00:00Z)'],
  ],
  examples: ['coffer share /docs/plan.pdf 2c9a…-user-id', 'coffer share /docs/plan.pdf 2c9a…-user-id --write --expires 7d'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 2, 2, shareCommand.usage);
    const expires = stringOption(options, 'expires');
    const expiresAt = expires === undefined ? undefined : parseExpiresAt(expires, context.now());
    const client = context.signedInClient();
    const granteeId = await resolveUserId(client, operands[1] ?? '');
    const file = await resolveFile(client, operands[0] ?? '', { ownedOnly: true });
    const share = await client.shares.create(file.id, {
      granteeId,
      permission: flagOption(options, 'write') ? 'read-write' : 'read',
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    return result(
      { share, file },
      `shared ${remotePath(file.folder, file.name)} with ${granteeId} (${share.permission}${share.expiresAt ? ` until ${formatTimestamp(share.expiresAt)}` : ''}); share id ${share.id}`,
    );
  },
};

export const sharesCommand: CommandSpec = {
  name: 'shares',
  summary: "List a file's shares",
  usage: 'shares <file-id|folder/name>',
  options: {},
  optionHelp: [],
  examples: ['coffer shares /docs/plan.pdf'],
  run: async (context, { operands }) => {
    expectOperands(operands, 1, 1, sharesCommand.usage);
    const client = context.signedInClient();
    const fileId = await resolveFileId(client, operands[0] ?? '', { ownedOnly: true });
    const shares = await client.shares.list(fileId);
    const human =
      shares.length === 0
        ? 'no shares'
        : formatTable(
            ['ID', 'USER', 'PERMISSION', 'EXPIRES'],
            shares.map((share) => [share.id, share.granteeId, share.permission, share.expiresAt ? formatTimestamp(share.expiresAt) : 'never']),
          );
    return result({ shares }, human);
  },
};

export const unshareCommand: CommandSpec = {
  name: 'unshare',
  summary: 'Revoke a share (by share id or by user id)',
  usage: 'unshare <file-id|folder/name> <share-id|user-id|email>',
  options: {},
  optionHelp: [],
  examples: ['coffer unshare /docs/plan.pdf 2c9a…-user-id'],
  run: async (context, { operands }) => {
    expectOperands(operands, 2, 2, unshareCommand.usage);
    const client = context.signedInClient();
    const target = operands[1] ?? '';
    // A share id, or the grantee's user id (or email, for administrators).
    const who = isUuid(target) ? target.toLowerCase() : await resolveUserId(client, target);
    const fileId = await resolveFileId(client, operands[0] ?? '', { ownedOnly: true });
    const matching = (await client.shares.list(fileId)).filter((share) => share.id === who || share.granteeId === who);
    if (matching.length === 0) throw notFoundError(`no share of ${operands[0]} has id or user ${who}`);
    for (const share of matching) await client.shares.revoke(fileId, share.id);
    return result({ revoked: matching.map((share) => share.id), fileId }, matching.map((share) => `revoked share ${share.id} (user ${share.granteeId})`).join('\n'));
  },
};

export const linkCommand: CommandSpec = {
  name: 'link',
  summary: 'Create a share link anyone can download with (prints the URL)',
  usage: 'link <file-id|folder/name> [--expires DURATION] [--version N]',
  description: 'The URL carries a signed token: whoever has it can download the file until it expires (default 7 days, at most 30).',
  options: { expires: { type: 'string' }, version: { type: 'string' } },
  optionHelp: [
    ['--expires DURATION', 'lifetime: 1m to 30d (default 7d), or a time'],
    ['--version N', 'pin the link to this version (default: whatever is current when used)'],
  ],
  examples: ['coffer link /docs/plan.pdf', 'coffer link /docs/plan.pdf --expires 1h --json'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, linkCommand.usage);
    const expires = stringOption(options, 'expires');
    const versionText = stringOption(options, 'version');
    const version = versionText === undefined ? undefined : Number(versionText);
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) throw usageError(`--version must be a whole number from 1, not "${versionText}"`);
    const expiresInSeconds = expires === undefined ? undefined : parseExpiresInSeconds(expires, context.now());
    const client = context.signedInClient();
    const fileId = await resolveFileId(client, operands[0] ?? '', { ownedOnly: true });
    const link = await client.links.create(fileId, {
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      ...(version === undefined ? {} : { version }),
    });
    const url = client.links.url(link.token);
    return result({ url, link }, url);
  },
};
