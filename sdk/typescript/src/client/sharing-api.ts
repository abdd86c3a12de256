import { randomUUID } from 'node:crypto';
import { downloadFromResponse, type Download, type DownloadOptions } from './file-download.js';
import { downloadHeaders } from './files-api.js';
import type { HttpTransport } from './http-transport.js';
import type { CreatedLink, CreateLinkRequest, CreateShareRequest, Link, Share } from './schemas.js';

/** Shares of a file with other users (owner only). */
export class SharesApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /** Grants a user read, or read and write, optionally until a time. Retried safely with an Idempotency-Key (default a random UUID). */
  create(fileId: string, body: CreateShareRequest, options: { idempotencyKey?: string } = {}): Promise<Share> {
    return this.transport.json<Share>({ method: 'POST', path: `${sharesPath(fileId)}`, json: body, idempotencyKey: options.idempotencyKey ?? randomUUID() });
  }

  /** A file's live shares. */
  async list(fileId: string): Promise<Share[]> {
    return (await this.transport.json<{ shares: Share[] }>({ method: 'GET', path: sharesPath(fileId) })).shares;
  }

  /** Revokes a share; the grantee loses access within a second. */
  async revoke(fileId: string, shareId: string): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: `${sharesPath(fileId)}/${encodeURIComponent(shareId)}` });
  }
}

/** Signed, expiring share links. */
export class LinksApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /** Creates a link; its `token` is shown once (see {@link LinksApi.url}). */
  create(fileId: string, body: CreateLinkRequest = {}): Promise<CreatedLink> {
    return this.transport.json<CreatedLink>({ method: 'POST', path: linksPath(fileId), json: body });
  }

  /** A file's live links (without tokens). */
  async list(fileId: string): Promise<Link[]> {
    return (await this.transport.json<{ links: Link[] }>({ method: 'GET', path: linksPath(fileId) })).links;
  }

  /** Revokes a link. */
  async revoke(fileId: string, linkId: string): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: `${linksPath(fileId)}/${encodeURIComponent(linkId)}` });
  }

  /** The absolute URL anyone can download a link's file from. */
  url(token: string): string {
    return this.transport.url(linkDownloadPath(token)).toString();
  }

  /** Downloads through a link token, without signing in. */
  async download(token: string, options: Omit<DownloadOptions, 'version'> = {}): Promise<Download> {
    const response = await this.transport.send({
      method: 'GET',
      path: linkDownloadPath(token),
      headers: downloadHeaders(options),
      authenticated: false,
      signal: options.signal,
    });
    return downloadFromResponse(response, options);
  }
}

const sharesPath = (fileId: string) => `/v1/files/${encodeURIComponent(fileId)}/shares`;
const linksPath = (fileId: string) => `/v1/files/${encodeURIComponent(fileId)}/links`;
const linkDownloadPath = (token: string) => `/v1/links/${encodeURIComponent(token)}`;
