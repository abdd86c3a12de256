import { describe, expect, it } from 'vitest';
import { CofferApiError } from './coffer-errors.js';
import { apiErrorFromResponse, problemFromBody } from './problem-response.js';

const request = { method: 'GET', url: '/v1/files/x' };

describe('errors from problem+json', () => {
  it('carries every field of the problem document', async () => {
    const problem = { type: 'https://coffer.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'No such file.', instance: '/v1/files/x', code: 'not_found', requestId: 'r-1' };
    const error = await apiErrorFromResponse(new Response(JSON.stringify(problem), { status: 404, headers: { 'content-type': 'application/problem+json' } }), request);
    expect(error).toBeInstanceOf(CofferApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', type: problem.type, title: 'Not Found', detail: 'No such file.', instance: '/v1/files/x', requestId: 'r-1' });
    expect(error.problem).toEqual(problem);
    expect(error.message).toBe('404 Not Found: No such file. (GET /v1/files/x)');
  });

  it('reads Retry-After', async () => {
    const error = await apiErrorFromResponse(
      new Response(JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'rate_limited' }), {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
      }),
      request,
    );
    expect(error.retryAfterSeconds).toBe(7);
  });

  it('turns a non-JSON answer into an error with the status and the text', async () => {
    const error = await apiErrorFromResponse(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } }), request);
    expect(error).toMatchObject({ status: 502, code: 'http_502', title: 'Bad Gateway', type: 'about:blank', detail: '<html>Bad gateway</html>' });
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('survives an empty body, broken JSON and JSON that is not an object', () => {
    expect(problemFromBody(500, 'application/problem+json', '')).toMatchObject({ status: 500, code: 'http_500' });
    expect(problemFromBody(500, 'application/json', '{broken')).toMatchObject({ code: 'http_500', detail: '{broken' });
    expect(problemFromBody(400, 'application/json', '[1,2]')).toMatchObject({ code: 'http_400' });
  });

  it('keeps the status when the document lacks it', () => {
    expect(problemFromBody(409, 'application/problem+json', '{"title":"Conflict","code":"name_taken"}')).toEqual({ status: 409, title: 'Conflict', code: 'name_taken' });
  });
});
