import { request as httpRequest } from 'node:http';
import { contractViolations } from '../src/contract-response-validator.js';

export const PASSWORD = 'tangerine-orbit-quarry-57';

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON for JSON answers, else undefined. */
  json: Record<string, unknown> | undefined;
  /** The raw bytes of the answer. */
  bytes: Buffer;
}

/**
 * A small REST client for end-to-end tests: every JSON answer is checked against
 * openapi/coffer.yaml and violations are collected (the test asserts there are none).
 */
export class PlatformClient {
  readonly violations: string[] = [];

  constructor(readonly base: string) {}

  async call(method: string, path: string, options: { token?: string; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: Buffer | string | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const response = await fetch(`${this.base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    const json = /(\/|\+)json\b/.test(type) && bytes.length > 0 ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>) : undefined;
    if (json !== undefined || response.status >= 400 || bytes.length === 0) {
      this.violations.push(...contractViolations(method, `${this.base}${path}`, response.status, json));
    }
    return { status: response.status, headers: response.headers, json, bytes };
  }

  /** Signs up (if needed) and signs in; returns the access token and the user id. */
  async signIn(email: string): Promise<{ token: string; userId: string }> {
    await this.call('POST', '/v1/users', { json: { email, displayName: email.split('@')[0], password: PASSWORD } });
    const login = await this.call('POST', '/v1/auth/login', { json: { email, password: PASSWORD } });
    if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}`);
    const token = String(login.json?.['accessToken']);
    const me = await this.call('GET', '/v1/users/me', { token });
    return { token, userId: String(me.json?.['id']) };
  }

  /** Uploads bytes as the raw body; returns the answer. */
  upload(token: string, name: string, content: Buffer | string, options: { folder?: string; query?: string; headers?: Record<string, string> } = {}): Promise<CallResult> {
    const query = new URLSearchParams({ name, ...(options.folder ? { folder: options.folder } : {}) }).toString();
    return this.call('POST', `/v1/files?${query}${options.query ? `&${options.query}` : ''}`, {
      token,
      body: content,
      headers: { 'content-type': 'application/octet-stream', ...options.headers },
    });
  }

  /**
   * Starts a raw upload that declares `declaredBytes` but sends only `sentBytes`, then drops the
   * connection (a client that dies mid-upload). Resolves once the socket is closed.
   */
  abortedUpload(token: string, name: string, declaredBytes: number, sentBytes: number): Promise<void> {
    const url = new URL(`${this.base}/v1/files?name=${encodeURIComponent(name)}`);
    return new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(declaredBytes) },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.on('response', (response) => {
        response.resume();
      });
      req.write(Buffer.alloc(sentBytes, 7), () => setTimeout(() => req.destroy(), 200));
    });
  }
}
