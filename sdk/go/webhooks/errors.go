package webhooks

// ErrorCode says why a webhook was rejected; the codes are stable across SDK versions and
// languages (the TypeScript and Python SDKs report the same ones).
type ErrorCode string

const (
	// CodeMissingHeaders: webhook-id, webhook-timestamp or webhook-signature is absent or empty.
	CodeMissingHeaders ErrorCode = "missing_headers"
	// CodeInvalidTimestamp: webhook-timestamp is not a whole number of seconds.
	CodeInvalidTimestamp ErrorCode = "invalid_timestamp"
	// CodeTimestampTooOld: the timestamp is further in the past than the tolerance.
	CodeTimestampTooOld ErrorCode = "timestamp_too_old"
	// CodeTimestampTooNew: the timestamp is further in the future than the tolerance.
	CodeTimestampTooNew ErrorCode = "timestamp_too_new"
	// CodeNoMatchingSignature: no v1 signature matches any of the secrets.
	CodeNoMatchingSignature ErrorCode = "no_matching_signature"
	// CodeInvalidPayload: the signature is good but the body is not UTF-8 JSON.
	CodeInvalidPayload ErrorCode = "invalid_payload"
)

// VerificationError is the error Verify returns when a webhook must not be trusted. Branch on
// Code (or compare with errors.Is against the Err* values), not on the message: the message is
// for logs and may change. It never contains a secret or a signature.
type VerificationError struct {
	Code    ErrorCode
	message string
}

func (e *VerificationError) Error() string {
	return "webhook rejected (" + string(e.Code) + "): " + e.message
}

// The errors Verify returns, one per code.
var (
	ErrMissingHeaders = &VerificationError{CodeMissingHeaders,
		"the webhook-id, webhook-timestamp and webhook-signature headers are all required"}
	ErrInvalidTimestamp    = &VerificationError{CodeInvalidTimestamp, "webhook-timestamp is not a whole number of seconds"}
	ErrTimestampTooOld     = &VerificationError{CodeTimestampTooOld, "the webhook timestamp is too old"}
	ErrTimestampTooNew     = &VerificationError{CodeTimestampTooNew, "the webhook timestamp is in the future"}
	ErrNoMatchingSignature = &VerificationError{CodeNoMatchingSignature, "no v1 signature matches the webhook secret"}
	ErrInvalidPayload      = &VerificationError{CodeInvalidPayload, "the webhook body is not valid UTF-8 JSON"}
)
