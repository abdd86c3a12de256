import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { isUuid, normalizeFolder, parseFileReference, parseMoveTarget } from './remote-path.js';

const ID = '0b6f2f5e-8d4c-4b1a-9c3e-2f1d0a9b8c7d';

describe('remote paths', () => {
  it('normalises folders', () => {
    expect(normalizeFolder('')).toBe('/');
    expect(normalizeFolder('/')).toBe('/');
    expect(normalizeFolder('docs/')).toBe('/docs');
    expect(normalizeFolder('//a//b/./c/')).toBe('/a/b/c');
    expect(() => normalizeFolder('/a/../b')).toThrow(CliError);
  });

  it('reads a file argument as an id or a folder/name', () => {
    expect(isUuid(ID)).toBe(true);
    expect(parseFileReference(ID.toUpperCase())).toEqual({ kind: 'id', id: ID });
    expect(parseFileReference('report.pdf')).toEqual({ kind: 'path', folder: '/', name: 'report.pdf' });
    expect(parseFileReference('docs/2026/report.pdf')).toEqual({ kind: 'path', folder: '/docs/2026', name: 'report.pdf' });
    expect(parseFileReference('/docs/report.pdf')).toEqual({ kind: 'path', folder: '/docs', name: 'report.pdf' });
    expect(() => parseFileReference('/docs/')).toThrow(/names a folder/);
    expect(() => parseFileReference('/docs/..')).toThrow(CliError);
  });

  it('reads mv targets: rename, move, or both', () => {
    expect(parseMoveTarget('final.txt')).toEqual({ name: 'final.txt' });
    expect(parseMoveTarget('/archive/')).toEqual({ folder: '/archive' });
    expect(parseMoveTarget('/')).toEqual({ folder: '/' });
    expect(parseMoveTarget('archive/2026/b.txt')).toEqual({ folder: '/archive/2026', name: 'b.txt' });
    expect(parseMoveTarget('/b.txt')).toEqual({ folder: '/', name: 'b.txt' });
    expect(() => parseMoveTarget('')).toThrow(CliError);
  });
});
