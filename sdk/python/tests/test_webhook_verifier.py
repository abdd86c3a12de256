"""WebhookVerifier: what it accepts, and each reason it rejects, one test per reason."""

import base64
import json
from datetime import datetime, timezone
from typing import Any, Callable, Optional

import pytest

from coffer_webhooks import WebhookVerificationError, WebhookVerifier, sign_webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_" + base64.b64encode(bytes([7]) * 32).decode("ascii")
ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
NOW = 1_700_000_000
BODY = '{"type":"file.created","data":{"fileId":"f_1"}}'

verifier = WebhookVerifier(SECRET)


def signed_headers(
    *, secret: str = SECRET, id: str = ID, timestamp: int = NOW, body: "str | bytes" = BODY
) -> dict[str, str]:
    return {
        "webhook-id": id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, id, timestamp, body),
    }


def rejection_code(verify: Callable[[], Any]) -> str:
    with pytest.raises(WebhookVerificationError) as rejection:
        verify()
    return rejection.value.code


class TestAccepting:
    def test_returns_the_parsed_json_body(self) -> None:
        assert verifier.verify(BODY, signed_headers(), now_seconds=NOW) == {"type": "file.created", "data": {"fileId": "f_1"}}

    def test_sign_webhook_reproduces_the_specification_example(self) -> None:
        signature = sign_webhook(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')
        assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        at = datetime.fromtimestamp(1614265330.999, tz=timezone.utc)
        assert sign_webhook(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, b'{"test": 2432232314}') == signature
        with pytest.raises(ValueError):
            sign_webhook(SECRET, "msg_1", 1.5, "{}")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            sign_webhook(SECRET, "msg_1", datetime(2026, 1, 1), "{}")

    def test_finds_headers_whatever_their_case_and_container(self) -> None:
        headers = signed_headers()
        mixed = {"Webhook-Id": headers["webhook-id"], "WEBHOOK-TIMESTAMP": headers["webhook-timestamp"], "Webhook-Signature": headers["webhook-signature"]}
        assert verifier.verify(BODY, mixed, now_seconds=NOW) == json.loads(BODY)
        asgi = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in mixed.items()]
        assert verifier.verify(BODY, asgi, now_seconds=NOW) == json.loads(BODY)

    def test_accepts_list_values_and_a_signature_header_sent_on_several_lines(self) -> None:
        headers = signed_headers()
        other = sign_webhook(OTHER_SECRET, ID, NOW, BODY)
        listed = {**headers, "webhook-id": [ID], "webhook-signature": [other, headers["webhook-signature"]], "content-type": None}
        assert verifier.verify(BODY, listed, now_seconds=NOW) == json.loads(BODY)
        joined = {**headers, "webhook-signature": f'{other}, {headers["webhook-signature"]}'}
        assert verifier.verify(BODY, joined, now_seconds=NOW) == json.loads(BODY)

    def test_uses_the_clock_unless_now_seconds_is_given(self) -> None:
        clocked = WebhookVerifier(SECRET, clock=lambda: NOW + 0.999)
        assert clocked.verify(BODY, signed_headers()) == json.loads(BODY)
        assert rejection_code(lambda: clocked.verify(BODY, signed_headers(), now_seconds=NOW + 301)) == "timestamp_too_old"
        # The default clock is the real one: a 2023 timestamp is too old now.
        assert rejection_code(lambda: verifier.verify(BODY, signed_headers())) == "timestamp_too_old"

    def test_honours_a_custom_tolerance_on_the_verifier_or_per_call(self) -> None:
        strict = WebhookVerifier(SECRET, tolerance_seconds=10)
        assert strict.verify(BODY, signed_headers(timestamp=NOW - 10), now_seconds=NOW) == json.loads(BODY)
        assert rejection_code(lambda: strict.verify(BODY, signed_headers(timestamp=NOW - 11), now_seconds=NOW)) == "timestamp_too_old"
        assert rejection_code(lambda: strict.verify(BODY, signed_headers(timestamp=NOW + 11), now_seconds=NOW)) == "timestamp_too_new"
        assert strict.verify(BODY, signed_headers(timestamp=NOW - 3600), now_seconds=NOW, tolerance_seconds=3600) == json.loads(BODY)

    def test_accepts_a_signature_from_any_of_several_secrets(self) -> None:
        rotating = WebhookVerifier([SECRET, OTHER_SECRET])
        assert rotating.verify(BODY, signed_headers(secret=OTHER_SECRET), now_seconds=NOW) == json.loads(BODY)
        assert rotating.verify(BODY, signed_headers(secret=SECRET), now_seconds=NOW) == json.loads(BODY)


class TestRejecting:
    @pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
    @pytest.mark.parametrize("value", [None, " ", []], ids=["absent", "blank", "empty list"])
    def test_missing_headers(self, name: str, value: Optional[object]) -> None:
        headers: dict[str, Any] = signed_headers()
        if value is None:
            del headers[name]
        else:
            headers[name] = value
        assert rejection_code(lambda: verifier.verify(BODY, headers, now_seconds=NOW)) == "missing_headers"

    def test_missing_headers_when_webhook_id_is_given_twice_differently(self) -> None:
        headers = {**signed_headers(), "webhook-id": [ID, "msg_other"]}
        assert rejection_code(lambda: verifier.verify(BODY, headers, now_seconds=NOW)) == "missing_headers"

    @pytest.mark.parametrize(
        "timestamp",
        [" x", "abc", "-1", "+1700000000", "1700000000.0", "1.7e9", "0x65", "01700000000", "1700000000 1",
         "99999999999999999999", "9007199254740992", "1" * 5000, "１７００００００００", "1700000000\n1"],
    )
    def test_invalid_timestamp(self, timestamp: str) -> None:
        headers = {**signed_headers(), "webhook-timestamp": timestamp}
        assert rejection_code(lambda: verifier.verify(BODY, headers, now_seconds=NOW)) == "invalid_timestamp"

    def test_the_tolerance_is_inclusive_in_both_directions(self) -> None:
        assert verifier.verify(BODY, signed_headers(timestamp=NOW - 300), now_seconds=NOW) == json.loads(BODY)
        assert verifier.verify(BODY, signed_headers(timestamp=NOW + 300), now_seconds=NOW) == json.loads(BODY)
        assert rejection_code(lambda: verifier.verify(BODY, signed_headers(timestamp=NOW - 301), now_seconds=NOW)) == "timestamp_too_old"
        assert rejection_code(lambda: verifier.verify(BODY, signed_headers(timestamp=NOW + 301), now_seconds=NOW)) == "timestamp_too_new"

    def test_no_matching_signature_when_the_id_timestamp_or_body_differ(self) -> None:
        headers = signed_headers()
        assert rejection_code(lambda: verifier.verify(BODY, {**headers, "webhook-id": "msg_other"}, now_seconds=NOW)) == "no_matching_signature"
        later = {**headers, "webhook-timestamp": str(NOW + 1)}
        assert rejection_code(lambda: verifier.verify(BODY, later, now_seconds=NOW)) == "no_matching_signature"
        reserialized = json.dumps(json.loads(BODY), indent=1)
        assert rejection_code(lambda: verifier.verify(reserialized, headers, now_seconds=NOW)) == "no_matching_signature"
        assert rejection_code(lambda: WebhookVerifier(OTHER_SECRET).verify(BODY, headers, now_seconds=NOW)) == "no_matching_signature"

    def test_no_matching_signature_for_other_versions_and_altered_signatures(self) -> None:
        encoded = signed_headers()["webhook-signature"][len("v1,"):]
        altered = encoded[:10] + ("B" if encoded[10] == "A" else "A") + encoded[11:]
        for signature in ["v1,", f"v2,{encoded}", f"v1a,{encoded}", f"V1,{encoded}", encoded, f"v1,{altered}", f"v1,{encoded}=", f"v1,{encoded[:-1]}", f"v1,{encoded}é"]:
            headers = {**signed_headers(), "webhook-signature": signature}
            assert rejection_code(lambda: verifier.verify(BODY, headers, now_seconds=NOW)) == "no_matching_signature", signature

    @pytest.mark.parametrize("body", ["", "not json", '{"a":', "\ufeff{}", "NaN", '{"a": Infinity}', b"{}\xff", b"[" * 100_000])
    def test_invalid_payload_only_after_the_signature_checks_out(self, body: "str | bytes") -> None:
        assert rejection_code(lambda: verifier.verify(body, signed_headers(body=body), now_seconds=NOW)) == "invalid_payload"
        assert rejection_code(lambda: verifier.verify(body, signed_headers(), now_seconds=NOW)) == "no_matching_signature"

    def test_never_puts_the_secret_or_the_signature_in_the_error(self) -> None:
        headers = {**signed_headers(), "webhook-id": "msg_other"}
        with pytest.raises(WebhookVerificationError) as rejection:
            verifier.verify(BODY, headers, now_seconds=NOW)
        text = f"{rejection.value} {rejection.value!r}"
        assert SECRET[len("whsec_"):] not in text
        assert headers["webhook-signature"][len("v1,"):] not in text
        assert isinstance(rejection.value, Exception)


class TestConstruction:
    def test_refuses_no_secrets_malformed_secrets_and_a_bad_tolerance(self) -> None:
        with pytest.raises(ValueError, match="at least one secret"):
            WebhookVerifier([])
        with pytest.raises(ValueError, match="empty"):
            WebhookVerifier("whsec_")
        with pytest.raises(ValueError, match="not valid base64"):
            WebhookVerifier([SECRET, "whsec_not base64!"])
        for tolerance in (-1, float("nan"), float("inf"), True):
            with pytest.raises(ValueError):
                WebhookVerifier(SECRET, tolerance_seconds=tolerance)
        with pytest.raises(ValueError):
            verifier.verify(BODY, signed_headers(), now_seconds=NOW, tolerance_seconds=float("inf"))
