import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';
import type { ListUsersQuery, UpdateProfileRequest, Usage, User, UserPage } from './schemas.js';

/** Profiles and usage. */
export class UsersApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /** The caller's profile. */
  me(): Promise<User> {
    return this.transport.json<User>({ method: 'GET', path: '/v1/users/me' });
  }

  /** Changes the caller's display name or email. */
  updateMe(body: UpdateProfileRequest): Promise<User> {
    return this.transport.json<User>({ method: 'PATCH', path: '/v1/users/me', json: body });
  }

  /** Deletes the caller's account (every session is revoked). */
  async deleteMe(): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: '/v1/users/me' });
  }

  /** One user (administrators only). */
  get(userId: string): Promise<User> {
    return this.transport.json<User>({ method: 'GET', path: `/v1/users/${encodeURIComponent(userId)}` });
  }

  /** The caller's storage use and limits. */
  usage(): Promise<Usage> {
    return this.transport.json<Usage>({ method: 'GET', path: '/v1/users/me/usage' });
  }

  /** Every user, page by page as iteration needs them (administrators only). */
  list(query: ListUsersQuery = {}): AsyncIterableIterator<User> {
    return paginate(async (pageToken) => {
      const page = await this.listPage({ ...query, pageToken });
      return { items: page.users, nextPageToken: page.nextPageToken };
    });
  }

  /** One page of users (administrators only). */
  listPage(query: ListUsersQuery & { pageToken?: string | undefined } = {}): Promise<UserPage> {
    return this.transport.json<UserPage>({ method: 'GET', path: '/v1/users', query });
  }
}
