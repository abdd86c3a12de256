import { expectOperands } from '../cli-args.js';
import { notFoundError } from '../cli-error.js';
import { DEFAULT_PROFILE } from '../command-context.js';
import { formatTable } from '../output/format.js';
import { result, type CommandSpec } from './command-spec.js';

export const profilesLsCommand: CommandSpec = {
  name: 'profiles ls',
  summary: 'List profiles (servers and who is signed in; * is the current one)',
  usage: 'profiles ls',
  options: {},
  optionHelp: [],
  examples: ['coffer profiles ls'],
  run: (context, { operands }) => {
    expectOperands(operands, 0, 0, profilesLsCommand.usage);
    const config = context.store.load();
    const current = config.currentProfile ?? DEFAULT_PROFILE;
    // Never print tokens, not even with --json.
    const profiles = Object.entries(config.profiles).map(([name, profile]) => ({
      name,
      current: name === current,
      server: profile.server,
      email: profile.email,
      userId: profile.userId,
      signedIn: profile.tokens !== undefined,
    }));
    const human =
      profiles.length === 0
        ? `no profiles yet (${context.store.path}); run \`coffer login\``
        : formatTable(
            ['', 'PROFILE', 'SERVER', 'USER', 'SIGNED IN'],
            profiles.map((profile) => [profile.current ? '*' : '', profile.name, profile.server, profile.email ?? '-', profile.signedIn ? 'yes' : 'no']),
          );
    return Promise.resolve(result({ configFile: context.store.path, currentProfile: current, profiles }, human));
  },
};

export const profilesUseCommand: CommandSpec = {
  name: 'profiles use',
  summary: 'Make a profile the default',
  usage: 'profiles use <name>',
  options: {},
  optionHelp: [],
  examples: ['coffer profiles use work'],
  run: (context, { operands }) => {
    expectOperands(operands, 1, 1, profilesUseCommand.usage);
    const name = operands[0] ?? '';
    if (context.store.get(name) === undefined) throw notFoundError(`no profile "${name}" (see \`coffer profiles ls\`)`);
    context.store.setCurrent(name);
    return Promise.resolve(result({ currentProfile: name }, `now using profile "${name}"`));
  },
};

export const profilesRmCommand: CommandSpec = {
  name: 'profiles rm',
  summary: 'Forget a profile and its tokens (does not sign the session out; use logout first)',
  usage: 'profiles rm <name>',
  options: {},
  optionHelp: [],
  examples: ['coffer --profile old logout && coffer profiles rm old'],
  run: (context, { operands }) => {
    expectOperands(operands, 1, 1, profilesRmCommand.usage);
    const name = operands[0] ?? '';
    if (!context.store.remove(name)) throw notFoundError(`no profile "${name}" (see \`coffer profiles ls\`)`);
    return Promise.resolve(result({ removed: name }, `removed profile "${name}"`));
  },
};

export const PROFILE_COMMANDS: readonly CommandSpec[] = [profilesLsCommand, profilesUseCommand, profilesRmCommand];
