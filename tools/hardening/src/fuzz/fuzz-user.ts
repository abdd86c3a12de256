import { randomUUID } from 'node:crypto';

export interface FuzzUser {
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
}

/** Signs a fresh user up and logs it in through the REST API, as any client would. */
export async function createFuzzUser(gatewayUrl: string): Promise<FuzzUser> {
  const email = `fuzz-${randomUUID().slice(0, 12)}@example.com`;
  const password = `fuzz-${randomUUID()}`;
  const post = (path: string, body: unknown) =>
    fetch(`${gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const signUp = await post('/v1/users', { email, displayName: 'fuzz', password });
  if (signUp.status !== 201) throw new Error(`sign-up of the fuzz user answered ${signUp.status}: ${await signUp.text()}`);
  const login = await post('/v1/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login of the fuzz user answered ${login.status}: ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken?: unknown };
  if (typeof accessToken !== 'string') throw new Error('login of the fuzz user gave no accessToken');
  return { email, password, accessToken };
}

/** Identifiers of resources the fuzz user owns, so operations on them reach past 404. */
export interface FuzzResources {
  readonly fileId: string;
  readonly linkId: string;
  readonly linkToken: string;
  readonly webhookId: string;
}

/** Uploads a file, links it and subscribes a webhook (to a loopback port where nothing listens). */
export async function createFuzzResources(gatewayUrl: string, accessToken: string): Promise<FuzzResources> {
  const call = async (method: string, path: string, body: string, contentType: string, expected: number) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const file = await call('POST', '/v1/files?name=seed.txt&folder=/fuzz', 'seed content for the contract fuzzer', 'text/plain', 201);
  const fileId = String(file['id']);
  const link = await call('POST', `/v1/files/${fileId}/links`, JSON.stringify({ expiresInSeconds: 86_400 }), 'application/json', 201);
  const webhook = await call('POST', '/v1/webhooks', JSON.stringify({ url: 'https://127.0.0.1:9/hook', eventTypes: ['file.*'] }), 'application/json', 201);
  return { fileId, linkId: String(link['id']), linkToken: String(link['token']), webhookId: String(webhook['id']) };
}
