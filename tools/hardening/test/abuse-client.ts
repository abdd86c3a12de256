import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { contractViolations } from '@coffer/dev-platform';

export const PASSWORD = 'tangerine-orbit-quarry-57';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | undefined;
  bytes: Buffer;
}

export interface SignedIn {
  token: string;
  refreshToken: string;
  userId: string;
}

/**
 * A REST client for the abuse tests. Requests go out through node:http with the path exactly
 * as given (fetch would resolve `..` and re-encode), each from a chosen client address in
 * `X-Forwarded-For` (the test gateway trusts loopback proxies), so per-address limits of one
 * case do not spill into another. JSON answers are checked against openapi/coffer.yaml.
 */
export class AbuseClient {
  readonly violations: string[] = [];

  constructor(
    readonly base: string,
    readonly clientAddress: string,
  ) {}

  call(method: string, path: string, options: { token?: string; json?: unknown; body?: Buffer | string; headers?: OutgoingHttpHeaders; outsideContract?: boolean } = {}): Promise<Answer> {
    const url = new URL(this.base);
    const headers: OutgoingHttpHeaders = { 'x-forwarded-for': this.clientAddress, ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const type = String(res.headers['content-type'] ?? '');
          const json = /(\/|\+)json\b/.test(type) && bytes.length > 0 ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>) : undefined;
          const status = res.statusCode ?? 0;
          if (options.outsideContract !== true && (json !== undefined || status >= 400)) this.violations.push(...contractViolations(method, `${this.base}${path}`, status, json));
          resolve({ status, headers: res.headers, json, bytes });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async signUp(email: string, password = PASSWORD): Promise<string> {
    const created = await this.call('POST', '/v1/users', { json: { email, displayName: email.split('@')[0], password } });
    if (created.status !== 201) throw new Error(`sign-up of ${email} answered ${created.status}: ${created.bytes.toString()}`);
    return String(created.json?.['id']);
  }

  login(email: string, password = PASSWORD): Promise<Answer> {
    return this.call('POST', '/v1/auth/login', { json: { email, password } });
  }

  async signIn(email: string, password = PASSWORD): Promise<SignedIn> {
    const userId = await this.signUp(email, password);
    const login = await this.login(email, password);
    if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}`);
    return { token: String(login.json?.['accessToken']), refreshToken: String(login.json?.['refreshToken']), userId };
  }

  upload(token: string, name: string, content: Buffer | string, folder = '/'): Promise<Answer> {
    const query = new URLSearchParams({ name, folder }).toString();
    return this.call('POST', `/v1/files?${query}`, { token, body: content, headers: { 'content-type': 'application/octet-stream' } });
  }
}

/** The `sid` claim of an access token (read, not verified: the platform verifies). */
export function sessionIdOf(accessToken: string): string {
  const payload = accessToken.split('.')[1] ?? '';
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid?: unknown }).sid);
}

/**
 * Writes raw bytes on a fresh TCP connection to the gateway, optionally more bytes every
 * `trickle.everyMs` (a slow client), and resolves with everything the server sent once it
 * closes the connection — or `undefined` in `answer` when it closed without a word.
 */
export function rawExchange(
  base: string,
  first: string,
  trickle?: { bytes: string; everyMs: number },
): Promise<{ answer: string | undefined; bytesSent: number }> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      resolve({ answer: answer === '' ? undefined : answer, bytesSent });
    });
    socket.write(first, () => (bytesSent += Buffer.byteLength(first)));
    if (trickle) {
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(trickle.bytes, () => (bytesSent += Buffer.byteLength(trickle.bytes)));
      }, trickle.everyMs);
    }
  });
}

/** The JSON body of a raw HTTP answer. */
export function rawProblem(answer: string | undefined): Record<string, unknown> | undefined {
  if (answer === undefined) return undefined;
  const start = answer.indexOf('\r\n\r\n');
  return start < 0 ? undefined : (JSON.parse(answer.slice(start + 4)) as Record<string, unknown>);
}

/** Runs `count` tasks, at most `concurrency` at a time; results in task order. */
export async function inBatches<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns the last result. Not a speed check: a bound on waiting. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, everyMs));
  }
}
