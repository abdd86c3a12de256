import express, { type RequestHandler } from 'express';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { RestOperation } from '@coffer/contracts';
import { AppError } from '@coffer/platform';

// ajv-formats is CommonJS with `exports.default`.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Request bodies of the REST API are small JSON documents; file bytes never go through here. */
export const JSON_BODY_LIMIT = '64kb';

const bodyAjv = addFormats(new Ajv2020({ allErrors: false, strict: false }));
const parameterAjv = addFormats(new Ajv2020({ allErrors: false, strict: false, coerceTypes: true, useDefaults: true }));
const parseJson = express.json({ limit: JSON_BODY_LIMIT, strict: true, type: () => true });

/** The validated path and query parameters of a request (defaults applied, numbers coerced). */
export type ValidatedParameters = Record<string, unknown>;

/** Turns the first schema violation into a clear 400 that names the field. */
function describe(error: ErrorObject | undefined, location: string): AppError {
  if (!error) return new AppError('invalid_argument', { detail: `${location}: is not valid.` });
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const params = error.params as Record<string, unknown>;
  const field = (name: unknown) => [path, typeof name === 'string' ? name : undefined].filter(Boolean).join('.') || location;
  switch (error.keyword) {
    case 'required':
      return new AppError('invalid_argument', { detail: `${field(params['missingProperty'])}: is required.` });
    case 'additionalProperties':
      return new AppError('invalid_argument', { detail: `${field(params['additionalProperty'])}: is not allowed.` });
    case 'format':
      return new AppError('invalid_argument', { detail: `${field(undefined)}: must be a valid ${String(params['format'])}.` });
    case 'minLength':
      return new AppError('invalid_argument', { detail: `${field(undefined)}: must be at least ${String(params['limit'])} characters.` });
    case 'maxLength':
      return new AppError('invalid_argument', { detail: `${field(undefined)}: must be at most ${String(params['limit'])} characters.` });
    default:
      return new AppError('invalid_argument', { detail: `${field(undefined)}: ${error.message ?? 'is not valid'}.` });
  }
}

/**
 * Validates a request against its operation in openapi/coffer.yaml before the handler runs:
 * path and query parameters (coerced, defaults applied, unknown query keys refused), and for
 * operations with a JSON body: the content type (415), the JSON itself (400), its size (413) and
 * its schema (400 naming the field).
 */
export function requestValidator(operation: RestOperation): RequestHandler[] {
  const parameters = operation.parameters.filter((parameter) => parameter.in === 'path' || parameter.in === 'query');
  const parameterSchema = {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
    required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
  };
  const validateParameters: ValidateFunction = parameterAjv.compile(parameterSchema);
  let checkParameters: RequestHandler = (req, res, next) => {
    const values: ValidatedParameters = { ...(req.query as Record<string, unknown>), ...req.params };
    if (!validateParameters(values)) {
      next(describe(validateParameters.errors?.[0], 'parameters'));
      return;
    }
    res.locals['parameters'] = values;
    next();
  };
  // Declared header parameters (Range, If-Match, Content-Digest…) that are sent must fit their
  // schema too: an over-long one is a 400 at the edge, not something a service may ignore.
  // Idempotency-Key is checked by the idempotency layer, which answers its own way (idempotency/).
  const headerParameters = operation.parameters.filter((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() !== 'idempotency-key');
  if (headerParameters.length > 0) {
    const validateHeaders: ValidateFunction = bodyAjv.compile({
      type: 'object',
      properties: Object.fromEntries(headerParameters.map((parameter) => [parameter.name.toLowerCase(), parameter.schema])),
    });
    const checkPathAndQuery = checkParameters;
    checkParameters = (req, res, next) => {
      if (!validateHeaders(req.headers)) {
        next(describe(validateHeaders.errors?.[0], 'headers'));
        return;
      }
      checkPathAndQuery(req, res, next);
    };
  }
  const body = 'requestBody' in operation ? operation.requestBody : undefined;
  // File bytes are streamed by the handler (size, digest and type are checked while streaming).
  if (!body || body.streamed) return [checkParameters];

  const validateBody = bodyAjv.compile(body.schema);
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      next(new AppError('unsupported_media_type', { detail: 'Send the request body as application/json.' }));
      return;
    }
    next();
  };
  const checkBody: RequestHandler = (req, _res, next) => {
    if (!validateBody(req.body)) {
      next(describe(validateBody.errors?.[0], 'body'));
      return;
    }
    next();
  };
  if (body.required) return [checkParameters, requireJson, parseJson, checkBody];
  // An optional body may be left out entirely (no Content-Type needed then); one that is sent is checked like any other.
  const whenSent =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) => {
      const sent = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      if (sent) handler(req, res, next);
      else next();
    };
  return [checkParameters, whenSent(requireJson), whenSent(parseJson), whenSent(checkBody)];
}
