import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { promptHidden, readSecretFromStdin } from './password-prompt.js';
import type { InputStream } from './terminal-io.js';

/** A terminal in raw mode: records setRawMode calls, emits what the test types. */
class FakeTty extends EventEmitter {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
    return this;
  }
  resume() {
    return this;
  }
  pause() {
    return this;
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    throw new Error('not used');
  }
}

describe('promptHidden', () => {
  it('reads a line without echoing it, with backspace', async () => {
    const tty = new FakeTty();
    let written = '';
    const answer = promptHidden(tty as unknown as InputStream, { write: (text: string) => (written += text) }, 'Password: ');
    tty.emit('data', Buffer.from('hunter'));
    tty.emit('data', Buffer.from('3\u007f2\r'));
    await expect(answer).resolves.toBe('hunter2');
    expect(written).toBe('Password: \n');
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('aborts on Ctrl-C with exit code 130', async () => {
    const tty = new FakeTty();
    const answer = promptHidden(tty as unknown as InputStream, { write: () => true }, 'Password: ');
    tty.emit('data', '\u0003');
    await expect(answer).rejects.toMatchObject({ exitCode: 130 });
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('refuses to prompt without a terminal', async () => {
    const pipe = Object.assign(Readable.from([]), { isTTY: false });
    await expect(promptHidden(pipe, { write: () => true }, 'Password: ')).rejects.toBeInstanceOf(CliError);
  });
});

describe('readSecretFromStdin', () => {
  it('reads everything but one trailing newline', async () => {
    await expect(readSecretFromStdin(Readable.from([Buffer.from('pass word\n')]))).resolves.toBe('pass word');
    await expect(readSecretFromStdin(Readable.from([Buffer.from('a\r\n')]))).resolves.toBe('a');
    await expect(readSecretFromStdin(Readable.from([Buffer.from('x'), Buffer.from(' y ')]))).resolves.toBe('x y ');
  });
});
