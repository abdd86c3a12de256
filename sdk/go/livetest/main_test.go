package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A stand-in gateway that answers the two calls as openapi/coffer.yaml says, so the use of
// the generated client is checked without a platform (the end-to-end test runs the real one).
func fakeGateway(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["email"] != "me@example.com" || body["password"] != "right" {
			w.Header().Set("content-type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Unauthorized","status":401,"code":"invalid_credentials"}`))
			return
		}
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write([]byte(`{"accessToken":"token-1","tokenType":"Bearer","expiresIn":900,"refreshToken":"refresh-1","refreshTokenExpiresAt":"2026-01-01T00:00:00Z"}`))
	})
	mux.HandleFunc("GET /v1/files", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("authorization") != "Bearer token-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("content-type", "application/json")
		// sizeInBytesFromANewerServer is not in the contract: a newer server may add fields.
		_, _ = w.Write([]byte(`{"files":[{"id":"0b6f8f4e-8c1a-4d3e-9d55-3f3c7f1f0a11","ownerId":"5b0c1a8e-2f4d-4b8a-9e3c-1d2f3a4b5c6d",` +
			`"name":"big.bin","folder":"/","size":5000000000,"contentType":"application/octet-stream","sniffedContentType":"application/octet-stream",` +
			`"sha256":"` + strings.Repeat("ab", 32) + `","version":1,"versionCount":1,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z",` +
			`"sizeInBytesFromANewerServer":1}]}`))
	})
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return server
}

func TestLoginAndListUsesTheBearerTokenAndReportsTheFiles(t *testing.T) {
	server := fakeGateway(t)
	out, err := loginAndList(context.Background(), settings{baseURL: server.URL, email: "me@example.com", password: "right"})
	if err != nil {
		t.Fatalf("loginAndList: %v", err)
	}
	if out.Client != "go" || out.TokenType != "Bearer" || len(out.Files) != 1 {
		t.Fatalf("unexpected report %+v", out)
	}
	if file := out.Files[0]; file.Name != "big.bin" || file.Size != 5_000_000_000 || file.Sha256 != strings.Repeat("ab", 32) {
		t.Fatalf("unexpected file %+v", file)
	}
}

func TestLoginAndListFailsWithTheProblemOnAWrongPassword(t *testing.T) {
	server := fakeGateway(t)
	_, err := loginAndList(context.Background(), settings{baseURL: server.URL, email: "me@example.com", password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "invalid_credentials") {
		t.Fatalf("expected a login error carrying the problem code, got %v", err)
	}
}

func TestLoginAndListFailsWhenNoPlatformAnswers(t *testing.T) {
	server := httptest.NewServer(http.NotFoundHandler())
	url := server.URL
	server.Close()
	if _, err := loginAndList(context.Background(), settings{baseURL: url, email: "me@example.com", password: "right"}); err == nil {
		t.Fatal("expected an error when nothing listens")
	}
}

func TestSettingsFromEnvRequiresEverySetting(t *testing.T) {
	t.Setenv("COFFER_URL", "http://127.0.0.1:1")
	t.Setenv("COFFER_EMAIL", "me@example.com")
	t.Setenv("COFFER_PASSWORD", "")
	if _, err := settingsFromEnv(); err == nil {
		t.Fatal("expected an error without COFFER_PASSWORD")
	}
	t.Setenv("COFFER_PASSWORD", "right")
	if s, err := settingsFromEnv(); err != nil || s.baseURL != "http://127.0.0.1:1" {
		t.Fatalf("settingsFromEnv = %+v, %v", s, err)
	}
}
