import type { paths } from '../generated/openapi.generated.js';
import { AuditApi } from './audit-api.js';
import { AuthApi } from './auth-api.js';
import { CofferApiError } from './coffer-errors.js';
import { FilesApi } from './files-api.js';
import { HttpTransport } from './http-transport.js';
import { DEFAULT_RETRY_SETTINGS } from './retry-policy.js';
import type { PlatformHealth } from './schemas.js';
import { LinksApi, SharesApi } from './sharing-api.js';
import { TokenSession, type TokenPair, type TokensListener } from './token-session.js';
import { typedRequest, type HttpMethod, type OperationAt, type PathsWithMethod, type TypedRequestInit, type TypedResponse } from './typed-request.js';
import { UsersApi } from './users-api.js';
import { WebhooksApi } from './webhooks-api.js';

/** The SDK's version, sent in the default User-Agent. */
export const SDK_VERSION = '0.1.0';

/** Settings of a {@link CofferClient}. */
export interface CofferClientOptions {
  /** The API root, e.g. `https://coffer.example.com` (a path prefix is kept). */
  baseUrl: string | URL;
  /** Tokens to start with, e.g. from a saved profile. */
  tokens?: TokenPair | { accessToken?: string; refreshToken?: string };
  /** Called with the new tokens after every login and refresh, and with `undefined` after logout (to persist them). */
  onTokens?: TokensListener;
  /** The fetch to use; default the global one. */
  fetch?: typeof globalThis.fetch;
  /** Retries of a failed call that is safe to repeat (default 3). */
  retries?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Ceiling on the wait for each answer's headers, in ms (default 60 000); uploads are not cut off by it. */
  timeoutMs?: number;
}

/**
 * The Coffer API client. One instance per signed-in user; it keeps and refreshes the tokens.
 *
 * @example
 * ```ts
 * const coffer = new CofferClient({ baseUrl: 'http://localhost:8080' });
 * await coffer.auth.login({ email, password });
 * const file = await coffer.files.upload('./report.pdf');
 * ```
 */
export class CofferClient {
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly files: FilesApi;
  readonly shares: SharesApi;
  readonly links: LinksApi;
  readonly audit: AuditApi;
  readonly webhooks: WebhooksApi;
  private readonly transport: HttpTransport;

  constructor(options: CofferClientOptions) {
    const retries = options.retries ?? DEFAULT_RETRY_SETTINGS.retries;
    if (!Number.isInteger(retries) || retries < 0) throw new RangeError('retries must be a non-negative integer.');
    const fetchFunction = options.fetch ?? globalThis.fetch.bind(globalThis);
    // The session refreshes through the transport, and the transport asks the session for tokens.
    const session = new TokenSession({
      initial: options.tokens,
      onTokens: options.onTokens,
      exchangeRefreshToken: (refreshToken) =>
        this.transport.json<TokenPair>({ method: 'POST', path: '/v1/auth/refresh', json: { refreshToken }, authenticated: false }),
    });
    const transport = new HttpTransport({
      baseUrl: new URL(options.baseUrl),
      fetch: fetchFunction,
      retry: { ...DEFAULT_RETRY_SETTINGS, retries },
      userAgent: options.userAgent ?? `coffer-sdk-typescript/${SDK_VERSION} node/${process.version}`,
      timeoutMs: options.timeoutMs ?? 60_000,
      session,
    });
    this.transport = transport;
    this.auth = new AuthApi(transport, session);
    this.users = new UsersApi(transport);
    this.files = new FilesApi(transport);
    this.shares = new SharesApi(transport);
    this.links = new LinksApi(transport);
    this.audit = new AuditApi(transport);
    this.webhooks = new WebhooksApi(transport);
  }

  /** The platform's health: every service's status (a degraded platform answers too, with `status: 'degraded'`). */
  async health(): Promise<PlatformHealth> {
    try {
      return await this.transport.json<PlatformHealth>({ method: 'GET', path: '/v1/health', authenticated: false });
    } catch (error) {
      if (error instanceof CofferApiError && error.status === 503 && 'services' in error.problem) return error.problem as unknown as PlatformHealth;
      throw error;
    }
  }

  /**
   * A typed call of any operation in the API description (openapi-fetch style), for what the
   * client does not wrap:
   *
   * ```ts
   * const { data } = await coffer.request('get', '/v1/admin/policy-statements');
   * ```
   */
  request<M extends HttpMethod, P extends PathsWithMethod<M>>(method: M, path: P, init?: TypedRequestInit<OperationAt<P, M>>): Promise<TypedResponse<OperationAt<P, M>>> {
    return typedRequest(this.transport, method, path, init);
  }
}

export type { paths };
