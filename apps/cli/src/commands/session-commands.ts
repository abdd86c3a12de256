import { expectOperands } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import { formatTable, formatTimestamp } from '../output/format.js';
import { result, type CommandSpec } from './command-spec.js';

export const sessionsLsCommand: CommandSpec = {
  name: 'sessions ls',
  summary: 'Your signed-in sessions (this one is marked *)',
  usage: 'sessions ls',
  options: {},
  optionHelp: [],
  examples: ['coffer sessions ls'],
  run: async (context, { operands }) => {
    expectOperands(operands, 0, 0, sessionsLsCommand.usage);
    const sessions = await context.signedInClient().auth.listSessions();
    const human =
      sessions.length === 0
        ? 'no sessions'
        : formatTable(
            ['', 'ID', 'CREATED', 'LAST SEEN', 'ADDRESS', 'CLIENT'],
            sessions.map((session) => [
              session.current ? '*' : '',
              session.id,
              formatTimestamp(session.createdAt),
              formatTimestamp(session.lastSeenAt),
              session.clientIp ?? '-',
              session.userAgent ?? '-',
            ]),
          );
    return result({ sessions }, human);
  },
};

export const sessionsRevokeCommand: CommandSpec = {
  name: 'sessions revoke',
  summary: 'Sign a session out (its tokens stop working at once)',
  usage: 'sessions revoke <session-id>',
  options: {},
  optionHelp: [],
  examples: ['coffer sessions revoke 3f1e…'],
  run: async (context, { operands }) => {
    expectOperands(operands, 1, 1, sessionsRevokeCommand.usage);
    const id = operands[0] ?? '';
    if (id === '' || id.length > 64) throw usageError(`"${id}" is not a session id (see \`coffer sessions ls\`)`);
    await context.signedInClient().auth.revokeSession(id);
    return result({ id, revoked: true }, `revoked session ${id}`);
  },
};

export const SESSION_COMMANDS: readonly CommandSpec[] = [sessionsLsCommand, sessionsRevokeCommand];
