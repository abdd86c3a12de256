import { commandWords, parseCommandLine } from './cli-args.js';
import { usageError } from './cli-error.js';
import { createCommandContext, type ClientFactory } from './command-context.js';
import { COMMANDS, lookupCommand } from './commands/command-registry.js';
import { commandHelp, exitCodesHelp, generalHelp, groupHelp } from './commands/help-text.js';
import { resolveConfigDir } from './config/config-dir.js';
import { ProfileStore } from './config/profile-store.js';
import { reportError } from './error-report.js';
import { EXIT_CODES } from './exit-codes.js';
import type { TerminalIo } from './terminal/terminal-io.js';

/** What one run of the CLI needs from the process; main.ts passes the real ones. */
export interface CliDependencies {
  readonly io: TerminalIo;
  readonly homeDir: string;
  readonly createClient: ClientFactory;
  readonly version: string;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/** Runs one command line; returns the exit code. Never throws: every failure becomes a report on stderr. */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<number> {
  const { io } = deps;
  const beforeSeparator = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const json = beforeSeparator.includes('--json');
  const debug = beforeSeparator.includes('--debug');
  const print = (text: string) => {
    if (text !== '') io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  try {
    const words = commandWords(argv);
    if (words[0] === 'help') return help(argv.filter((word) => word !== 'help'), deps, print);
    if (words.length === 0) {
      const { global } = parseCommandLine(argv, {}, 0);
      if (global.version) {
        print(global.json ? JSON.stringify({ version: deps.version }) : `coffer ${deps.version}`);
        return EXIT_CODES.ok;
      }
      if (global.help) {
        print(generalHelp(COMMANDS, deps.version));
        return EXIT_CODES.ok;
      }
      io.stderr.write(`${generalHelp(COMMANDS, deps.version)}\n`);
      return EXIT_CODES.usage;
    }
    const lookup = lookupCommand(words);
    switch (lookup.kind) {
      case 'unknown':
        throw usageError(`unknown command "${lookup.word}" (see \`coffer --help\`)`);
      case 'group': {
        if (lookup.unknownSubcommand !== undefined) throw usageError(`unknown command "${lookup.group} ${lookup.unknownSubcommand}" (see \`coffer ${lookup.group} --help\`)`);
        const text = groupHelp(lookup.group, lookup.subcommands);
        if (beforeSeparator.includes('--help') || beforeSeparator.includes('-h')) {
          print(text);
          return EXIT_CODES.ok;
        }
        io.stderr.write(`${text}\n`);
        return EXIT_CODES.usage;
      }
      case 'command': {
        const parsed = parseCommandLine(argv, lookup.spec.options, lookup.wordCount);
        if (parsed.global.help) {
          print(commandHelp(lookup.spec));
          return EXIT_CODES.ok;
        }
        if (parsed.global.version) {
          print(parsed.global.json ? JSON.stringify({ version: deps.version }) : `coffer ${deps.version}`);
          return EXIT_CODES.ok;
        }
        const context = createCommandContext({
          global: parsed.global,
          io,
          store: new ProfileStore(resolveConfigDir(io.env, deps.homeDir)),
          createClient: deps.createClient,
          version: deps.version,
          signal: deps.signal,
          now: deps.now,
        });
        const outcome = await lookup.spec.run(context, parsed);
        if (outcome.streamed !== true) print(parsed.global.json ? JSON.stringify(outcome.json, null, 2) : outcome.human);
        return outcome.exitCode ?? EXIT_CODES.ok;
      }
    }
  } catch (error) {
    const report = reportError(error);
    if (json) {
      io.stderr.write(`${JSON.stringify({ error: { code: report.code, message: report.message, exitCode: report.exitCode, status: report.status, requestId: report.requestId } })}\n`);
    } else {
      io.stderr.write(`coffer: ${report.message}\n`);
    }
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return report.exitCode;
  }
}

/** `coffer help`, `coffer help <command>`, `coffer help exit-codes`. */
function help(argv: readonly string[], deps: CliDependencies, print: (text: string) => void): number {
  const words = commandWords(argv);
  if (words.length === 0) {
    print(generalHelp(COMMANDS, deps.version));
    return EXIT_CODES.ok;
  }
  if (words[0] === 'exit-codes') {
    print(exitCodesHelp());
    return EXIT_CODES.ok;
  }
  const lookup = lookupCommand(words);
  switch (lookup.kind) {
    case 'command':
      print(commandHelp(lookup.spec));
      return EXIT_CODES.ok;
    case 'group':
      print(groupHelp(lookup.group, lookup.subcommands));
      return EXIT_CODES.ok;
    case 'unknown':
      throw usageError(`unknown command "${lookup.word}" (see \`coffer --help\`)`);
  }
}
