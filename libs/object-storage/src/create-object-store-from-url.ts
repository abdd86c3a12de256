import { fileURLToPath } from 'node:url';
import { AppError } from '@coffer/platform';
import { Client } from 'minio';
import { FilesystemObjectStore } from './filesystem-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** Options of {@link createObjectStoreFromUrl}; everything but `partSize` is for S3 credentials. */
export interface ObjectStoreFromUrlOptions {
  /** S3 only. Kept out of the URL, which ends up in logs and config dumps. */
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly sessionToken?: string;
  /** S3 only: see {@link S3ObjectStoreOptions.partSize}. */
  readonly partSize?: number;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Builds the store a URL names, without any I/O (call `prepare()` at start-up):
 * - `s3://<bucket>?endpoint=http://127.0.0.1:59000&region=us-east-1` → {@link S3ObjectStore};
 *   without `endpoint`, AWS S3 over HTTPS. Credentials come from `options`, never the URL.
 * - `file:///absolute/folder` → {@link FilesystemObjectStore}.
 *
 * Throws `AppError('invalid_argument')` otherwise; messages never repeat the URL.
 */
export function createObjectStoreFromUrl(url: string, options: ObjectStoreFromUrlOptions = {}): ObjectStore {
  const parsed = parseUrl(url);
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '' && parsed.host !== 'localhost') throw invalid('A file:// object store URL must not name a host.');
    if (parsed.search !== '') throw invalid('A file:// object store URL takes no parameters.');
    return new FilesystemObjectStore({ root: fileURLToPath(parsed) });
  }
  if (parsed.protocol === 's3:') return s3FromUrl(parsed, options);
  throw invalid('The object store URL must start with s3:// or file://.');
}

function s3FromUrl(url: URL, options: ObjectStoreFromUrlOptions): S3ObjectStore {
  if (url.username !== '' || url.password !== '') {
    throw invalid('Put S3 credentials in the options, not in the object store URL.');
  }
  const bucket = url.hostname;
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw invalid('The S3 bucket name in the object store URL is not valid.');
  if (url.pathname !== '' && url.pathname !== '/') throw invalid('An s3:// object store URL takes no path.');
  for (const name of url.searchParams.keys()) {
    if (name !== 'endpoint' && name !== 'region') throw invalid(`Unknown object store URL parameter "${name}".`);
  }
  const region = url.searchParams.get('region') ?? 'us-east-1';
  const endpoint = parseEndpoint(url.searchParams.get('endpoint'));
  const client = new Client({
    endPoint: endpoint.hostname,
    ...(endpoint.port === undefined ? {} : { port: endpoint.port }),
    useSSL: endpoint.useSSL,
    region,
    ...(options.accessKey === undefined ? {} : { accessKey: options.accessKey }),
    ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
    ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
  });
  return new S3ObjectStore({
    client,
    bucket,
    region,
    ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
  });
}

function parseEndpoint(value: string | null): { hostname: string; port?: number; useSSL: boolean } {
  if (value === null) return { hostname: 's3.amazonaws.com', useSSL: true };
  const endpoint = parseUrl(value);
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw invalid('The S3 endpoint must be an http:// or https:// URL.');
  if (endpoint.username !== '' || endpoint.password !== '') throw invalid('Put S3 credentials in the options, not in the endpoint.');
  if ((endpoint.pathname !== '' && endpoint.pathname !== '/') || endpoint.search !== '') throw invalid('The S3 endpoint takes no path.');
  const hostname = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    hostname,
    ...(endpoint.port === '' ? {} : { port: Number(endpoint.port) }),
    useSSL: endpoint.protocol === 'https:',
  };
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw invalid('The object store URL is not a valid URL.');
  }
}

function invalid(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}
