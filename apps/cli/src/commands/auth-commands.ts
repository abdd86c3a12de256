import { CofferApiError } from '@coffer/sdk';
import { expectOperands, flagOption, stringOption } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import { promptHidden, promptLine, readSecretFromStdin } from '../terminal/password-prompt.js';
import { result, type CommandSpec } from './command-spec.js';

/**
 * The password: from stdin with --password-stdin, else from a prompt that does not echo. Never
 * from an argument, where it would land in shell history and the process list.
 */
async function readPassword(context: CommandContext, fromStdin: boolean, prompt: string): Promise<string> {
  const password = fromStdin ? await readSecretFromStdin(context.io.stdin) : await promptHidden(context.io.stdin, context.io.stderr, prompt);
  if (password === '') throw usageError('the password is empty');
  return password;
}

async function readEmail(context: CommandContext, operand: string | undefined, fromStdin: boolean): Promise<string> {
  if (operand !== undefined) return operand;
  if (fromStdin) throw usageError('give the email as an argument when the password comes from stdin');
  const email = (await promptLine(context.io.stdin, context.io.stderr, 'Email: ')).trim();
  if (email === '') throw usageError('the email is empty');
  return email;
}

export const loginCommand: CommandSpec = {
  name: 'login',
  summary: 'Sign in and keep the session in the profile',
  usage: 'login [email] [--password-stdin]',
  description: 'Prompts for the password without echoing it, or reads it from stdin. The tokens are saved in the profile (config.json, mode 0600) and refreshed as needed.',
  options: { 'password-stdin': { type: 'boolean' } },
  optionHelp: [['--password-stdin', 'read the password from stdin (for scripts)']],
  examples: ['coffer login ada@example.com', 'printf %s "$COFFER_PASSWORD" | coffer --server https://coffer.example.com login ada@example.com --password-stdin'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 0, 1, loginCommand.usage);
    const fromStdin = flagOption(options, 'password-stdin');
    const email = await readEmail(context, operands[0], fromStdin);
    const password = await readPassword(context, fromStdin, `Password for ${email} on ${context.server}: `);
    const client = context.anonymousClient();
    await client.auth.login({ email, password });
    const user = await client.users.me();
    // The SDK saved the tokens through onTokens; add who they belong to.
    const stored = context.store.get(context.profileName);
    context.store.put(context.profileName, { ...stored, server: context.server, email: user.email, userId: user.id });
    if (context.store.load().currentProfile === undefined) context.store.setCurrent(context.profileName);
    return result(
      { profile: context.profileName, server: context.server, user },
      `Signed in to ${context.server} as ${user.email} (profile "${context.profileName}").`,
    );
  },
};

export const signupCommand: CommandSpec = {
  name: 'signup',
  summary: 'Create an account (then run `coffer login`)',
  usage: 'signup <email> [--name DISPLAY_NAME] [--password-stdin]',
  options: { name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  optionHelp: [
    ['--name NAME', 'display name (default: the part of the email before @)'],
    ['--password-stdin', 'read the password from stdin; at least 12 characters, not a common one'],
  ],
  examples: ['coffer signup ada@example.com --name "Ada Lovelace"'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, signupCommand.usage);
    const email = operands[0] ?? '';
    const password = await readPassword(context, flagOption(options, 'password-stdin'), `New password for ${email}: `);
    const displayName = stringOption(options, 'name') ?? email.split('@')[0] ?? email;
    const user = await context.anonymousClient().auth.signUp({ email, displayName, password });
    return result({ server: context.server, user }, `Created ${user.email} (${user.id}) on ${context.server}. Sign in with: coffer login ${user.email}`);
  },
};

export const logoutCommand: CommandSpec = {
  name: 'logout',
  summary: 'End the session and forget its tokens',
  usage: 'logout [--everywhere]',
  options: { everywhere: { type: 'boolean' } },
  optionHelp: [['--everywhere', 'end every session of this account, on every device']],
  examples: ['coffer logout', 'coffer --profile work logout --everywhere'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 0, 0, logoutCommand.usage);
    const profile = context.profile;
    if (profile?.tokens === undefined) return result({ profile: context.profileName, signedOut: true, wasSignedIn: false }, `Not signed in (profile "${context.profileName}").`);
    const client = context.signedInClient();
    try {
      if (flagOption(options, 'everywhere')) await client.auth.logoutEverywhere();
      else await client.auth.logout();
    } catch (error) {
      // A session that already ended (revoked elsewhere, expired) is signed out all the same.
      if (!(error instanceof CofferApiError && error.status === 401)) throw error;
    }
    context.store.update(context.profileName, (stored) => ({ ...stored, tokens: undefined }));
    return result({ profile: context.profileName, signedOut: true, wasSignedIn: true }, `Signed out of ${context.server} (profile "${context.profileName}").`);
  },
};

export const whoamiCommand: CommandSpec = {
  name: 'whoami',
  summary: 'Show who the profile is signed in as',
  usage: 'whoami',
  options: {},
  optionHelp: [],
  examples: ['coffer whoami', 'coffer --profile work whoami --json'],
  run: async (context, { operands }) => {
    expectOperands(operands, 0, 0, whoamiCommand.usage);
    const user = await context.signedInClient().users.me();
    return result(
      { profile: context.profileName, server: context.server, user },
      `${user.email} (${user.displayName}, id ${user.id})${user.admin ? ' [admin]' : ''}\nserver ${context.server}, profile "${context.profileName}"`,
    );
  },
};
