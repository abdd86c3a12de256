import type { RequestHandler } from 'express';
import { openApiDocument, restOperations } from '@coffer/contracts';

function escapeHtml(text: string | number | boolean | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface OperationDoc {
  summary?: string;
  description?: string;
  tags?: string[];
  responses?: Record<string, { description?: string }>;
}

/** GET /openapi.json: the contract itself. */
export const serveOpenApiJson: RequestHandler = (_req, res) => {
  res.status(200).setHeader('cache-control', 'public, max-age=300').json(openApiDocument);
};

/**
 * GET /docs: a readable page rendered on the server from the contract — no scripts, no assets
 * from elsewhere (works offline and under a strict CSP).
 */
export function apiDocsPage(): RequestHandler {
  const info = (openApiDocument['info'] ?? {}) as { title?: string; version?: string; description?: string };
  const paths = (openApiDocument['paths'] ?? {}) as Record<string, Record<string, OperationDoc>>;
  const sections = restOperations
    .map((operation) => {
      const doc = paths[operation.path]?.[operation.method] ?? {};
      const responses = Object.entries(doc.responses ?? {})
        .map(([code, response]) => `<li><code>${escapeHtml(code)}</code> ${escapeHtml(response.description ?? '')}</li>`)
        .join('');
      const parameters = operation.parameters.map((p) => `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''})</li>`).join('');
      return `<section id="${escapeHtml(operation.operationId)}"><h2><span class="m">${escapeHtml(operation.method.toUpperCase())}</span> <code>${escapeHtml(operation.path)}</code></h2>
<p><b>${escapeHtml(doc.summary)}</b> — <code>${escapeHtml(operation.operationId)}</code>${operation.public ? ' · public' : ' · bearer token'}</p>
<p>${escapeHtml(doc.description)}</p>${parameters ? `<h3>Parameters</h3><ul>${parameters}</ul>` : ''}<h3>Responses</h3><ul>${responses}</ul></section>`;
    })
    .join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}.m{font-family:monospace;color:#05a}section{border-top:1px solid #ddd}</style></head>
<body><h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1><p>${escapeHtml(info.description)}</p>
<p>The contract: <a href="/openapi.json">/openapi.json</a>. Errors are <code>application/problem+json</code> (RFC 9457).</p>
${sections}</body></html>`;
  return (_req, res) => {
    res
      .status(200)
      .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .setHeader('cache-control', 'public, max-age=300')
      .type('text/html')
      .send(html);
  };
}
