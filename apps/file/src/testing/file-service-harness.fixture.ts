import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { fileV1 } from '@coffer/contracts';
import { generateHmacKey, HmacKeyRing } from '@coffer/integrity';
import { FilesystemObjectStore, type ObjectStore } from '@coffer/object-storage';
import { createLogger, createMetricsRegistry, fromGrpcError, type AppError } from '@coffer/platform';
import type { Registry } from 'prom-client';
import { createFileServiceApp, type FileServiceApp, type FileServiceAppDeps } from '../file-service-app.js';
import { InMemoryAccessPolicy, InMemoryFileEventSink, InMemoryFileRecords } from './in-memory-collaborators.fixture.js';

/** A file service wired to in-memory metadata and policy and a real object store. */
export interface FileServiceHarness {
  app: FileServiceApp;
  store: ObjectStore;
  records: InMemoryFileRecords;
  policy: InMemoryAccessPolicy;
  events: InMemoryFileEventSink;
  ring: HmacKeyRing;
  registry: Registry;
}

export type HarnessOptions = Partial<Pick<FileServiceAppDeps, 'limits' | 'sharing' | 'contentTypes' | 'verifyOnRead' | 'orphanGraceSeconds'>>;

export function createHarness(store: ObjectStore, options: HarnessOptions = {}): FileServiceHarness {
  const key = generateHmacKey('k-test');
  const ring = new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  const records = new InMemoryFileRecords();
  const policy = new InMemoryAccessPolicy();
  const events = new InMemoryFileEventSink();
  const registry = createMetricsRegistry('file');
  const app = createFileServiceApp({
    records,
    policy,
    store,
    ring,
    events,
    registry,
    logger: createLogger({ service: 'file', level: 'silent' }),
    limits: options.limits ?? { maxFileSizeBytes: 1024 ** 3, quotaMaxBytes: 0, quotaMaxFiles: 0 },
    ...(options.sharing === undefined ? {} : { sharing: options.sharing }),
    contentTypes: options.contentTypes ?? { allow: [], deny: [] },
    verifyOnRead: options.verifyOnRead ?? true,
    orphanGraceSeconds: options.orphanGraceSeconds ?? 3_600,
  });
  return { app, store, records, policy, events, ring, registry };
}

/** A filesystem object store in a fresh temporary folder. */
export async function temporaryFilesystemStore(): Promise<{ store: ObjectStore; root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-file-test-'));
  const store = new FilesystemObjectStore({ root });
  await store.prepare();
  return { store, root, remove: () => rm(root, { recursive: true, force: true }) };
}

/** Every key in the store. */
export async function listKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

/** The FileService served over plaintext gRPC on loopback, and a client to it. */
export interface GrpcHarness {
  client: fileV1.FileServiceClient;
  close(): Promise<void>;
}

export async function serveOverGrpc(app: FileServiceApp): Promise<GrpcHarness> {
  const server = new Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
  server.addService(fileV1.FileServiceService, app.implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const client = new fileV1.FileServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** Uploads through the gRPC client, writing chunks with backpressure. */
export async function uploadOverGrpc(
  client: fileV1.FileServiceClient,
  header: Partial<fileV1.UploadHeader>,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<fileV1.UploadFileResponse> {
  let settle: ((error: AppError | undefined, response: fileV1.UploadFileResponse | undefined) => void) | undefined;
  const done = new Promise<fileV1.UploadFileResponse>((resolve, reject) => {
    settle = (error, response) => {
      if (error !== undefined) reject(error);
      else if (response === undefined) reject(new Error('UploadFile answered without a response'));
      else resolve(response);
    };
  });
  const call = client.uploadFile((error: ServiceError | null, response?: fileV1.UploadFileResponse) =>
    settle?.(error ? fromGrpcError(error) : undefined, response),
  );
  const full: fileV1.UploadHeader = { ...emptyHeader(), ...header };
  let ended = false;
  void done.catch(() => (ended = true));
  call.write({ part: { $case: 'header', header: full } });
  for await (const chunk of chunks) {
    if (ended) break;
    if (!call.write({ part: { $case: 'chunk', chunk } })) await new Promise<void>((resolve) => call.once('drain', resolve));
  }
  call.end();
  return done;
}

export function emptyHeader(): fileV1.UploadHeader {
  return { actorId: '', name: '', folder: '', declaredContentType: '', expectedSizeBytes: 0, expectedSha256: '', fileId: '', ifAbsent: false, traceparent: '' };
}

export function downloadRequest(request: Partial<fileV1.DownloadFileRequest>): fileV1.DownloadFileRequest {
  return {
    actorId: '',
    fileId: '',
    rangeStart: 0,
    rangeEnd: 0,
    version: 0,
    rangeHeader: '',
    ifMatch: '',
    ifNoneMatch: '',
    ifRange: '',
    ifModifiedSince: '',
    ifUnmodifiedSince: '',
    linkToken: '',
    headerOnly: false,
    traceparent: '',
    ...request,
  };
}

/** What a DownloadFile call yielded: the header, the bytes (or only their count), or the error. */
export interface DownloadResult {
  header: fileV1.DownloadHeader | undefined;
  body: Buffer;
  bytes: number;
  error: AppError | undefined;
}

export async function downloadOverGrpc(client: fileV1.FileServiceClient, request: Partial<fileV1.DownloadFileRequest>, options: { keepBytes?: boolean } = {}): Promise<DownloadResult> {
  const call = client.downloadFile(downloadRequest(request));
  const parts: Buffer[] = [];
  let header: fileV1.DownloadHeader | undefined;
  let bytes = 0;
  try {
    for await (const message of call as AsyncIterable<fileV1.DownloadFileResponse>) {
      const part = message.part;
      if (part?.$case === 'header') header = part.header;
      if (part?.$case === 'chunk') {
        bytes += part.chunk.length;
        if (options.keepBytes !== false) parts.push(part.chunk);
      }
    }
    return { header, body: Buffer.concat(parts), bytes, error: undefined };
  } catch (error) {
    return { header, body: Buffer.concat(parts), bytes, error: fromGrpcError(error as ServiceError) };
  }
}
