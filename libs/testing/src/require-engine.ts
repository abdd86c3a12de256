import { engineAddress, loadEngineEndpoints, type EngineEndpoints, type EngineName } from './engine-endpoints.js';

/**
 * A cheap real round trip to an engine (`select 1`, `PING`, list buckets, ...). It gets a
 * signal that aborts when the timeout passes; clients that take one should pass it on.
 */
export type EngineProbe = (signal: AbortSignal) => Promise<unknown>;

/** Options of {@link requireEngine}. */
export interface RequireEngineOptions {
  /** How long the probe may take. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Used for the address in the message. Default: {@link loadEngineEndpoints}(). */
  readonly endpoints?: EngineEndpoints;
}

/** An engine a test needs did not answer its probe. The message says how to start it. */
export class EngineUnreachableError extends Error {
  constructor(
    readonly engine: EngineName,
    readonly address: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `${engine} is not reachable at ${address} (${detail}). ` +
        `Start the engines with \`tools/engines/engines.sh up ${engine}\`.`,
      options,
    );
    this.name = 'EngineUnreachableError';
  }
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Runs `probe` against a real engine and throws {@link EngineUnreachableError} when it fails
 * or does not finish within the timeout. Call it in `beforeAll`: a missing engine then fails
 * the test file (it never skips it, so CI cannot go green without the real servers).
 */
export async function requireEngine(
  name: EngineName,
  probe: EngineProbe,
  options: RequireEngineOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    // race() subscribes to both, so a probe that rejects after the timeout is still handled.
    await Promise.race([probe(controller.signal), timedOut]);
  } catch (error) {
    const address = engineAddress(options.endpoints ?? loadEngineEndpoints(), name);
    throw new EngineUnreachableError(name, address, describeError(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One line about why a probe failed. Client errors are often wrappers with an empty message
 * (AggregateError from a dual-stack connect, retry wrappers), so this looks inside them.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < 4) {
    seen.add(current);
    const text = ownDescription(current);
    if (text !== '' && !parts.some((part) => part.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.length === 0 ? 'unknown error' : parts.join(': ');
}

function ownDescription(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map((inner) => ownDescription(inner)))].join('; ');
  }
  if (error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : error.name;
}
