// Command livetest logs in and lists files against a running Coffer platform with the
// generated client (package client), and prints what it saw as one JSON line. The end-to-end
// test tools/dev-platform/test/generated-clients.e2e.test.ts runs it:
//
//	COFFER_URL=http://127.0.0.1:8080 COFFER_EMAIL=me@example.com COFFER_PASSWORD=... go run ./livetest
//
// It exits non-zero when a setting is missing or the platform does not answer as the contract
// says: it never skips.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/coffer-dev/coffer/sdk/go/client"
)

// settings are where to connect and as whom.
type settings struct {
	baseURL  string
	email    string
	password string
}

// listedFile is what the end-to-end test checks of each listed file.
type listedFile struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Folder string `json:"folder"`
	Size   int64  `json:"size"`
	Sha256 string `json:"sha256"`
}

// report is the JSON line the command prints.
type report struct {
	Client    string       `json:"client"`
	TokenType string       `json:"tokenType"`
	Files     []listedFile `json:"files"`
}

func settingsFromEnv() (settings, error) {
	s := settings{baseURL: os.Getenv("COFFER_URL"), email: os.Getenv("COFFER_EMAIL"), password: os.Getenv("COFFER_PASSWORD")}
	if s.baseURL == "" || s.email == "" || s.password == "" {
		return s, errors.New("COFFER_URL, COFFER_EMAIL and COFFER_PASSWORD must all be set")
	}
	return s, nil
}

// loginAndList signs in (POST /v1/auth/login) and lists the caller's files (GET /v1/files)
// with the access token as a bearer token.
func loginAndList(ctx context.Context, s settings) (report, error) {
	configuration := client.NewConfiguration()
	configuration.Servers = client.ServerConfigurations{{URL: s.baseURL}}
	api := client.NewAPIClient(configuration)

	tokens, _, err := api.AuthAPI.Login(ctx).LoginRequest(*client.NewLoginRequest(s.email, s.password)).Execute()
	if err != nil {
		return report{}, fmt.Errorf("login: %w", describe(err))
	}
	authenticated := context.WithValue(ctx, client.ContextAccessToken, tokens.AccessToken)
	page, _, err := api.FilesAPI.ListFiles(authenticated).Execute()
	if err != nil {
		return report{}, fmt.Errorf("list files: %w", describe(err))
	}

	out := report{Client: "go", TokenType: tokens.TokenType, Files: []listedFile{}}
	for _, file := range page.Files {
		out.Files = append(out.Files, listedFile{ID: file.Id, Name: file.Name, Folder: file.Folder, Size: file.Size, Sha256: file.Sha256})
	}
	return out, nil
}

// describe adds the problem+json body of an error answer, which the generated client keeps
// apart from the error text.
func describe(err error) error {
	var apiError *client.GenericOpenAPIError
	if errors.As(err, &apiError) && len(apiError.Body()) > 0 {
		return fmt.Errorf("%w: %s", err, apiError.Body())
	}
	return err
}

func main() {
	s, err := settingsFromEnv()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var out report
		if out, err = loginAndList(ctx, s); err == nil {
			err = json.NewEncoder(os.Stdout).Encode(out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "livetest:", err)
		os.Exit(1)
	}
}
