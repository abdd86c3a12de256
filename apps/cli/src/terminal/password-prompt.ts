import { CliError, usageError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { InputStream, OutputStream } from './terminal-io.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = '\u007f';
const CTRL_H = '\b';

/**
 * Reads a line from a terminal in raw mode without echoing it (a password). Backspace edits,
 * Enter ends, Ctrl-C aborts (exit 130), Ctrl-D on an empty line aborts too.
 */
export function promptHidden(input: InputStream, output: OutputStream, prompt: string): Promise<string> {
  if (input.setRawMode === undefined || input.isTTY !== true) {
    return Promise.reject(usageError('no terminal to prompt on: pipe the password with --password-stdin'));
  }
  const setRawMode = input.setRawMode.bind(input);
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | undefined) => {
      input.off('data', onData);
      setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') return finish(undefined);
        if (character === CTRL_C || (character === CTRL_D && typed === '')) {
          return finish(new CliError('interrupted', EXIT_CODES.interrupted, 'interrupted'));
        }
        if (character === BACKSPACE || character === CTRL_H) typed = typed.slice(0, -1);
        else if (character >= ' ') typed += character;
      }
      return undefined;
    };
    setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/** Reads a visible line from a terminal (an email address). */
export function promptLine(input: InputStream, output: OutputStream, prompt: string): Promise<string> {
  if (input.isTTY !== true) return Promise.reject(usageError('no terminal to prompt on: give the value as an argument'));
  output.write(prompt);
  return new Promise((resolve) => {
    let typed = '';
    const onData = (chunk: Buffer | string) => {
      typed += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const end = typed.search(/\r?\n/);
      if (end < 0) return;
      input.off('data', onData);
      input.pause();
      resolve(typed.slice(0, end));
    };
    input.resume();
    input.on('data', onData);
  });
}

/**
 * Reads the password from stdin (`--password-stdin`): everything up to end of input, without
 * one trailing newline, so `echo "$PASSWORD" | coffer login …` and `< file` both work.
 */
export async function readSecretFromStdin(input: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  const text = Buffer.concat(chunks).toString('utf8');
  return text.replace(/\r?\n$/, '');
}
