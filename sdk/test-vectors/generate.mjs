// Writes webhook-signatures.json: the Standard Webhooks vectors every Coffer SDK verifier
// (TypeScript, Python, Go) must pass. Deterministic: fixed secrets, ids and times, so running
// it again yields the same file. `node generate.mjs --check` fails if the file is stale.
//
// Signatures are computed here with node:crypto, independently of the SDK code under test,
// and every case is cross-checked against the official `standardwebhooks` package: each
// 'valid' case must verify with it and each rejected case must be rejected by it.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Webhook } = require('standardwebhooks');

const OUTPUT = new URL('./webhook-signatures.json', import.meta.url);

// The example in the specification, with its published signature.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

// A second 32-byte key, derived so that it is fixed but not hand-typed.
const OTHER_SECRET = `whsec_${createHash('sha256').update('coffer webhook test vectors: other secret').digest('base64')}`;

function sign(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body, 'utf8').digest('base64');
  return `v1,${mac}`;
}

const t = SPEC_TIMESTAMP;
const specSig = sign(SPEC_SECRET, SPEC_ID, t, SPEC_BODY);
if (specSig !== SPEC_SIGNATURE) {
  throw new Error(`The specification's reference vector does not reproduce: ${specSig}`);
}
const otherSig = sign(OTHER_SECRET, SPEC_ID, t, SPEC_BODY);

/** A case signed with the spec secret over its own id, timestamp and body unless overridden. */
function signedCase(name, fields) {
  const c = { secret: SPEC_SECRET, id: SPEC_ID, timestamp: String(t), body: SPEC_BODY, nowSeconds: t, ...fields };
  const signatureHeader = 'signatureHeader' in fields ? fields.signatureHeader : sign(c.secret ?? c.secrets[0], c.id, c.timestamp, c.body);
  const ordered = { name };
  if (c.secrets) ordered.secrets = c.secrets;
  else ordered.secret = c.secret;
  return { ...ordered, id: c.id, timestamp: c.timestamp, body: c.body, signatureHeader, nowSeconds: c.nowSeconds, expect: c.expect };
}

const cases = [
  signedCase('spec reference vector', { signatureHeader: SPEC_SIGNATURE, expect: 'valid' }),
  signedCase('secret given as bare base64 without the whsec_ prefix', {
    secret: SPEC_SECRET.slice('whsec_'.length),
    signatureHeader: SPEC_SIGNATURE,
    expect: 'valid',
  }),
  signedCase('non-ASCII body is signed as its UTF-8 bytes', { body: '{"name":"Zoë ✓ 文件"}', expect: 'valid' }),
  signedCase('missing webhook-id', { id: null, signatureHeader: SPEC_SIGNATURE, expect: 'missing_headers' }),
  signedCase('missing webhook-timestamp', { timestamp: null, signatureHeader: SPEC_SIGNATURE, expect: 'missing_headers' }),
  signedCase('missing webhook-signature', { signatureHeader: null, expect: 'missing_headers' }),
  signedCase('non-numeric timestamp', { timestamp: 'yesterday', expect: 'invalid_timestamp' }),
  signedCase('fractional timestamp', { timestamp: `${t}.5`, expect: 'invalid_timestamp' }),
  signedCase('timestamp 301 s too old', { timestamp: String(t - 301), expect: 'timestamp_too_old' }),
  signedCase('timestamp 301 s in the future', { timestamp: String(t + 301), expect: 'timestamp_too_new' }),
  signedCase('timestamp 300 s old (tolerance is inclusive)', { timestamp: String(t - 300), expect: 'valid' }),
  signedCase('timestamp 300 s in the future (tolerance is inclusive)', { timestamp: String(t + 300), expect: 'valid' }),
  signedCase('timestamp 299 s old', { timestamp: String(t - 299), expect: 'valid' }),
  signedCase('timestamp 299 s in the future', { timestamp: String(t + 299), expect: 'valid' }),
  signedCase('timestamp in milliseconds is far in the future', { timestamp: String(t * 1000), expect: 'timestamp_too_new' }),
  signedCase('stale timestamp is reported before a bad signature', {
    timestamp: String(t - 301),
    signatureHeader: 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    expect: 'timestamp_too_old',
  }),
  signedCase('bare v1, entry matches nothing', { signatureHeader: 'v1,', expect: 'no_matching_signature' }),
  signedCase('re-serialized body no longer matches', {
    body: '{"test":2432232314}',
    signatureHeader: SPEC_SIGNATURE,
    expect: 'no_matching_signature',
  }),
  signedCase('wrong secret', { secret: OTHER_SECRET, signatureHeader: SPEC_SIGNATURE, expect: 'no_matching_signature' }),
  signedCase('signature over a different webhook-id', {
    id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    signatureHeader: SPEC_SIGNATURE,
    expect: 'no_matching_signature',
  }),
  signedCase('truncated signature', { signatureHeader: SPEC_SIGNATURE.slice(0, -4), expect: 'no_matching_signature' }),
  signedCase('several signatures, only the second matches', {
    signatureHeader: `${otherSig} ${SPEC_SIGNATURE}`,
    expect: 'valid',
  }),
  signedCase('malformed entries before the matching one are skipped', {
    signatureHeader: `v1,not*base64 v1a,${SPEC_SIGNATURE.slice(3)} ${SPEC_SIGNATURE}`,
    expect: 'valid',
  }),
  signedCase('only a v2 signature (the v1 value under another version)', {
    signatureHeader: `v2,${SPEC_SIGNATURE.slice(3)}`,
    expect: 'no_matching_signature',
  }),
  signedCase('v1a (asymmetric) signatures are not v1', {
    signatureHeader: `v1a,${SPEC_SIGNATURE.slice(3)}`,
    expect: 'no_matching_signature',
  }),
  signedCase('rotation: two secrets, header carries both signatures', {
    secrets: [SPEC_SECRET, OTHER_SECRET],
    signatureHeader: `${SPEC_SIGNATURE} ${otherSig}`,
    expect: 'valid',
  }),
  signedCase('rotation: two secrets, header carries only the new one', {
    secrets: [SPEC_SECRET, OTHER_SECRET],
    signatureHeader: otherSig,
    expect: 'valid',
  }),
  signedCase('rotation: old secret retired, header still carries both', {
    secret: OTHER_SECRET,
    signatureHeader: `${SPEC_SIGNATURE} ${otherSig}`,
    expect: 'valid',
  }),
  signedCase('authentic body that is not JSON', { body: 'not json', expect: 'invalid_payload' }),
];

const document = {
  description: [
    'Standard Webhooks verification vectors shared by the Coffer SDKs (TypeScript, Python, Go); regenerate with `node generate.mjs`.',
    'Each case: `secret` (one string) or `secrets` (a list; verification succeeds if any one matches), each "whsec_" + base64 or bare base64;',
    '`id`, `timestamp`, `signatureHeader`: the exact values of the webhook-id, webhook-timestamp and webhook-signature headers, null meaning the header is absent;',
    '`body`: the exact request body as a string, to be encoded as UTF-8 bytes (never re-serialized);',
    '`nowSeconds`: the verifier\'s current time in seconds since the epoch; the tolerance is the default 300 s, inclusive, in both directions;',
    '`expect`: "valid" (verification succeeds and the body parses as JSON) or the error code the verifier must report,',
    'one of missing_headers, invalid_timestamp, timestamp_too_old, timestamp_too_new, no_matching_signature, invalid_payload.',
    'Checks run in that order: headers, timestamp format (a non-negative integer of seconds), freshness, signature (HMAC-SHA256 of `${id}.${timestamp}.${body}`',
    'keyed with the base64-decoded secret, compared in constant time against each space-separated "v1,<base64>" entry; other versions are ignored), then JSON parsing.',
  ].join(' '),
  specification: 'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md',
  cases,
};

crossCheck(cases);

const text = `${JSON.stringify(document, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(OUTPUT, 'utf8') !== text) {
    console.error('webhook-signatures.json is not up to date: run `node sdk/test-vectors/generate.mjs`.');
    process.exit(1);
  }
  console.log(`webhook-signatures.json is up to date (${cases.length} cases).`);
} else {
  writeFileSync(OUTPUT, text);
  console.log(`Wrote ${cases.length} cases to webhook-signatures.json.`);
}

/** Every valid case verifies with the official library; every other case is rejected by it. */
function crossCheck(all) {
  const realNow = Date.now;
  try {
    for (const c of all) {
      Date.now = () => c.nowSeconds * 1000;
      const headers = {};
      if (c.id !== null) headers['webhook-id'] = c.id;
      if (c.timestamp !== null) headers['webhook-timestamp'] = c.timestamp;
      if (c.signatureHeader !== null) headers['webhook-signature'] = c.signatureHeader;
      const accepted = (c.secrets ?? [c.secret]).some((secret) => {
        try {
          new Webhook(secret).verify(c.body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (accepted !== (c.expect === 'valid')) {
        throw new Error(`standardwebhooks ${accepted ? 'accepts' : 'rejects'} case "${c.name}" (expected ${c.expect}).`);
      }
    }
  } finally {
    Date.now = realNow;
  }
}
