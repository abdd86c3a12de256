import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

/** The option declarations `node:util` parseArgs takes. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs returns for options: strings, booleans, or lists of strings (`multiple`). */
export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTION_SPECS = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  profile: { type: 'string' },
  server: { type: 'string' },
  'insecure-http': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies OptionSpecs;

/** The global options, typed. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly debug: boolean;
  readonly profile: string | undefined;
  readonly server: string | undefined;
  /** `--insecure-http`: allow `http://` to a host that is not loopback (credentials in clear). */
  readonly insecureHttp: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

/** The words that name the command (`put`, or `webhooks add`), before the command's own options are known. */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index += 1) {
    const token = argv[index] ?? '';
    if (token === '--') break;
    if (token.startsWith('-')) {
      // A global option that takes a value consumes the next token (unless given as --opt=value).
      if (words.length === 0 && (token === '--profile' || token === '--server')) index += 1;
      continue;
    }
    words.push(token);
  }
  return words;
}

/** The parsed command line of one command: global options, its own options, its operands. */
export interface ParsedCommandLine {
  readonly global: GlobalOptions;
  readonly options: OptionValues;
  readonly operands: readonly string[];
}

/**
 * Parses argv strictly against the global options plus a command's own. `wordCount` is how many
 * leading positionals name the command (1 for `put`, 2 for `webhooks add`, 0 for none).
 */
export function parseCommandLine(argv: readonly string[], commandOptions: OptionSpecs, wordCount: number): ParsedCommandLine {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: { ...commandOptions, ...GLOBAL_OPTION_SPECS }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(parseArgsMessage(error));
  }
  const values = parsed.values;
  const global: GlobalOptions = {
    json: values['json'] === true,
    debug: values['debug'] === true,
    profile: typeof values['profile'] === 'string' ? values['profile'] : undefined,
    server: typeof values['server'] === 'string' ? values['server'] : undefined,
    insecureHttp: values['insecure-http'] === true,
    help: values['help'] === true,
    version: values['version'] === true,
  };
  const options = Object.fromEntries(Object.entries(values).filter(([name]) => !(name in GLOBAL_OPTION_SPECS)));
  return { global, options, operands: parsed.positionals.slice(wordCount) };
}

/** parseArgs explains itself well, but with a Node error-code prefix and hints meant for programmers. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('. To specify')[0]?.replace(/^TypeError \[\w+\]: /, '') ?? message;
}

/** A string option, or undefined when absent. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean flag. */
export function flagOption(options: OptionValues, name: string): boolean {
  return options[name] === true;
}

/** A whole number option within [min, max], or the fallback when absent. */
export function integerOption(options: OptionValues, name: string, fallback: number, min: number, max: number): number {
  const text = stringOption(options, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** Checks how many operands a command got; `max` undefined means any number. */
export function expectOperands(operands: readonly string[], min: number, max: number | undefined, usage: string): void {
  if (operands.length < min) throw usageError(`missing argument; usage: ${usage}`);
  if (max !== undefined && operands.length > max) throw usageError(`too many arguments; usage: ${usage}`);
}
