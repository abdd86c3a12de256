import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A fresh JSON Schema 2020-12 validator with the standard formats (`date-time`, `uri-reference`, ...). */
export function createAjv(): Ajv2020 {
  return addFormats(new Ajv2020({ allErrors: false, strict: true }));
}

/** `/a/b` plus ajv's own words, e.g. `"time" must match format "date-time"`. */
export function describeAjvError(error: ErrorObject | undefined, root: string): { path: string; message: string } {
  if (error === undefined) return { path: root, message: 'is invalid' };
  const segments = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: unknown }).missingProperty;
    if (typeof missing === 'string') segments.push(missing);
    return { path: segments.join('.') || root, message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
    if (typeof extra === 'string') segments.push(extra);
    return { path: segments.join('.') || root, message: 'is not allowed' };
  }
  return { path: segments.join('.') || root, message: error.message ?? 'is invalid' };
}
