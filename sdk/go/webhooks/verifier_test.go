package webhooks

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testID     = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
	testNow    = 1_700_000_000
	testBody   = `{"type":"file.created","data":{"fileId":"f_1"}}`
)

var otherSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x07", 32)))

func fixedClock(seconds int64) Option {
	return WithClock(func() time.Time { return time.Unix(seconds, 999_000_000) })
}

func mustVerifier(t *testing.T, secrets []string, options ...Option) *Verifier {
	t.Helper()
	verifier, err := NewVerifier(secrets, options...)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return verifier
}

type signed struct {
	secret    string
	id        string
	timestamp int64
	body      string
}

func signedHeader(t *testing.T, s signed) http.Header {
	t.Helper()
	if s.secret == "" {
		s.secret = testSecret
	}
	if s.id == "" {
		s.id = testID
	}
	if s.timestamp == 0 {
		s.timestamp = testNow
	}
	if s.body == "" {
		s.body = testBody
	}
	signature, err := Sign(s.secret, s.id, time.Unix(s.timestamp, 0), []byte(s.body))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return http.Header{
		"Webhook-Id":        {s.id},
		"Webhook-Timestamp": {strconv.FormatInt(s.timestamp, 10)},
		"Webhook-Signature": {signature},
	}
}

func expectCode(t *testing.T, err error, want *VerificationError) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("expected %s, got %v", want.Code, err)
	}
	var rejection *VerificationError
	if !errors.As(err, &rejection) || rejection.Code != want.Code {
		t.Fatalf("expected a *VerificationError with code %s, got %v", want.Code, err)
	}
}

func TestSignReproducesTheSpecificationExample(t *testing.T) {
	signature, err := Sign(testSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 999_000_000), []byte(`{"test": 2432232314}`))
	if err != nil || signature != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", signature, err)
	}
	if _, err := Sign("whsec_", "msg", time.Unix(0, 0), nil); err == nil {
		t.Fatal("Sign with an empty secret should fail")
	}
}

func TestVerifyAcceptsACorrectlySignedWebhook(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	if err := verifier.Verify([]byte(testBody), signedHeader(t, signed{})); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyFindsHeadersWhateverTheirCase(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	canonical := signedHeader(t, signed{})
	handBuilt := http.Header{
		"webhook-id":        canonical["Webhook-Id"],
		"WEBHOOK-TIMESTAMP": canonical["Webhook-Timestamp"],
		"webhook-Signature": canonical["Webhook-Signature"],
	}
	if err := verifier.Verify([]byte(testBody), handBuilt); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyAcceptsASignatureHeaderSentOnSeveralLines(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	header := signedHeader(t, signed{})
	other := signedHeader(t, signed{secret: otherSecret}).Get("webhook-signature")
	good := header.Get("webhook-signature")
	header["Webhook-Signature"] = []string{other, good}
	if err := verifier.Verify([]byte(testBody), header); err != nil {
		t.Fatalf("several lines: %v", err)
	}
	header["Webhook-Signature"] = []string{other + ", " + good}
	if err := verifier.Verify([]byte(testBody), header); err != nil {
		t.Fatalf("lines joined with a comma: %v", err)
	}
}

func TestVerifyAcceptsASignatureFromAnyOfSeveralSecrets(t *testing.T) {
	rotating := mustVerifier(t, []string{testSecret, otherSecret}, fixedClock(testNow))
	for _, secret := range []string{testSecret, otherSecret} {
		if err := rotating.Verify([]byte(testBody), signedHeader(t, signed{secret: secret})); err != nil {
			t.Fatalf("signed with one of the secrets: %v", err)
		}
	}
}

func TestVerifyHonoursACustomToleranceAndTheClock(t *testing.T) {
	strict := mustVerifier(t, []string{testSecret}, WithTolerance(10*time.Second), fixedClock(testNow))
	if err := strict.Verify([]byte(testBody), signedHeader(t, signed{timestamp: testNow - 10})); err != nil {
		t.Fatalf("10 s old with a 10 s tolerance: %v", err)
	}
	expectCode(t, strict.Verify([]byte(testBody), signedHeader(t, signed{timestamp: testNow - 11})), ErrTimestampTooOld)
	expectCode(t, strict.Verify([]byte(testBody), signedHeader(t, signed{timestamp: testNow + 11})), ErrTimestampTooNew)
	// The default clock is the real one: a 2023 timestamp is too old now.
	expectCode(t, mustVerifier(t, []string{testSecret}).Verify([]byte(testBody), signedHeader(t, signed{})), ErrTimestampTooOld)
}

func TestVerifyMissingHeaders(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	for _, name := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		for _, values := range [][]string{nil, {}, {" "}} {
			header := signedHeader(t, signed{})
			if values == nil {
				delete(header, name)
			} else {
				header[name] = values
			}
			expectCode(t, verifier.Verify([]byte(testBody), header), ErrMissingHeaders)
		}
	}
	header := signedHeader(t, signed{})
	header["Webhook-Id"] = []string{testID, "msg_other"}
	expectCode(t, verifier.Verify([]byte(testBody), header), ErrMissingHeaders)
}

func TestVerifyInvalidTimestamps(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	for _, timestamp := range []string{"x", "abc", "-1", "+1700000000", "1700000000.0", "1.7e9", "0x65", "01700000000", "1700000000 1", "99999999999999999999", "9007199254740992"} {
		header := signedHeader(t, signed{})
		header.Set("webhook-timestamp", timestamp)
		expectCode(t, verifier.Verify([]byte(testBody), header), ErrInvalidTimestamp)
	}
}

func TestVerifyToleranceIsInclusive(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	for _, timestamp := range []int64{testNow - 300, testNow + 300} {
		if err := verifier.Verify([]byte(testBody), signedHeader(t, signed{timestamp: timestamp})); err != nil {
			t.Fatalf("300 s away: %v", err)
		}
	}
	expectCode(t, verifier.Verify([]byte(testBody), signedHeader(t, signed{timestamp: testNow - 301})), ErrTimestampTooOld)
	expectCode(t, verifier.Verify([]byte(testBody), signedHeader(t, signed{timestamp: testNow + 301})), ErrTimestampTooNew)
}

func TestVerifyNoMatchingSignatureWhenWhatWasSignedDiffers(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	header := signedHeader(t, signed{})
	header.Set("webhook-id", "msg_other")
	expectCode(t, verifier.Verify([]byte(testBody), header), ErrNoMatchingSignature)
	header = signedHeader(t, signed{})
	header.Set("webhook-timestamp", strconv.Itoa(testNow+1))
	expectCode(t, verifier.Verify([]byte(testBody), header), ErrNoMatchingSignature)
	reserialized := strings.ReplaceAll(testBody, ":", ": ")
	expectCode(t, verifier.Verify([]byte(reserialized), signedHeader(t, signed{})), ErrNoMatchingSignature)
	expectCode(t, mustVerifier(t, []string{otherSecret}, fixedClock(testNow)).Verify([]byte(testBody), signedHeader(t, signed{})), ErrNoMatchingSignature)
}

func TestVerifyIgnoresOtherVersionsAndAlteredSignatures(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	encoded := strings.TrimPrefix(signedHeader(t, signed{}).Get("webhook-signature"), "v1,")
	swapped := "A"
	if encoded[10] == 'A' {
		swapped = "B"
	}
	altered := encoded[:10] + swapped + encoded[11:]
	for _, signature := range []string{"v1,", "v2," + encoded, "v1a," + encoded, "V1," + encoded, encoded, "v1," + altered, "v1," + encoded + "=", "v1," + encoded[:len(encoded)-1]} {
		header := signedHeader(t, signed{})
		header.Set("webhook-signature", signature)
		expectCode(t, verifier.Verify([]byte(testBody), header), ErrNoMatchingSignature)
	}
}

func TestVerifyInvalidPayloadOnlyAfterTheSignatureChecksOut(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	for _, body := range []string{" ", "not json", `{"a":`, "\ufeff{}", "{}\xff"} {
		expectCode(t, verifier.Verify([]byte(body), signedHeader(t, signed{body: body})), ErrInvalidPayload)
	}
	expectCode(t, verifier.Verify([]byte("not json"), signedHeader(t, signed{})), ErrNoMatchingSignature)
	// An empty body is valid to sign but is not JSON.
	header := signedHeader(t, signed{})
	signature, _ := Sign(testSecret, testID, time.Unix(testNow, 0), nil)
	header.Set("webhook-signature", signature)
	expectCode(t, verifier.Verify(nil, header), ErrInvalidPayload)
}

func TestVerificationErrorsNeverCarryTheSecretOrTheSignature(t *testing.T) {
	verifier := mustVerifier(t, []string{testSecret}, fixedClock(testNow))
	header := signedHeader(t, signed{})
	header.Set("webhook-id", "msg_other")
	err := verifier.Verify([]byte(testBody), header)
	if err == nil {
		t.Fatal("expected a rejection")
	}
	for _, secretPart := range []string{strings.TrimPrefix(testSecret, "whsec_"), strings.TrimPrefix(header.Get("webhook-signature"), "v1,")} {
		if strings.Contains(err.Error(), secretPart) {
			t.Fatalf("the error message leaks %q: %v", secretPart, err)
		}
	}
}

func TestNewVerifierRefusesNoSecretsMalformedSecretsAndANegativeTolerance(t *testing.T) {
	if _, err := NewVerifier(nil); err == nil || !strings.Contains(err.Error(), "at least one secret") {
		t.Fatalf("no secrets: %v", err)
	}
	if _, err := NewVerifier([]string{"whsec_"}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty secret: %v", err)
	}
	if _, err := NewVerifier([]string{testSecret, "whsec_not base64!"}); err == nil || !strings.Contains(err.Error(), "not valid base64") {
		t.Fatalf("malformed secret: %v", err)
	}
	if _, err := NewVerifier([]string{testSecret}, WithTolerance(-time.Second)); err == nil {
		t.Fatal("negative tolerance should fail")
	}
}
