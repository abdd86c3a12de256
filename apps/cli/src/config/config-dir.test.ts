import { describe, expect, it } from 'vitest';
import { resolveConfigDir } from './config-dir.js';

describe('resolveConfigDir', () => {
  it('prefers COFFER_CONFIG_DIR, then XDG_CONFIG_HOME/coffer, then ~/.config/coffer', () => {
    expect(resolveConfigDir({ COFFER_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x' }, '/home/ada')).toBe('/c');
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/x' }, '/home/ada')).toBe('/x/coffer');
    expect(resolveConfigDir({ COFFER_CONFIG_DIR: '', XDG_CONFIG_HOME: '' }, '/home/ada')).toBe('/home/ada/.config/coffer');
  });
});
