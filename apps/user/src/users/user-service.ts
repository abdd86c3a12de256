import type { userV1 } from '@coffer/contracts';
import { AppError, unaryHandler, type Logger } from '@coffer/platform';
import { normalizeDisplayName, normalizeEmail } from './profile-fields.js';
import { isUserId, type UserRecord, type UserRepository } from './user-repository.js';

/** ListUsers page size when the caller gives none (0). */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger page sizes are lowered to this. */
export const MAX_PAGE_SIZE = 200;

/** What the UserService handlers need. */
export interface UserServiceDeps {
  readonly repository: UserRepository;
  /**
   * Lower-cased emails whose accounts are created as admins (see `UserConfig.adminEmails`).
   * Checked only by CreateUser.
   */
  readonly adminEmails: readonly string[];
}

/**
 * The operations of `coffer.user.v1.UserService`, request in, response out: validation,
 * repository calls and the mapping to the contract's messages, without gRPC. Who may call
 * which RPC is the peer allowlist's job (mTLS), and which end user may act on which profile
 * is the gateway's (access-token claims); nothing here repeats those checks.
 *
 * Events (user.created, user.updated, user.deleted) are written by the repository into the
 * outbox in the transaction of each change (user-events.ts), not here: an event sent after the
 * change could be lost in a crash, one sent before could describe a change that never happened.
 */
export class UserOperations {
  private readonly repository: UserRepository;
  private readonly adminEmails: ReadonlySet<string>;

  constructor(deps: UserServiceDeps) {
    this.repository = deps.repository;
    this.adminEmails = new Set(deps.adminEmails.map((email) => email.toLowerCase()));
  }

  /** Sign-up. `conflict` ('email: is already in use.') when a live account has the email. */
  async createUser(request: userV1.CreateUserRequest): Promise<userV1.CreateUserResponse> {
    const email = normalizeEmail(request.email);
    const displayName = normalizeDisplayName(request.displayName);
    const user = await this.repository.create({ email, displayName, admin: this.adminEmails.has(email.toLowerCase()) });
    return { user: toUserMessage(user) };
  }

  /** A live profile; `not_found` for an unknown, malformed or deleted id. */
  async getUser(request: userV1.GetUserRequest): Promise<userV1.GetUserResponse> {
    const id = requireUserId(request.id);
    return { user: toUserMessage(found(await this.repository.findById(id))) };
  }

  /** A live profile by email, compared case-insensitively (auth, at login). */
  async getUserByEmail(request: userV1.GetUserByEmailRequest): Promise<userV1.GetUserByEmailResponse> {
    const email = normalizeEmail(request.email);
    return { user: toUserMessage(found(await this.repository.findByEmail(email))) };
  }

  /**
   * Changes the fields that are set; with neither set, returns the profile unchanged. A new
   * email never grants admin (that rule is for new accounts only).
   */
  async updateUser(request: userV1.UpdateUserRequest): Promise<userV1.UpdateUserResponse> {
    const id = requireUserId(request.id);
    const email = request.email === undefined ? undefined : normalizeEmail(request.email);
    const displayName = request.displayName === undefined ? undefined : normalizeDisplayName(request.displayName);
    const user = found(await this.repository.update(id, { email, displayName }));
    return { user: toUserMessage(user) };
  }

  /**
   * Soft delete (the purge job removes the profile after the grace period), or removal at once
   * with `purge`. Deleting an already deleted profile succeeds and keeps its grace period;
   * `not_found` only when no profile, live or deleted, has the id. Deleting an already deleted
   * profile again changes nothing and writes no second user.deleted.
   */
  async deleteUser(request: userV1.DeleteUserRequest): Promise<userV1.DeleteUserResponse> {
    const id = requireUserId(request.id);
    const existed = request.purge ? await this.repository.purge(id) : await this.repository.softDelete(id);
    if (!existed) throw notFound();
    return {};
  }

  /** Live profiles, oldest first; `page_size` 0 means 50, more than 200 means 200. */
  async listUsers(request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    if (!Number.isInteger(request.pageSize) || request.pageSize < 0) {
      throw new AppError('invalid_argument', { detail: 'pageSize: must not be negative.' });
    }
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
    const page = await this.repository.list({ pageSize, pageToken: request.pageToken });
    return { users: page.users.map(toUserMessage), nextPageToken: page.nextPageToken ?? '' };
  }
}

/** The grpc-js implementation of UserService: each RPC through the platform's `unaryHandler`. */
export function userServiceImplementation(operations: UserOperations, logger: Logger): userV1.UserServiceServer {
  return {
    createUser: unaryHandler(logger, (request: userV1.CreateUserRequest) => operations.createUser(request)),
    getUser: unaryHandler(logger, (request: userV1.GetUserRequest) => operations.getUser(request)),
    getUserByEmail: unaryHandler(logger, (request: userV1.GetUserByEmailRequest) => operations.getUserByEmail(request)),
    updateUser: unaryHandler(logger, (request: userV1.UpdateUserRequest) => operations.updateUser(request)),
    deleteUser: unaryHandler(logger, (request: userV1.DeleteUserRequest) => operations.deleteUser(request)),
    listUsers: unaryHandler(logger, (request: userV1.ListUsersRequest) => operations.listUsers(request)),
  };
}

/** The contract's `User` message; timestamps as Dates (ts-proto maps google.protobuf.Timestamp). */
export function toUserMessage(user: UserRecord): userV1.User {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    admin: user.admin,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    deletedAt: user.deletedAt,
  };
}

/**
 * A present id in UUID form. A missing id is the caller's mistake and says so; a malformed one
 * is answered like an unknown one (never a database error, never a hint about the format).
 */
function requireUserId(raw: string): string {
  const id = raw.trim();
  if (id === '') throw new AppError('invalid_argument', { detail: 'id: is required.' });
  if (!isUserId(id)) throw notFound();
  return id.toLowerCase();
}

function found(user: UserRecord | undefined): UserRecord {
  if (user === undefined) throw notFound();
  return user;
}

function notFound(): AppError {
  return new AppError('not_found', { detail: 'The user does not exist.' });
}
