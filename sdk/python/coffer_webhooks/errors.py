"""Why a webhook was rejected: one exception with a stable code."""

from typing import Literal, get_args

WebhookVerificationErrorCode = Literal[
    "missing_headers",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "no_matching_signature",
    "invalid_payload",
]
"""Every reason a webhook can be rejected; stable across SDK versions and languages.

``missing_headers``: webhook-id, webhook-timestamp or webhook-signature is absent or empty.
``invalid_timestamp``: the timestamp is not a whole number of seconds.
``timestamp_too_old`` / ``timestamp_too_new``: it is outside the tolerance.
``no_matching_signature``: no v1 signature matches any secret.
``invalid_payload``: the signature is good but the body is not UTF-8 JSON.
"""

WEBHOOK_VERIFICATION_ERROR_CODES: tuple[WebhookVerificationErrorCode, ...] = get_args(WebhookVerificationErrorCode)


class WebhookVerificationError(Exception):
    """Raised by WebhookVerifier.verify when a webhook must not be trusted.

    Branch on ``code``, not on the message: the message is for logs and may change. It never
    contains a secret or a signature.
    """

    def __init__(self, code: WebhookVerificationErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: WebhookVerificationErrorCode = code
