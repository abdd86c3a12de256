"""The vectors every Coffer SDK shares (sdk/test-vectors/webhook-signatures.json, written by
generate.mjs): every case is read from the file, none is copied here."""

import json
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from coffer_webhooks import WEBHOOK_VERIFICATION_ERROR_CODES, WebhookVerificationError, WebhookVerifier

VECTOR_FILE = Path(__file__).resolve().parents[2] / "test-vectors" / "webhook-signatures.json"
DOCUMENT = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
VECTORS: list[dict[str, Any]] = DOCUMENT["cases"]
VALID = [vector for vector in VECTORS if vector["expect"] == "valid"]
INVALID = [vector for vector in VECTORS if vector["expect"] != "valid"]


def secrets_of(vector: dict[str, Any]) -> list[str]:
    secrets = vector.get("secrets") or ([vector["secret"]] if "secret" in vector else [])
    assert secrets, f'vector "{vector["name"]}" has no secret'
    return secrets


def headers_of(vector: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for name, field in (("webhook-id", "id"), ("webhook-timestamp", "timestamp"), ("webhook-signature", "signatureHeader")):
        if vector[field] is not None:
            headers[name] = vector[field]
    return headers


def names(vectors: list[dict[str, Any]]) -> list[str]:
    return [vector["name"] for vector in vectors]


def test_the_vectors_cover_the_reference_vector_and_every_error_code() -> None:
    assert "webhook-signature" in DOCUMENT["description"]
    assert any(
        vector.get("secret") == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        and vector["signatureHeader"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        and vector["expect"] == "valid"
        for vector in VECTORS
    )
    assert sorted({vector["expect"] for vector in VECTORS}) == sorted(["valid", *WEBHOOK_VERIFICATION_ERROR_CODES])


@pytest.mark.parametrize("vector", VALID, ids=names(VALID))
def test_accepts(vector: dict[str, Any]) -> None:
    verifier = WebhookVerifier(secrets_of(vector))
    parsed = json.loads(vector["body"])
    now = vector["nowSeconds"]
    assert verifier.verify(vector["body"], headers_of(vector), now_seconds=now) == parsed
    assert verifier.verify(vector["body"].encode("utf-8"), headers_of(vector), now_seconds=now) == parsed
    message = Message()  # the headers object of http.server and http.client
    for name, value in headers_of(vector).items():
        message[name.title()] = value
    assert verifier.verify(bytearray(vector["body"].encode("utf-8")), message, now_seconds=now) == parsed


@pytest.mark.parametrize("vector", VALID, ids=names(VALID))
def test_rejects_once_the_body_is_changed_by_one_byte(vector: dict[str, Any]) -> None:
    tampered = bytearray(vector["body"].encode("utf-8"))
    tampered[-1] ^= 0x01
    with pytest.raises(WebhookVerificationError) as rejection:
        WebhookVerifier(secrets_of(vector)).verify(bytes(tampered), headers_of(vector), now_seconds=vector["nowSeconds"])
    assert rejection.value.code == "no_matching_signature"


@pytest.mark.parametrize("vector", INVALID, ids=[f'{vector["name"]} ({vector["expect"]})' for vector in INVALID])
def test_rejects(vector: dict[str, Any]) -> None:
    with pytest.raises(WebhookVerificationError) as rejection:
        WebhookVerifier(secrets_of(vector)).verify(vector["body"], headers_of(vector), now_seconds=vector["nowSeconds"])
    assert rejection.value.code == vector["expect"]
    assert str(rejection.value) != ""
