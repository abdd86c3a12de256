package webhooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// The vectors every Coffer SDK shares (sdk/test-vectors, written by generate.mjs).
type webhookVector struct {
	Name            string   `json:"name"`
	Secret          *string  `json:"secret"`
	Secrets         []string `json:"secrets"`
	ID              *string  `json:"id"`
	Timestamp       *string  `json:"timestamp"`
	Body            string   `json:"body"`
	SignatureHeader *string  `json:"signatureHeader"`
	NowSeconds      int64    `json:"nowSeconds"`
	Expect          string   `json:"expect"`
}

func loadVectors(t *testing.T) []webhookVector {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "test-vectors", "webhook-signatures.json"))
	if err != nil {
		t.Fatalf("reading the shared vectors: %v", err)
	}
	var file struct {
		Cases []webhookVector `json:"cases"`
	}
	if err := json.Unmarshal(text, &file); err != nil {
		t.Fatalf("parsing the shared vectors: %v", err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("the shared vectors file has no cases")
	}
	return file.Cases
}

func (vector webhookVector) secrets(t *testing.T) []string {
	if vector.Secrets != nil {
		return vector.Secrets
	}
	if vector.Secret == nil {
		t.Fatalf("vector %q has no secret", vector.Name)
	}
	return []string{*vector.Secret}
}

func (vector webhookVector) header() http.Header {
	header := http.Header{}
	if vector.ID != nil {
		header.Set("webhook-id", *vector.ID)
	}
	if vector.Timestamp != nil {
		header.Set("webhook-timestamp", *vector.Timestamp)
	}
	if vector.SignatureHeader != nil {
		header.Set("webhook-signature", *vector.SignatureHeader)
	}
	return header
}

func (vector webhookVector) verify(t *testing.T, body []byte) error {
	t.Helper()
	now := time.Unix(vector.NowSeconds, 0)
	verifier, err := NewVerifier(vector.secrets(t), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return verifier.Verify(body, vector.header())
}

func TestSharedVectors(t *testing.T) {
	vectors := loadVectors(t)
	seen := map[string]bool{}
	for _, vector := range vectors {
		seen[vector.Expect] = true
		t.Run(vector.Name, func(t *testing.T) {
			err := vector.verify(t, []byte(vector.Body))
			if vector.Expect == "valid" {
				if err != nil {
					t.Fatalf("expected the webhook to verify, got %v", err)
				}
				return
			}
			var rejection *VerificationError
			if !errors.As(err, &rejection) {
				t.Fatalf("expected a *VerificationError with code %s, got %v", vector.Expect, err)
			}
			if string(rejection.Code) != vector.Expect {
				t.Fatalf("expected code %s, got %s (%v)", vector.Expect, rejection.Code, err)
			}
		})
	}

	// Every error code this package reports is exercised by the shared file, and nothing else.
	var expectations []string
	for expectation := range seen {
		expectations = append(expectations, expectation)
	}
	sort.Strings(expectations)
	want := []string{"invalid_payload", "invalid_timestamp", "missing_headers", "no_matching_signature", "timestamp_too_new", "timestamp_too_old", "valid"}
	if len(expectations) != len(want) {
		t.Fatalf("the vectors expect %v, want exactly %v", expectations, want)
	}
	for i := range want {
		if expectations[i] != want[i] {
			t.Fatalf("the vectors expect %v, want exactly %v", expectations, want)
		}
	}
}

func TestSharedVectorsRejectABodyChangedByOneByte(t *testing.T) {
	for _, vector := range loadVectors(t) {
		if vector.Expect != "valid" {
			continue
		}
		t.Run(vector.Name, func(t *testing.T) {
			tampered := []byte(vector.Body)
			tampered[len(tampered)-1] ^= 0x01
			if err := vector.verify(t, tampered); !errors.Is(err, ErrNoMatchingSignature) {
				t.Fatalf("expected ErrNoMatchingSignature, got %v", err)
			}
		})
	}
}
