package webhooks

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
)

const secretPrefix = "whsec_"

// Standard base64 (RFC 4648 section 4), padding optional. Go's decoder skips newlines, so the
// shape is checked first: a mistyped secret must fail loudly rather than produce signatures
// that never match.
var base64Shape = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)

// ParseSecret returns the HMAC key of a Standard Webhooks secret: "whsec_" followed by base64,
// or the bare base64 (as the reference libraries accept). The error never contains the secret.
func ParseSecret(secret string) ([]byte, error) {
	encoded := strings.TrimPrefix(secret, secretPrefix)
	if encoded == "" {
		return nil, errors.New("webhook secret is empty: expected 'whsec_' followed by base64")
	}
	unpadded := strings.TrimRight(encoded, "=")
	padded := len(unpadded) != len(encoded)
	if !base64Shape.MatchString(encoded) || len(unpadded)%4 == 1 || (padded && len(encoded)%4 != 0) {
		return nil, errors.New("webhook secret is not valid base64: expected 'whsec_' followed by base64")
	}
	key, err := base64.RawStdEncoding.DecodeString(unpadded)
	if err != nil {
		return nil, errors.New("webhook secret is not valid base64: expected 'whsec_' followed by base64")
	}
	return key, nil
}
