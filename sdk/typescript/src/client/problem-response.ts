import { CofferApiError } from './coffer-errors.js';
import { parseRetryAfter } from './retry-policy.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * The {@link CofferApiError} for an error answer. Reads the body: a problem+json (or any JSON
 * object) fills the error's fields; anything else (an HTML page from a proxy, an empty body)
 * still gives an error with the status, and the start of the text as `detail`.
 */
export async function apiErrorFromResponse(response: Response, request: { method: string; url: string }, now: () => number = Date.now): Promise<CofferApiError> {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), now());
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body broke off; the status is still worth reporting.
  }
  return new CofferApiError({
    status: response.status,
    problem: problemFromBody(response.status, response.headers.get('content-type'), text, response.statusText),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    method: request.method,
    url: request.url,
  });
}

/** The problem document in an error body, or one synthesised from the status and text. */
export function problemFromBody(status: number, contentType: string | null, text: string, statusText = ''): Record<string, unknown> {
  if (contentType !== null && JSON_TYPE.test(contentType) && text.length > 0) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return { status, ...(parsed as Record<string, unknown>) };
      }
    } catch {
      // Not JSON after all: fall through to the synthesised problem.
    }
  }
  const detail = text.trim().slice(0, 500);
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    code: `http_${status}`,
    ...(detail ? { detail } : {}),
  };
}
