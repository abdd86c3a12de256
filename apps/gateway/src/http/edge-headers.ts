import type { RequestHandler } from 'express';

/**
 * Security headers for an API that serves JSON and file bytes, never pages to render (the
 * /docs page sets its own policy). HSTS only when the gateway is told it is served over TLS.
 */
export function securityHeaders(options: { hstsMaxAgeSeconds: number }): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (options.hstsMaxAgeSeconds > 0) res.setHeader('strict-transport-security', `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains`);
    next();
  };
}

const EXPOSED_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'location', 'content-digest', 'etag', 'idempotent-replayed'];

/**
 * CORS for the browser origins the operator lists (none by default: no browser on another
 * origin may call the API). Credentials are bearer tokens, never cookies, so
 * Access-Control-Allow-Credentials is not sent. Preflights are answered here.
 */
export function cors(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    const origin = req.header('origin');
    if (origin === undefined || !allowed.has(origin)) {
      if (origin !== undefined) res.setHeader('vary', 'Origin');
      next();
      return;
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
    if (req.method === 'OPTIONS' && req.header('access-control-request-method')) {
      res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, content-digest, x-request-id, idempotency-key, if-match, if-none-match, range');
      res.setHeader('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
