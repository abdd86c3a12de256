"""Verification of Standard Webhooks signatures
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)."""

import base64
import hmac
import json
import math
import re
import time
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

from coffer_webhooks.errors import WebhookVerificationError
from coffer_webhooks.secret import parse_webhook_secret
from coffer_webhooks.signing import webhook_digest

DEFAULT_TOLERANCE_SECONDS = 300
"""How far webhook-timestamp may be from now, either way (the spec's)."""

# A non-negative integer without leading zeros, so the header text and the number it denotes
# are the same thing (the signed content uses the header text).
_TIMESTAMP = re.compile(r"0|[1-9][0-9]*")
# The largest timestamp accepted, as in the TypeScript SDK (Number.MAX_SAFE_INTEGER), so every
# SDK accepts and rejects the same headers.
_MAX_TIMESTAMP = 2**53 - 1

HeaderValue = Union[str, bytes, Sequence[str], None]
WebhookHeaders = Union[Mapping[str, HeaderValue], Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]]
"""A dict (names matched case-insensitively, values a string or a list of strings), any headers
object with ``items()`` that yields every (name, value) pair (http.client.HTTPMessage,
werkzeug's and starlette's Headers), or a list of (name, value) pairs such as ASGI's."""


class WebhookVerifier:
    """Verifies webhooks against every secret currently in use.

    During a rotation the sender signs with both secrets, and either matching is enough. Verify
    the raw body bytes as received, never a re-serialized object: re-serializing changes the
    bytes and the signature no longer matches. Verification does not stop replays within the
    tolerance window; deduplicate on webhook-id for that.
    """

    def __init__(
        self,
        secrets: Union[str, Sequence[str]],
        *,
        tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``secrets``: one or several ``whsec_`` + base64 strings. ``clock``: seconds since the
        epoch, like ``time.time`` (the default). Raises ValueError if there is no secret, a secret
        is malformed or the tolerance is negative."""
        secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
        if not secret_list:
            raise ValueError("WebhookVerifier needs at least one secret.")
        self._keys = [parse_webhook_secret(secret) for secret in secret_list]
        self._tolerance_seconds = _checked_tolerance(tolerance_seconds)
        self._clock = clock

    def verify(
        self,
        payload: Union[bytes, bytearray, memoryview, str],
        headers: WebhookHeaders,
        *,
        now_seconds: Optional[int] = None,
        tolerance_seconds: Optional[float] = None,
    ) -> Any:
        """The parsed JSON body of an authentic, fresh webhook.

        Raises WebhookVerificationError whose ``code`` says why it was rejected; the checks run
        in the order headers, timestamp format, timestamp freshness, signature, body. A ``str``
        payload is verified as its UTF-8 bytes.
        """
        id = _single_header(headers, "webhook-id")
        timestamp = _single_header(headers, "webhook-timestamp")
        signature_header = " ".join(_header_values(headers, "webhook-signature"))
        if id is None or timestamp is None or signature_header.strip() == "":
            raise WebhookVerificationError(
                "missing_headers", "The webhook-id, webhook-timestamp and webhook-signature headers are all required."
            )

        # The length test comes first: int() refuses strings of more than 4300 digits.
        if _TIMESTAMP.fullmatch(timestamp) is None or len(timestamp) > 16 or int(timestamp) > _MAX_TIMESTAMP:
            raise WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not a whole number of seconds.")
        sent_at = int(timestamp)
        tolerance = self._tolerance_seconds if tolerance_seconds is None else _checked_tolerance(tolerance_seconds)
        now = now_seconds if now_seconds is not None else math.floor(self._clock())
        if now - sent_at > tolerance:
            raise WebhookVerificationError("timestamp_too_old", "The webhook timestamp is too old.")
        if sent_at - now > tolerance:
            raise WebhookVerificationError("timestamp_too_new", "The webhook timestamp is in the future.")

        body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        candidates = _v1_signatures(signature_header)
        if not any(self._matches(key, id, timestamp, body, candidates) for key in self._keys):
            raise WebhookVerificationError("no_matching_signature", "No v1 signature matches the webhook secret.")

        return _parse_json_body(body)

    @staticmethod
    def _matches(key: bytes, id: str, timestamp: str, body: bytes, candidates: list[bytes]) -> bool:
        expected = base64.b64encode(webhook_digest(key, id, timestamp, body))
        # compare_digest is constant-time in the bytes; lengths are public (every v1 signature
        # is 44 characters). Every candidate is compared, so none short-circuits the others.
        return any([hmac.compare_digest(candidate, expected) for candidate in candidates])


def _checked_tolerance(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError("tolerance_seconds must be a non-negative finite number.")
    return seconds


def _text(value: Union[str, bytes]) -> str:
    # Header bytes are ISO-8859-1 on the wire (ASGI, WSGI); the headers used here are ASCII.
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_values(headers: WebhookHeaders, name: str) -> list[str]:
    pairs = headers.items() if hasattr(headers, "items") else headers
    values: list[str] = []
    for key, value in pairs:
        if _text(key).lower() != name or value is None:
            continue
        if isinstance(value, (str, bytes)):
            values.append(_text(value))
        else:
            values.extend(_text(item) for item in value)
    return values


def _single_header(headers: WebhookHeaders, name: str) -> Optional[str]:
    """The one non-empty value of a header; None if absent, empty or given twice differently."""
    values = {value.strip() for value in _header_values(headers, name)}
    if len(values) != 1:
        return None
    value = values.pop()
    return value if value != "" else None


def _v1_signatures(header: str) -> list[bytes]:
    """The base64 parts of the space-separated ``v1,<base64>`` entries; other versions are
    ignored. A header sent on several lines may arrive joined with ", ", so one trailing comma is
    dropped from each entry: base64 has no commas, so this never changes which signature an
    entry carries."""
    signatures = []
    for entry in header.split():
        if entry.endswith(","):
            entry = entry[:-1]
        if entry.startswith("v1,"):
            signatures.append(entry[len("v1,"):].encode("utf-8"))
    return signatures


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python's json accepts them by default.
    raise ValueError(f"{name} is not JSON")


def _parse_json_body(body: bytes) -> Any:
    try:
        # Decoded strictly: invalid UTF-8 is an error, and a BOM stays in the text (making it
        # invalid JSON) instead of being silently dropped.
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise WebhookVerificationError("invalid_payload", "The webhook body is not valid UTF-8 JSON.") from None
