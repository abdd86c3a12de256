import { loginCommand, logoutCommand, signupCommand, whoamiCommand } from './auth-commands.js';
import { auditCommand } from './audit-command.js';
import type { CommandSpec } from './command-spec.js';
import { lsCommand, mvCommand, restoreCommand, rmCommand } from './file-commands.js';
import { getCommand } from './get-command.js';
import { PROFILE_COMMANDS } from './profile-commands.js';
import { putCommand } from './put-command.js';
import { SESSION_COMMANDS } from './session-commands.js';
import { linkCommand, shareCommand, sharesCommand, unshareCommand } from './share-commands.js';
import { WEBHOOK_COMMANDS } from './webhook-commands.js';

/** Every command, in the order `coffer help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  loginCommand,
  logoutCommand,
  whoamiCommand,
  signupCommand,
  putCommand,
  getCommand,
  lsCommand,
  mvCommand,
  rmCommand,
  restoreCommand,
  shareCommand,
  sharesCommand,
  unshareCommand,
  linkCommand,
  auditCommand,
  ...WEBHOOK_COMMANDS,
  ...SESSION_COMMANDS,
  ...PROFILE_COMMANDS,
];

/** What the leading words of a command line name. */
export type CommandLookup =
  | { readonly kind: 'command'; readonly spec: CommandSpec; readonly wordCount: number }
  | { readonly kind: 'group'; readonly group: string; readonly subcommands: readonly CommandSpec[]; readonly unknownSubcommand: string | undefined }
  | { readonly kind: 'unknown'; readonly word: string };

/** Finds `webhooks add` before `webhooks`, and says so when only the group matched. */
export function lookupCommand(words: readonly string[], commands: readonly CommandSpec[] = COMMANDS): CommandLookup {
  const [first = '', second] = words;
  const exact = commands.find((spec) => spec.name === (second === undefined ? first : `${first} ${second}`));
  if (exact !== undefined && second !== undefined) return { kind: 'command', spec: exact, wordCount: 2 };
  const single = commands.find((spec) => spec.name === first);
  if (single !== undefined) return { kind: 'command', spec: single, wordCount: 1 };
  const subcommands = commands.filter((spec) => spec.name.startsWith(`${first} `));
  if (subcommands.length > 0) return { kind: 'group', group: first, subcommands, unknownSubcommand: second };
  return { kind: 'unknown', word: first };
}
