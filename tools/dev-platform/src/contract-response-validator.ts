import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { restOperations, type RestOperation } from '@coffer/contracts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const compiled = new Map<string, ValidateFunction>();

function operationFor(method: string, pathname: string): RestOperation | undefined {
  return restOperations.find((operation) => {
    if (operation.method !== method.toLowerCase()) return false;
    const pattern = new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(pathname);
  });
}

/**
 * Checks a response of the running gateway against openapi/coffer.yaml: the status must be
 * declared for the operation (or covered by `default`), and a JSON body must match its schema.
 * Returns the problems found (none when the response keeps the contract).
 */
export function contractViolations(method: string, url: string, status: number, body: unknown): string[] {
  const { pathname } = new URL(url);
  const operation = operationFor(method, pathname);
  if (!operation) return [`${method} ${pathname} is not an operation of the contract`];
  const responses = operation.responses as Record<string, unknown>;
  const declared = Object.hasOwn(responses, String(status)) ? String(status) : Object.hasOwn(responses, 'default') ? 'default' : undefined;
  const isSuccess = status >= 200 && status < 300;
  if (declared === undefined) {
    // A success without a body schema (204) is declared in the spec without content.
    return isSuccess && body === undefined ? [] : [`${operation.operationId}: status ${status} is not declared`];
  }
  if (body === undefined) return [];
  const key = `${operation.operationId}:${declared}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(responses[declared] as object);
    compiled.set(key, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((error) => `${operation.operationId} ${status}: ${error.instancePath || '(body)'} ${error.message ?? ''}`);
}
