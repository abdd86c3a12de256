import { describe, expect, it } from 'vitest';
import { commandWords, expectOperands, integerOption, parseCommandLine } from './cli-args.js';
import { CliError } from './cli-error.js';

describe('commandWords', () => {
  it('finds the command and subcommand after global options', () => {
    expect(commandWords(['--profile', 'work', '--json', 'webhooks', 'add', 'https://x'])).toEqual(['webhooks', 'add']);
    expect(commandWords(['--server=https://x', 'put', 'a.txt'])).toEqual(['put', 'a.txt']);
    expect(commandWords(['--json'])).toEqual([]);
    expect(commandWords(['--', 'put'])).toEqual([]);
  });
});

describe('parseCommandLine', () => {
  it('accepts global options before and after the command', () => {
    const parsed = parseCommandLine(['--profile', 'work', 'put', 'a.txt', '--json', '--folder', '/docs', 'b.txt'], { folder: { type: 'string' } }, 1);
    expect(parsed.global).toMatchObject({ profile: 'work', json: true, debug: false, help: false });
    expect(parsed.options).toEqual({ folder: '/docs' });
    expect(parsed.operands).toEqual(['a.txt', 'b.txt']);
  });

  it('drops both words of a subcommand', () => {
    expect(parseCommandLine(['sessions', 'revoke', 'abc'], {}, 2).operands).toEqual(['abc']);
  });

  it('refuses unknown options and missing values as usage errors (exit 2)', () => {
    for (const argv of [['ls', '--nope'], ['ls', '--profile'], ['ls', '--json=yes']]) {
      let caught: unknown;
      try {
        parseCommandLine(argv, {}, 1);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CliError);
      expect((caught as CliError).exitCode).toBe(2);
      expect((caught as CliError).message).not.toContain('To specify');
    }
  });

  it('never takes a password as an option', () => {
    expect(() => parseCommandLine(['login', 'a@example.com', '--password', 'hunter2'], { 'password-stdin': { type: 'boolean' } }, 1)).toThrow(/Unknown option '--password'/);
  });
});

describe('integerOption / expectOperands', () => {
  it('parses whole numbers within bounds', () => {
    expect(integerOption({ parallel: '8' }, 'parallel', 4, 1, 32)).toBe(8);
    expect(integerOption({}, 'parallel', 4, 1, 32)).toBe(4);
    expect(() => integerOption({ parallel: '0' }, 'parallel', 4, 1, 32)).toThrow(/1 to 32/);
    expect(() => integerOption({ parallel: '2.5' }, 'parallel', 4, 1, 32)).toThrow(CliError);
    expect(() => integerOption({ parallel: 'many' }, 'parallel', 4, 1, 32)).toThrow(CliError);
  });

  it('checks operand counts', () => {
    expect(() => expectOperands([], 1, 1, 'get <file>')).toThrow(/missing argument; usage: get <file>/);
    expect(() => expectOperands(['a', 'b'], 1, 1, 'rm <file>')).toThrow(/too many arguments/);
    expect(() => expectOperands(['a', 'b', 'c'], 1, undefined, 'put <path...>')).not.toThrow();
  });
});
