import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { AppError } from '@coffer/platform';

/** A named HMAC secret. Logging or serialising one shows its id only. */
export interface HmacKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** Key ids travel in link tokens and stored records, so they are short and URL-safe. */
export const HMAC_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** HMAC-SHA256 wants at least as many secret bytes as the hash is long. */
export const MIN_HMAC_SECRET_BYTES = 32;

/** What a ring is built from: its keys and the id of the one that signs. */
export interface HmacKeyRingInit {
  activeKeyId: string;
  keys: readonly HmacKey[];
}

/**
 * The key as the ring holds it: a private copy of the secret behind a getter, so neither
 * `JSON.stringify` nor `util.inspect` (and so no logger) ever sees the bytes.
 */
class SealedHmacKey implements HmacKey {
  readonly #secret: Buffer;

  constructor(
    readonly id: string,
    secret: Buffer,
  ) {
    this.#secret = Buffer.from(secret);
    Object.freeze(this);
  }

  /** The secret bytes. Callers must not change or log them. */
  get secret(): Buffer {
    return this.#secret;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return `HmacKey { id: ${JSON.stringify(this.id)} }`;
  }
}

/**
 * The named HMAC secrets of a deployment: one active key signs, every key in the ring is
 * accepted to verify.
 *
 * Rotation: add a new key, restart everything that verifies, then make the new key active;
 * keep the old key in the ring until nothing signed by it remains (links expired, stored
 * content HMACs recomputed), then remove it.
 */
export class HmacKeyRing {
  readonly #keys: ReadonlyMap<string, HmacKey>;
  readonly #active: HmacKey;

  constructor(init: HmacKeyRingInit) {
    if (init.keys.length === 0) throw ringError('it has no keys.');
    const keys = new Map<string, HmacKey>();
    init.keys.forEach((key, index) => {
      if (typeof key.id !== 'string' || !HMAC_KEY_ID_PATTERN.test(key.id)) {
        throw ringError(`keys[${index}].id must match ${String(HMAC_KEY_ID_PATTERN)}.`);
      }
      if (!Buffer.isBuffer(key.secret) || key.secret.length < MIN_HMAC_SECRET_BYTES) {
        throw ringError(`the secret of key "${key.id}" must be at least ${MIN_HMAC_SECRET_BYTES} bytes.`);
      }
      if (keys.has(key.id)) throw ringError(`key id "${key.id}" appears more than once.`);
      keys.set(key.id, new SealedHmacKey(key.id, key.secret));
    });
    const active = keys.get(init.activeKeyId);
    if (active === undefined) {
      const shown = HMAC_KEY_ID_PATTERN.test(init.activeKeyId) ? `"${init.activeKeyId}"` : 'given';
      throw ringError(`the active key id ${shown} is not one of its keys.`);
    }
    this.#keys = keys;
    this.#active = active;
  }

  /**
   * Parses `{"activeKeyId":"k2","keys":[{"id":"k1","secret":"<base64>"},…]}`. Secrets are
   * base64 (standard or URL-safe alphabet). Unknown fields are ignored. Errors are
   * `invalid_argument` and never quote secret material, nor the input text.
   */
  static fromJson(text: string): HmacKeyRing {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the input, which may hold a secret: neither it nor the
      // error is passed on.
      throw ringError('it is not valid JSON.');
    }
    if (!isRecord(parsed)) throw ringError('it must be a JSON object.');
    const { activeKeyId, keys } = parsed;
    if (typeof activeKeyId !== 'string') throw ringError('activeKeyId must be a string.');
    if (!Array.isArray(keys)) throw ringError('keys must be an array.');
    return new HmacKeyRing({ activeKeyId, keys: keys.map((entry: unknown, index) => parseKey(entry, index)) });
  }

  /** The key that signs. */
  get active(): HmacKey {
    return this.#active;
  }

  /** The key with this id, or undefined when the ring does not know it. */
  get(id: string): HmacKey | undefined {
    return this.#keys.get(id);
  }

  /** The ids of every key, in the order they were given. */
  get ids(): readonly string[] {
    return [...this.#keys.keys()];
  }

  /** Ids only: a ring serialised by accident never reveals a secret. */
  toJSON(): { activeKeyId: string; keyIds: readonly string[] } {
    return { activeKeyId: this.#active.id, keyIds: this.ids };
  }

  [inspect.custom](): string {
    return `HmacKeyRing { activeKeyId: ${JSON.stringify(this.#active.id)}, keyIds: ${JSON.stringify(this.ids)} }`;
  }
}

/** Reads and parses a key ring file (see {@link HmacKeyRing.fromJson}). */
export async function loadHmacKeyRingFile(path: string): Promise<HmacKeyRing> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AppError('invalid_argument', { detail: `Cannot read the HMAC key ring file ${path}.`, cause: error });
  }
  try {
    return HmacKeyRing.fromJson(text);
  } catch (error) {
    if (error instanceof AppError) {
      throw new AppError(error.code, { detail: `${path}: ${error.detail ?? error.message}` });
    }
    throw error;
  }
}

/** A fresh key of {@link MIN_HMAC_SECRET_BYTES} random bytes; the id defaults to `k-<yyyymmdd>-<random hex>`. */
export function generateHmacKey(id = `k-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`): HmacKey {
  return new SealedHmacKey(id, randomBytes(MIN_HMAC_SECRET_BYTES));
}

/**
 * For development: writes a ring with one fresh random key to `path` (mode 0600) and returns
 * it. Never overwrites: an existing file fails with `conflict`, and the caller may load it.
 */
export async function createHmacKeyRingFile(path: string): Promise<HmacKeyRing> {
  const key = generateHmacKey();
  const ring = new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  const text = `${JSON.stringify({ activeKeyId: key.id, keys: [{ id: key.id, secret: key.secret.toString('base64') }] }, null, 2)}\n`;
  let file;
  try {
    file = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError('conflict', { detail: `The HMAC key ring file ${path} already exists; it is not overwritten.` });
    }
    throw new AppError('invalid_argument', { detail: `Cannot create the HMAC key ring file ${path}.`, cause: error });
  }
  try {
    await file.writeFile(text, 'utf8');
  } finally {
    await file.close();
  }
  return ring;
}

function parseKey(entry: unknown, index: number): HmacKey {
  if (!isRecord(entry)) throw ringError(`keys[${index}] must be an object.`);
  const { id, secret } = entry;
  if (typeof id !== 'string' || !HMAC_KEY_ID_PATTERN.test(id)) {
    throw ringError(`keys[${index}].id must be a string matching ${String(HMAC_KEY_ID_PATTERN)}.`);
  }
  if (typeof secret !== 'string') throw ringError(`keys[${index}].secret must be a base64 string.`);
  const bytes = decodeBase64(secret);
  if (bytes === undefined) throw ringError(`keys[${index}].secret is not valid base64.`);
  if (bytes.length < MIN_HMAC_SECRET_BYTES) {
    throw ringError(`keys[${index}].secret must decode to at least ${MIN_HMAC_SECRET_BYTES} bytes.`);
  }
  return { id, secret: bytes };
}

/** Strict base64 (either alphabet, padding optional): undefined for anything else. */
function decodeBase64(text: string): Buffer | undefined {
  const unpadded = text.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded) && !/^[A-Za-z0-9_-]*$/.test(unpadded)) return undefined;
  if (unpadded.length % 4 === 1) return undefined;
  if (unpadded.length !== text.length && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  // Rejects non-zero spare bits, so one secret has one spelling.
  return bytes.toString('base64').replace(/={1,2}$/, '') === unpadded.replaceAll('-', '+').replaceAll('_', '/') ? bytes : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ringError(problem: string): AppError {
  return new AppError('invalid_argument', { detail: `Invalid HMAC key ring: ${problem}` });
}
