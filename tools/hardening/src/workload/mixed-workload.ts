import { createHash, randomBytes } from 'node:crypto';
import { call, type Answer } from './http.js';
import { leaksInternals, type RequestKind, type RequestRecord } from './status-ledger.js';

/** Who the workload acts as. */
export interface WorkloadIdentity {
  readonly baseUrl: string;
  /** The owner's access token; replaced by a new login when it expires (401). */
  token: string;
  readonly email: string;
  readonly password: string;
  /** A second user that files are shared with (share.granted events). */
  readonly granteeId: string;
}

export interface WorkloadOptions {
  /** Concurrent workers. */
  readonly concurrency: number;
  /** One upload in this many is a larger file (256 KiB to 1 MiB); the rest are 1 to 4 KiB. */
  readonly largeEvery?: number;
  /** Pause of a worker after an answer that is not a success, so an outage is not a busy loop. */
  readonly backoffMs?: number;
  /** Pause of a worker between requests (0: as fast as the platform answers). */
  readonly pauseMs?: number;
}

/** An upload the platform acknowledged (201). */
export interface AckedUpload {
  readonly id: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly at: number;
}

/** A share the platform acknowledged (201); its event's subject is the file. */
export interface AckedShare {
  readonly fileId: string;
  readonly shareId: string;
  readonly at: number;
}

/** Everything a run of the workload saw; filled while it runs. */
export interface WorkloadRecord {
  readonly requests: RequestRecord[];
  readonly uploads: Map<string, AckedUpload>;
  readonly shares: Map<string, AckedShare>;
  /** Times of acknowledged logins (auth.login_succeeded events). */
  readonly logins: number[];
  /** Downloads whose bytes did not match the acknowledged digest (with a 200). */
  readonly badDigests: string[];
}

export function emptyWorkloadRecord(): WorkloadRecord {
  return { requests: [], uploads: new Map(), shares: new Map(), logins: [], badDigests: [] };
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A running workload: stop() waits for the requests in flight and resolves. */
export interface RunningWorkload {
  readonly record: WorkloadRecord;
  stop(): Promise<void>;
}

/**
 * Starts the mixed workload: uploads (mostly small, some larger), downloads of acknowledged files
 * checked by SHA-256, shares of acknowledged files with the grantee, and logins. Every answer
 * is recorded; acknowledged uploads, shares and logins are kept for the reconciliation.
 */
export function startMixedWorkload(identity: WorkloadIdentity, options: WorkloadOptions, record: WorkloadRecord = emptyWorkloadRecord()): RunningWorkload {
  const largeEvery = options.largeEvery ?? 20;
  const backoffMs = options.backoffMs ?? 250;
  const pauseMs = options.pauseMs ?? 0;
  let running = true;
  let sequence = 0;
  const unshared: string[] = [];

  const field = (answer: Answer, name: string): string => {
    const value = answer.json?.[name];
    return typeof value === 'string' ? value : '';
  };
  const note = (kind: RequestKind, answer: Answer): void => {
    const text = answer.status >= 400 ? answer.bytes.toString('utf8') : '';
    record.requests.push({
      at: Date.now(),
      kind,
      status: answer.status,
      retryAfter: answer.retryAfter !== null,
      leak: answer.status >= 400 && leaksInternals(text),
      problem: answer.contentType.startsWith('application/problem+json'),
      ...(answer.status >= 400 ? { detail: `${field(answer, 'title')}: ${field(answer, 'detail') || text.slice(0, 80)}`.slice(0, 160) } : {}),
    });
  };

  const upload = async (): Promise<boolean> => {
    sequence += 1;
    const large = sequence % largeEvery === 0;
    const content = randomBytes(large ? 256 * 1024 + Math.floor(Math.random() * 768 * 1024) : 1024 + Math.floor(Math.random() * 3072));
    const answer = await call(identity.baseUrl, 'POST', `/v1/files?name=load-${sequence}-${Date.now()}.bin`, { token: identity.token, body: content, headers: { 'content-type': 'application/octet-stream' } });
    note('upload', answer);
    const id = answer.json?.['id'];
    if (answer.status === 201 && typeof id === 'string') {
      record.uploads.set(id, { id, sha256: sha256(content), bytes: content.length, at: Date.now() });
      unshared.push(id);
      return true;
    }
    return false;
  };

  const download = async (): Promise<boolean> => {
    const ids = [...record.uploads.keys()];
    if (ids.length === 0) return upload();
    const id = ids[Math.floor(Math.random() * ids.length)] ?? '';
    const answer = await call(identity.baseUrl, 'GET', `/v1/files/${id}/content`, { token: identity.token });
    note('download', answer);
    if (answer.status === 200 && sha256(answer.bytes) !== record.uploads.get(id)?.sha256) record.badDigests.push(id);
    return answer.status === 200;
  };

  const share = async (): Promise<boolean> => {
    const fileId = unshared.shift();
    if (fileId === undefined) return upload();
    const answer = await call(identity.baseUrl, 'POST', `/v1/files/${fileId}/shares`, { token: identity.token, json: { granteeId: identity.granteeId, permission: 'read' } });
    note('share', answer);
    const shareId = answer.json?.['id'];
    if (answer.status === 201 && typeof shareId === 'string') {
      record.shares.set(fileId, { fileId, shareId, at: Date.now() });
      return true;
    }
    // Not acknowledged: never shared again, so a share.granted of it is an unacknowledged extra.
    return false;
  };

  const login = async (): Promise<boolean> => {
    const answer = await call(identity.baseUrl, 'POST', '/v1/auth/login', { json: { email: identity.email, password: identity.password } });
    note('login', answer);
    if (answer.status === 200) record.logins.push(Date.now());
    return answer.status === 200;
  };

  // An expired access token (the longest TTL is an hour; the full matrix runs longer): sign in again.
  const renewIfExpired = async (): Promise<void> => {
    const last = record.requests.at(-1);
    if (last?.status !== 401 || last.kind === 'login') return;
    const answer = await call(identity.baseUrl, 'POST', '/v1/auth/login', { json: { email: identity.email, password: identity.password } });
    const token = answer.json?.['accessToken'];
    if (answer.status === 200 && typeof token === 'string') identity.token = token;
  };

  const worker = async (): Promise<void> => {
    while (running) {
      const dice = Math.random();
      const ok = await (dice < 0.5 ? upload() : dice < 0.75 ? download() : dice < 0.88 ? share() : login());
      if (!ok) {
        await renewIfExpired();
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
      else if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const workers = Array.from({ length: options.concurrency }, () => worker());
  return {
    record,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
