"""The HMAC key of a Standard Webhooks secret."""

import base64
import binascii
import re

_SECRET_PREFIX = "whsec_"

# Standard base64 (RFC 4648 section 4), padding optional. The shape is checked before
# decoding so that a mistyped secret fails loudly rather than producing signatures that never
# match.
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def parse_webhook_secret(secret: str) -> bytes:
    """The key of ``whsec_`` + base64, or of the bare base64 (as the reference libraries accept).

    Raises ``ValueError`` for an empty or malformed secret and ``TypeError`` for a non-string;
    the message never contains the secret itself.
    """
    if not isinstance(secret, str):
        raise TypeError("Webhook secret must be a string: expected 'whsec_' followed by base64.")
    encoded = secret[len(_SECRET_PREFIX):] if secret.startswith(_SECRET_PREFIX) else secret
    if encoded == "":
        raise ValueError("Webhook secret is empty: expected 'whsec_' followed by base64.")
    unpadded = encoded.rstrip("=")
    padded = len(unpadded) != len(encoded)
    if _BASE64.fullmatch(encoded) is None or len(unpadded) % 4 == 1 or (padded and len(encoded) % 4 != 0):
        raise ValueError("Webhook secret is not valid base64: expected 'whsec_' followed by base64.")
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("Webhook secret is not valid base64: expected 'whsec_' followed by base64.") from None
