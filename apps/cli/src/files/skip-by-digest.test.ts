import { describe, expect, it } from 'vitest';
import { decideUpload, indexByName } from './skip-by-digest.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('decideUpload', () => {
  it('uploads a name the folder does not have', () => {
    expect(decideUpload(A, undefined)).toEqual({ action: 'upload', existingFileId: undefined });
  });

  it('skips the same bytes under the same name (digests compared case-insensitively)', () => {
    expect(decideUpload(A, { id: 'f1', name: 'x.txt', sha256: A.toUpperCase() })).toEqual({ action: 'skip', fileId: 'f1' });
  });

  it('uploads a new version when the bytes differ', () => {
    expect(decideUpload(A, { id: 'f1', name: 'x.txt', sha256: B })).toEqual({ action: 'upload', existingFileId: 'f1' });
  });
});

describe('indexByName', () => {
  it('indexes by NFC-normalised name, as the server stores names', () => {
    const index = indexByName([{ id: 'f1', name: 'cafe\u0301.txt', sha256: A }]);
    expect(index.get('caf\u00e9.txt')?.id).toBe('f1');
  });
});
