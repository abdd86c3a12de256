import { createHash } from 'node:crypto';
import type { Request } from 'express';

/** What identifies "the same request" for an Idempotency-Key. */
export interface FingerprintInput {
  method: string;
  /** The route template of the contract, e.g. `/v1/files/{fileId}/shares`. */
  route: string;
  /** The validated path and query parameters (defaults applied, so leaving one out equals sending its default). */
  parameters: Readonly<Record<string, unknown>>;
  /**
   * A streamed body is not read before deciding, so its headers stand for it; a JSON body is
   * hashed in canonical form (key order and whitespace do not matter).
   */
  body: { streamed: true; headers: Pick<Request, 'header'> } | { streamed: false; json: unknown };
}

const STREAMED_BODY_HEADERS = ['content-length', 'content-type', 'content-digest'] as const;

/** SHA-256 (base64url) of method, route, parameters and body; equal inputs, equal fingerprints. */
export function requestFingerprint(input: FingerprintInput): string {
  const source = input.body;
  const body = source.streamed
    ? { headers: STREAMED_BODY_HEADERS.map((name) => source.headers.header(name) ?? null) }
    : { sha256: createHash('sha256').update(canonicalJson(source.json)).digest('base64url') };
  return createHash('sha256')
    .update(canonicalJson({ method: input.method.toUpperCase(), route: input.route, parameters: input.parameters, body }))
    .digest('base64url');
}

/** JSON with object keys sorted at every level; `undefined` (no body) is `null`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => [key, sortKeys(object[key])]),
  );
}
