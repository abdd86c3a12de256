"""Verifies the webhooks Coffer delivers, signed per Standard Webhooks.

    from coffer_webhooks import WebhookVerifier, WebhookVerificationError

    verifier = WebhookVerifier(os.environ["COFFER_WEBHOOK_SECRET"])
    try:
        event = verifier.verify(request_body_bytes, request.headers)
    except WebhookVerificationError as error:
        ...  # answer 400; branch on error.code, log error

Hand-written (not generated); it lives beside the generated coffer_client package.
"""

from coffer_webhooks.errors import WEBHOOK_VERIFICATION_ERROR_CODES, WebhookVerificationError, WebhookVerificationErrorCode
from coffer_webhooks.secret import parse_webhook_secret
from coffer_webhooks.signing import sign_webhook
from coffer_webhooks.verifier import DEFAULT_TOLERANCE_SECONDS, WebhookVerifier

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "WEBHOOK_VERIFICATION_ERROR_CODES",
    "WebhookVerificationError",
    "WebhookVerificationErrorCode",
    "WebhookVerifier",
    "parse_webhook_secret",
    "sign_webhook",
]
