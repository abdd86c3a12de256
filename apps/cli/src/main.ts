#!/usr/bin/env node
// The `coffer` command: wires the process (argv, streams, environment, Ctrl-C) to runCli.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { CofferClient } from '@coffer/sdk';
import { EXIT_CODES } from './exit-codes.js';
import { runCli } from './run-cli.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// The first Ctrl-C asks the running command to stop (put and get clean up their partial work);
// a second one exits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(EXIT_CODES.interrupted);
  interrupt.abort();
});
// `coffer ls | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_CODES.ok);
});

const exitCode = await runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  homeDir: homedir(),
  createClient: (options) => new CofferClient(options),
  version: packageJson.version,
  signal: interrupt.signal,
  now: Date.now,
});

// Exit once everything written has been flushed: idle keep-alive connections must not hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
