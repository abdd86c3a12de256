// Package webhooks verifies the webhooks Coffer delivers, signed per Standard Webhooks
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
//
//	verifier, err := webhooks.NewVerifier([]string{os.Getenv("COFFER_WEBHOOK_SECRET")})
//	...
//	body, _ := io.ReadAll(r.Body)
//	if err := verifier.Verify(body, r.Header); err != nil { /* 400, and log err */ }
package webhooks

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultTolerance is how far the webhook-timestamp may be from now, either way (the spec's).
const DefaultTolerance = 300 * time.Second

// A non-negative integer without leading zeros, so the header text and the number it denotes
// are the same thing (the signed content uses the header text).
var timestampShape = regexp.MustCompile(`^(?:0|[1-9][0-9]*)$`)

// The largest timestamp accepted, as in the TypeScript SDK (Number.MAX_SAFE_INTEGER), so every
// SDK accepts and rejects the same headers.
const maxTimestamp = 1<<53 - 1

// Verifier checks webhook signatures against every secret currently in use: during a rotation
// the sender signs with both, and either matching is enough. Safe for concurrent use.
//
// Verification does not stop replays within the tolerance window; deduplicate on webhook-id
// for that.
type Verifier struct {
	keys      [][]byte
	tolerance time.Duration
	clock     func() time.Time
}

// Option changes a Verifier's defaults.
type Option func(*Verifier)

// WithTolerance sets how far the timestamp may be from now, either way (default 300 s).
func WithTolerance(tolerance time.Duration) Option {
	return func(v *Verifier) { v.tolerance = tolerance }
}

// WithClock sets the verifier's "now" (default time.Now); for tests.
func WithClock(clock func() time.Time) Option {
	return func(v *Verifier) { v.clock = clock }
}

// NewVerifier returns a verifier for the given secrets ("whsec_" + base64, or bare base64). It
// fails if there is no secret, a secret is malformed, or the tolerance is negative.
func NewVerifier(secrets []string, options ...Option) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("webhooks: the verifier needs at least one secret")
	}
	v := &Verifier{tolerance: DefaultTolerance, clock: time.Now}
	for _, secret := range secrets {
		key, err := ParseSecret(secret)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, key)
	}
	for _, option := range options {
		option(v)
	}
	if v.tolerance < 0 {
		return nil, errors.New("webhooks: the tolerance must not be negative")
	}
	return v, nil
}

// Verify checks a webhook: payload is the raw request body exactly as received (never a
// re-serialized value), header the request headers (matched case-insensitively, so a map
// built by hand works too). It returns nil for an authentic, fresh webhook whose body is JSON,
// else one of the Err* values (a *VerificationError); the checks run in the order headers,
// timestamp format, freshness, signature, body.
func (v *Verifier) Verify(payload []byte, header http.Header) error {
	id, idOK := singleHeader(header, "webhook-id")
	timestamp, timestampOK := singleHeader(header, "webhook-timestamp")
	signatureHeader := strings.Join(headerValues(header, "webhook-signature"), " ")
	if !idOK || !timestampOK || strings.TrimSpace(signatureHeader) == "" {
		return ErrMissingHeaders
	}

	if !timestampShape.MatchString(timestamp) {
		return ErrInvalidTimestamp
	}
	sentAt, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || sentAt > maxTimestamp {
		return ErrInvalidTimestamp
	}
	now := v.clock().Unix()
	tolerance := int64(v.tolerance / time.Second)
	if now-sentAt > tolerance {
		return ErrTimestampTooOld
	}
	if sentAt-now > tolerance {
		return ErrTimestampTooNew
	}

	if !v.anySignatureMatches(id, timestamp, payload, v1Signatures(signatureHeader)) {
		return ErrNoMatchingSignature
	}

	if !utf8.Valid(payload) || !json.Valid(payload) {
		return ErrInvalidPayload
	}
	return nil
}

func (v *Verifier) anySignatureMatches(id, timestamp string, payload []byte, candidates [][]byte) bool {
	for _, key := range v.keys {
		expected := []byte(base64.StdEncoding.EncodeToString(webhookDigest(key, id, timestamp, payload)))
		for _, candidate := range candidates {
			// Lengths are public (every v1 signature is 44 characters); only the bytes are secret.
			if subtle.ConstantTimeCompare(candidate, expected) == 1 {
				return true
			}
		}
	}
	return false
}

func headerValues(header http.Header, name string) []string {
	var values []string
	for key, list := range header {
		if strings.EqualFold(key, name) {
			values = append(values, list...)
		}
	}
	return values
}

// singleHeader is the one non-empty value of a header; false if absent, empty or given twice
// with different values.
func singleHeader(header http.Header, name string) (string, bool) {
	distinct := map[string]struct{}{}
	value := ""
	for _, raw := range headerValues(header, name) {
		value = strings.TrimSpace(raw)
		distinct[value] = struct{}{}
	}
	return value, len(distinct) == 1 && value != ""
}

// v1Signatures are the base64 parts of the space-separated "v1,<base64>" entries; other
// versions are ignored. A header sent on several lines may arrive joined with ", ", so one
// trailing comma is dropped from each entry: base64 has no commas, so this never changes
// which signature an entry carries.
func v1Signatures(header string) [][]byte {
	var signatures [][]byte
	for _, entry := range strings.Fields(header) {
		entry = strings.TrimSuffix(entry, ",")
		if encoded, ok := strings.CutPrefix(entry, "v1,"); ok {
			signatures = append(signatures, []byte(encoded))
		}
	}
	return signatures
}
