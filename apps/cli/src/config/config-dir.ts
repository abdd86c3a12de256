import { join } from 'node:path';

/**
 * Where the CLI keeps config.json: `$COFFER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/coffer`, else
 * `~/.config/coffer`. Empty variables count as unset.
 */
export function resolveConfigDir(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  const explicit = env['COFFER_CONFIG_DIR'];
  if (explicit) return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg) return join(xdg, 'coffer');
  return join(homeDir, '.config', 'coffer');
}
