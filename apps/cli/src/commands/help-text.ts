import { EXIT_CODE_MEANINGS } from '../exit-codes.js';
import { formatTable } from '../output/format.js';
import type { CommandSpec } from './command-spec.js';

const GLOBAL_OPTIONS_HELP: readonly (readonly [string, string])[] = [
  ['--profile NAME', 'use this profile (or COFFER_PROFILE; default: the current profile, else "default")'],
  ['--server URL', 'talk to this server (or COFFER_SERVER; default: the profile\'s, else http://localhost:8080)'],
  ['--insecure-http', 'allow http:// to a server that is not loopback (or COFFER_ALLOW_INSECURE_HTTP=1): passwords and tokens go in clear'],
  ['--json', 'print one JSON document on stdout (errors: one JSON object on stderr)'],
  ['--debug', 'show stack traces of errors'],
  ['-h, --help', 'help for a command'],
  ['-V, --version', 'print the version'],
];

function optionLines(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
}

/** The exit code table (also in apps/cli/README.md). */
export function exitCodesHelp(): string {
  return `Exit codes:\n${EXIT_CODE_MEANINGS.map(({ code, meaning }) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')}`;
}

/** `coffer --help`. */
export function generalHelp(commands: readonly CommandSpec[], version: string): string {
  const rows = commands.map((spec) => [`  ${spec.name}`, spec.summary]);
  return [
    `coffer ${version}: the Coffer command-line client`,
    '',
    'Usage: coffer [--profile NAME] [--server URL] [--json] <command> [options] [arguments]',
    '',
    'Commands:',
    formatTable(['', ''], rows).split('\n').slice(1).join('\n'),
    '',
    'Global options:',
    optionLines(GLOBAL_OPTIONS_HELP),
    '',
    'Files are named by id or by path: /docs/report.pdf (docs/report.pdf is the same file).',
    'Profiles live in $COFFER_CONFIG_DIR, $XDG_CONFIG_HOME/coffer or ~/.config/coffer (config.json, mode 0600).',
    '',
    exitCodesHelp(),
    '',
    'Run `coffer <command> --help` for a command\'s options and examples.',
  ].join('\n');
}

/** `coffer <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: coffer ${spec.usage}`,
    '',
    spec.summary + (spec.description ? `.\n${spec.description}` : '.'),
    ...(spec.optionHelp.length > 0 ? ['', 'Options:', optionLines(spec.optionHelp)] : []),
    '',
    'Global options:',
    optionLines(GLOBAL_OPTIONS_HELP),
    ...(spec.examples.length > 0 ? ['', 'Examples:', ...spec.examples.map((example) => `  ${example}`)] : []),
  ].join('\n');
}

/** `coffer webhooks` (a group without a subcommand). */
export function groupHelp(group: string, subcommands: readonly CommandSpec[]): string {
  return [
    `Usage: coffer ${group} <${subcommands.map((spec) => spec.name.slice(group.length + 1)).join('|')}> …`,
    '',
    ...subcommands.map((spec) => `  coffer ${spec.usage}\n      ${spec.summary}`),
  ].join('\n');
}
