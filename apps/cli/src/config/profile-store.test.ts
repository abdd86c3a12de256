import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isValidProfileName, ProfileStore } from './profile-store.js';

describe('ProfileStore', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'coffer-cli-profiles-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('starts empty without creating anything', () => {
    const store = new ProfileStore(join(root, 'coffer'));
    expect(store.load()).toEqual({ profiles: {} });
    expect(() => statSync(join(root, 'coffer'))).toThrow();
  });

  it('writes config.json with mode 0600 in a 0700 folder', () => {
    const dir = join(root, 'nested', 'coffer');
    const store = new ProfileStore(dir);
    store.put('default', { server: 'http://localhost:8080', tokens: { accessToken: 'a', refreshToken: 'r' } });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toMatchObject({ profiles: { default: { server: 'http://localhost:8080', tokens: { accessToken: 'a' } } } });
  });

  it('keeps several profiles, updates, switches and removes them', () => {
    const store = new ProfileStore(root);
    store.put('default', { server: 'http://localhost:8080' });
    store.put('work', { server: 'https://coffer.example.com', email: 'ada@example.com' });
    store.setCurrent('work');
    store.update('work', (profile) => ({ ...profile, tokens: { accessToken: 'a', refreshToken: 'r' } }));
    store.update('missing', (profile) => profile);
    expect(store.load().currentProfile).toBe('work');
    expect(store.get('work')).toMatchObject({ email: 'ada@example.com', tokens: { refreshToken: 'r' } });
    expect(store.get('missing')).toBeUndefined();
    expect(store.get('toString')).toBeUndefined();
    expect(store.remove('work')).toBe(true);
    expect(store.remove('work')).toBe(false);
    expect(store.load()).toEqual({ currentProfile: undefined, profiles: { default: { server: 'http://localhost:8080', email: undefined, userId: undefined, tokens: undefined } } });
  });

  it('tightens the mode of a file that was readable by others', () => {
    const store = new ProfileStore(root);
    writeFileSync(store.path, JSON.stringify({ profiles: {} }), { mode: 0o644 });
    store.put('default', { server: 'http://localhost:8080' });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it('explains a broken file instead of losing it', () => {
    const store = new ProfileStore(root);
    writeFileSync(store.path, '{ not json');
    expect(() => store.load()).toThrow(/not valid JSON/);
    writeFileSync(store.path, JSON.stringify({ profiles: { x: { email: 'no server' } } }));
    expect(() => store.load()).toThrow(/profile "x" has no "server"/);
  });

  it('accepts only simple profile names', () => {
    expect(isValidProfileName('work-2')).toBe(true);
    expect(isValidProfileName('../etc')).toBe(false);
    expect(isValidProfileName('')).toBe(false);
  });
});
