package webhooks

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

const specKeyHex = "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0"

func TestParseSecretDecodesPrefixedAndBareBase64ToTheSameKey(t *testing.T) {
	for _, secret := range []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		key, err := ParseSecret(secret)
		if err != nil {
			t.Fatalf("ParseSecret(%q): %v", secret, err)
		}
		if hex.EncodeToString(key) != specKeyHex {
			t.Fatalf("ParseSecret(%q) = %x, want %s", secret, key, specKeyHex)
		}
	}
}

func TestParseSecretAcceptsPaddedAndUnpaddedBase64(t *testing.T) {
	key := []byte("a 32-byte key, as Coffer issues!")
	padded := base64.StdEncoding.EncodeToString(key)
	if !strings.HasSuffix(padded, "=") {
		t.Fatal("the fixture must need padding")
	}
	for _, secret := range []string{"whsec_" + padded, "whsec_" + strings.TrimRight(padded, "=")} {
		got, err := ParseSecret(secret)
		if err != nil || string(got) != string(key) {
			t.Fatalf("ParseSecret(%q) = %q, %v", secret, got, err)
		}
	}
}

func TestParseSecretRejectsMalformedSecretsWithoutEchoingThem(t *testing.T) {
	cases := map[string]string{
		"empty":                       "",
		"only the prefix":             "whsec_",
		"characters outside base64":   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
		"url-safe alphabet":           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_",
		"inner whitespace":            "whsec_MfKQ9r8G KYqrTwjUPD8ILPZIo2LaLaSw",
		"inner newline":               "whsec_MfKQ9r8G\nKYqrTwjUPD8ILPZIo2LaLaSw",
		"a length no base64 has":      "whsec_MfKQ9",
		"padding on the wrong length": "whsec_MfKQ9r8==",
		"padding in the middle":       "whsec_MfKQ=9r8",
		"only padding":                "whsec_==",
	}
	for reason, secret := range cases {
		t.Run(reason, func(t *testing.T) {
			_, err := ParseSecret(secret)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !strings.Contains(err.Error(), "whsec_") {
				t.Fatalf("the message should say what is expected: %v", err)
			}
			if encoded := strings.TrimPrefix(secret, "whsec_"); encoded != "" && strings.Contains(err.Error(), encoded) {
				t.Fatalf("the message echoes the secret: %v", err)
			}
		})
	}
}
