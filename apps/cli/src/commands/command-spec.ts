import type { OptionSpecs, OptionValues } from '../cli-args.js';
import type { CommandContext } from '../command-context.js';
import type { ExitCode } from '../exit-codes.js';

/** A command's options and operands after parsing. */
export interface CommandInput {
  readonly options: OptionValues;
  readonly operands: readonly string[];
}

/**
 * What a command produced: `json` is printed as one document with --json, `human` otherwise.
 * A command that already streamed its output (audit --follow) returns `streamed: true`.
 */
export interface CommandResult {
  readonly json: unknown;
  readonly human: string;
  /** Non-zero when the command partly failed (put with some files refused). */
  readonly exitCode?: ExitCode | undefined;
  readonly streamed?: boolean | undefined;
}

/** One command (`put`) or subcommand (`webhooks add`): its help and what it runs. */
export interface CommandSpec {
  /** One word, or a group and a subcommand separated by a space. */
  readonly name: string;
  readonly summary: string;
  /** The synopsis after `coffer `, e.g. `put <path...> [--folder FOLDER]`. */
  readonly usage: string;
  readonly description?: string;
  readonly options: OptionSpecs;
  /** [flag, explanation] rows for `coffer <cmd> --help`. */
  readonly optionHelp: readonly (readonly [string, string])[];
  readonly examples: readonly string[];
  run(context: CommandContext, input: CommandInput): Promise<CommandResult>;
}

/** A result with the same text for people and a JSON document for machines. */
export function result(json: unknown, human: string): CommandResult {
  return { json, human };
}
