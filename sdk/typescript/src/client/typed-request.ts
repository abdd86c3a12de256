import type { paths } from '../generated/openapi.generated.js';
import type { HttpTransport, QueryValues } from './http-transport.js';
import { readJson } from './http-transport.js';

/** The lower-case HTTP methods of the API description. */
export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head';

/** The API paths that have an operation for `M`. */
export type PathsWithMethod<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends { [K in M]: { responses: unknown } } ? P : never;
}[keyof paths];

/** The operation at a path and method. */
export type OperationAt<P extends keyof paths, M extends HttpMethod> = paths[P] extends { [K in M]: infer Operation } ? Operation : never;

/** The `application/json` content of a request body or response. */
export type JsonContentOf<Content> = Content extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of an operation's successful answers (`undefined` for answers without one, e.g. 204). */
export type SuccessBody<Operation> = Operation extends { responses: infer Responses }
  ? [{ [S in keyof Responses]: S extends 200 | 201 | 202 ? JsonContentOf<Responses[S]> : never }[keyof Responses]] extends [never]
    ? undefined
    : { [S in keyof Responses]: S extends 200 | 201 | 202 ? JsonContentOf<Responses[S]> : never }[keyof Responses]
  : never;

/** The JSON request body of an operation (`never` when it takes none). */
export type RequestBodyOf<Operation> = Operation extends { requestBody?: infer Body } ? JsonContentOf<NonNullable<Body>> : never;

/** The path, query and header parameters of an operation. */
export type ParamsOf<Operation> = Operation extends { parameters: infer Params }
  ? {
      path?: Params extends { path?: infer Path } ? Path : never;
      query?: Params extends { query?: infer Query } ? Query : never;
      header?: Params extends { header?: infer Header } ? Header : never;
    }
  : never;

/** The options of {@link CofferClient.request}. */
export interface TypedRequestInit<Operation> {
  params?: ParamsOf<Operation>;
  body?: RequestBodyOf<Operation>;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Sent as `Idempotency-Key` (and makes a POST retryable). */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Send the access token (default true). */
  authenticated?: boolean;
}

/** The answer of {@link CofferClient.request}: the parsed body, the status and the headers (e.g. `Idempotent-Replayed`). */
export interface TypedResponse<Operation> {
  data: SuccessBody<Operation>;
  status: number;
  headers: Headers;
}

/**
 * A typed call of any operation in the API description, for what the SDK does not wrap. Path
 * parameters fill `{name}` in the path; errors throw as with every other call.
 */
export async function typedRequest<M extends HttpMethod, P extends PathsWithMethod<M>>(
  transport: HttpTransport,
  method: M,
  path: P,
  init: TypedRequestInit<OperationAt<P, M>> = {},
): Promise<TypedResponse<OperationAt<P, M>>> {
  const params = (init.params ?? {}) as { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  const expanded = String(path).replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = params.path?.[name];
    if (value === undefined) throw new TypeError(`Missing path parameter ${name} for ${String(path)}.`);
    return encodeURIComponent(String(value as string | number));
  });
  const headers: Record<string, string> = { ...init.headers };
  for (const [name, value] of Object.entries(params.header ?? {})) if (value !== undefined) headers[name] = String(value as string | number);
  const idempotencyKey = init.idempotencyKey ?? (typeof headers['Idempotency-Key'] === 'string' ? headers['Idempotency-Key'] : undefined);
  delete headers['Idempotency-Key'];
  const response = await transport.send({
    method: method.toUpperCase() as 'GET',
    path: expanded,
    query: params.query as QueryValues | undefined,
    headers,
    json: init.body,
    idempotencyKey,
    signal: init.signal,
    authenticated: init.authenticated,
  });
  const type = response.headers.get('content-type') ?? '';
  const data = /json/i.test(type) ? await readJson(response) : (await response.body?.cancel(), undefined);
  return { data: data as SuccessBody<OperationAt<P, M>>, status: response.status, headers: response.headers };
}
