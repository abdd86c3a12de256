import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The tokens a profile holds (the SDK's TokenPair fields the CLI needs to resume a session). */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt?: string | undefined;
}

/** One server and who is signed in to it. */
export interface Profile {
  readonly server: string;
  readonly email?: string | undefined;
  readonly userId?: string | undefined;
  readonly tokens?: StoredTokens | undefined;
}

/** The whole config.json. */
export interface CofferConfig {
  readonly currentProfile?: string | undefined;
  readonly profiles: Readonly<Record<string, Profile>>;
}

export const CONFIG_FILE_NAME = 'config.json';
const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether a name can be a profile name (it is a key in config.json and shows in messages). */
export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME_PATTERN.test(name);
}

/**
 * Reads and writes config.json. Every change is a read-modify-write of the whole file, written
 * to a temporary file with mode 0600 and renamed over the old one, so a crash never leaves half
 * a file and tokens are never readable by other users. The folder is created with mode 0700.
 */
export class ProfileStore {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, CONFIG_FILE_NAME);
  }

  /** The config, or an empty one when the file does not exist yet. */
  load(): CofferConfig {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
      throw error;
    }
    return parseConfig(text, this.path);
  }

  /** One profile, or undefined. */
  get(name: string): Profile | undefined {
    const { profiles } = this.load();
    return Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  }

  /** Creates or replaces a profile. */
  put(name: string, profile: Profile): void {
    const config = this.load();
    this.write({ ...config, profiles: { ...config.profiles, [name]: profile } });
  }

  /** Changes a profile that exists (no-op when it does not). */
  update(name: string, change: (profile: Profile) => Profile): void {
    const config = this.load();
    const profile = config.profiles[name];
    if (profile === undefined) return;
    this.write({ ...config, profiles: { ...config.profiles, [name]: change(profile) } });
  }

  /** Removes a profile; returns whether it existed. The current profile is unset if it was this one. */
  remove(name: string): boolean {
    const config = this.load();
    if (!Object.hasOwn(config.profiles, name)) return false;
    const profiles = Object.fromEntries(Object.entries(config.profiles).filter(([key]) => key !== name));
    this.write({ currentProfile: config.currentProfile === name ? undefined : config.currentProfile, profiles });
    return true;
  }

  /** Makes a profile the default for commands without --profile / COFFER_PROFILE. */
  setCurrent(name: string): void {
    this.write({ ...this.load(), currentProfile: name });
  }

  private write(config: CofferConfig): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFileSync is filtered by the umask and ignored for an existing file.
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }
}

/** Validates the shape of config.json, so a hand-edited file fails with a clear message. */
export function parseConfig(text: string, path: string): CofferConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; fix or delete it`);
  }
  if (!isRecord(raw) || !isRecord(raw['profiles'])) throw new Error(`${path} has no "profiles" object; fix or delete it`);
  const profiles: Record<string, Profile> = {};
  for (const [name, value] of Object.entries(raw['profiles'])) {
    if (!isRecord(value) || typeof value['server'] !== 'string') throw new Error(`${path}: profile "${name}" has no "server"`);
    const tokens = value['tokens'];
    profiles[name] = {
      server: value['server'],
      email: typeof value['email'] === 'string' ? value['email'] : undefined,
      userId: typeof value['userId'] === 'string' ? value['userId'] : undefined,
      tokens:
        isRecord(tokens) && typeof tokens['accessToken'] === 'string' && typeof tokens['refreshToken'] === 'string'
          ? {
              accessToken: tokens['accessToken'],
              refreshToken: tokens['refreshToken'],
              refreshTokenExpiresAt: typeof tokens['refreshTokenExpiresAt'] === 'string' ? tokens['refreshTokenExpiresAt'] : undefined,
            }
          : undefined,
    };
  }
  const current = raw['currentProfile'];
  return { currentProfile: typeof current === 'string' ? current : undefined, profiles };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
