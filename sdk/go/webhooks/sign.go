package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// Sign returns the "v1,<base64>" signature of a webhook, as a Standard Webhooks sender puts it
// in the webhook-signature header. Meant for consumers' tests: sign a fixture, then feed it to
// a Verifier. The timestamp is rounded down to whole seconds.
func Sign(secret, id string, timestamp time.Time, payload []byte) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	digest := webhookDigest(key, id, strconv.FormatInt(timestamp.Unix(), 10), payload)
	return "v1," + base64.StdEncoding.EncodeToString(digest), nil
}

// webhookDigest is HMAC-SHA256 over "<id>.<timestamp>." followed by the body bytes exactly as
// received (never decoded and re-encoded).
func webhookDigest(key []byte, id, timestamp string, payload []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(payload)
	return mac.Sum(nil)
}
