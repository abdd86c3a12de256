import { AppError } from '@coffer/platform';

export const EMAIL_MAX_LENGTH = 254;
export const DISPLAY_NAME_MAX_LENGTH = 100;

// C0/C1 controls, line separators and bidi overrides (which can disguise a name).
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const domainLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const localPart = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/;

function invalid(field: string, detail: string): never {
  throw new AppError('invalid_argument', { detail: `${field}: ${detail}` });
}

/**
 * Validates an email address and returns it normalised (trimmed, domain lowercased). Uniqueness
 * is case-insensitive on the whole address (the database compares lower(email)). Deliberately
 * strict: ASCII local part, dotted domain; no quoted local parts, comments or IP literals.
 */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim();
  if (email.length === 0) invalid(field, 'is required.');
  if (email.length > EMAIL_MAX_LENGTH) invalid(field, `must be at most ${EMAIL_MAX_LENGTH} characters.`);
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  const labels = domain.split('.');
  const valid =
    at > 0 &&
    localPart.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    labels.length >= 2 &&
    labels.every((label) => domainLabel.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) invalid(field, 'is not a valid email address.');
  return `${local}@${domain}`;
}

/** Validates a display name and returns it normalised (NFC, trimmed, inner whitespace collapsed). */
export function normalizeDisplayName(raw: string, field = 'displayName'): string {
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length === 0) invalid(field, 'is required.');
  if (controlCharacters.test(name)) invalid(field, 'must not contain control characters.');
  if ([...name].length > DISPLAY_NAME_MAX_LENGTH) invalid(field, `must be at most ${DISPLAY_NAME_MAX_LENGTH} characters.`);
  return name;
}
