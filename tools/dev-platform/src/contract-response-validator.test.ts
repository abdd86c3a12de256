import { describe, expect, it } from 'vitest';
import { contractViolations } from './contract-response-validator.js';

const base = 'http://127.0.0.1:8080';

describe('contractViolations', () => {
  it('accepts a response that keeps the contract', () => {
    expect(contractViolations('GET', `${base}/v1/health`, 200, { status: 'ok', services: { auth: { status: 'serving' } } })).toEqual([]);
    expect(contractViolations('POST', `${base}/v1/auth/logout`, 204, undefined)).toEqual([]);
    expect(contractViolations('GET', `${base}/v1/users/0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111`, 404, { type: 'x', title: 'Not found', status: 404, code: 'not_found' })).toEqual([]);
  });

  it('reports a body that does not match, a missing field and an unknown value', () => {
    expect(contractViolations('GET', `${base}/v1/health`, 200, { status: 'fine', services: {} })).not.toEqual([]);
    expect(contractViolations('POST', `${base}/v1/auth/login`, 200, { accessToken: 'x' })).not.toEqual([]);
  });

  it('reports an undeclared status and an unknown operation', () => {
    expect(contractViolations('GET', `${base}/v1/users/me`, 200, { id: 'not-a-uuid' })).not.toEqual([]);
    expect(contractViolations('GET', `${base}/v1/nothing`, 200, {})).toEqual(['GET /v1/nothing is not an operation of the contract']);
  });
});
