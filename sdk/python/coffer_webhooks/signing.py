"""Signing as a Standard Webhooks sender does: for consumers' tests and the verifier."""

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Union

from coffer_webhooks.secret import parse_webhook_secret


def sign_webhook(secret: str, id: str, timestamp: Union[int, datetime], payload: Union[bytes, str]) -> str:
    """The ``v1,<base64>`` signature a sender puts in the webhook-signature header.

    ``timestamp`` is whole seconds since the epoch, or a timezone-aware datetime (rounded down);
    a ``str`` payload is signed as its UTF-8 bytes. Sign a fixture with it, then feed it to
    WebhookVerifier.
    """
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise ValueError("Webhook timestamp must be timezone-aware.")
        seconds = int(timestamp.timestamp() // 1)
    elif isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp >= 0:
        seconds = timestamp
    else:
        raise ValueError("Webhook timestamp must be a non-negative whole number of seconds.")
    digest = webhook_digest(parse_webhook_secret(secret), id, str(seconds), payload)
    return "v1," + base64.b64encode(digest).decode("ascii")


def webhook_digest(key: bytes, id: str, timestamp: str, payload: Union[bytes, str]) -> bytes:
    """HMAC-SHA256 over ``{id}.{timestamp}.`` followed by the body bytes exactly as received."""
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    mac = hmac.new(key, f"{id}.{timestamp}.".encode("utf-8"), hashlib.sha256)
    mac.update(body)
    return mac.digest()
