import base64

import pytest

from coffer_webhooks import parse_webhook_secret

SPEC_KEY_HEX = "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0"


def test_decodes_whsec_prefixed_and_bare_base64_to_the_same_key() -> None:
    assert parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").hex() == SPEC_KEY_HEX
    assert parse_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").hex() == SPEC_KEY_HEX


def test_accepts_padded_and_unpadded_base64() -> None:
    key = b"a 32-byte key, as Coffer issues!"
    padded = base64.b64encode(key).decode("ascii")
    assert padded.endswith("=")
    assert parse_webhook_secret(f"whsec_{padded}") == key
    assert parse_webhook_secret(f"whsec_{padded.rstrip('=')}") == key


@pytest.mark.parametrize(
    ("reason", "secret"),
    [
        ("empty", ""),
        ("only the prefix", "whsec_"),
        ("characters outside base64", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!"),
        ("url-safe alphabet", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_"),
        ("inner whitespace", "whsec_MfKQ9r8G KYqrTwjUPD8ILPZIo2LaLaSw"),
        ("trailing newline", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"),
        ("a length no base64 has", "whsec_MfKQ9"),
        ("padding on the wrong length", "whsec_MfKQ9r8=="),
        ("padding in the middle", "whsec_MfKQ=9r8"),
        ("only padding", "whsec_=="),
    ],
)
def test_rejects_malformed_secrets_without_echoing_them(reason: str, secret: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_webhook_secret(secret)
    message = str(error.value)
    assert "whsec_" in message, reason
    encoded = secret[len("whsec_"):]
    if encoded:
        assert encoded not in message, reason


def test_rejects_a_secret_that_is_not_a_string() -> None:
    with pytest.raises(TypeError):
        parse_webhook_secret(b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")  # type: ignore[arg-type]
