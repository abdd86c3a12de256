"""tests_live/login_and_list.py against a stand-in gateway that answers as openapi/coffer.yaml
says, so the use of the generated client is checked without a platform (the end-to-end test
runs the real one)."""

import importlib.util
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from coffer_client.exceptions import ApiException

SCRIPT = Path(__file__).resolve().parents[1] / "tests_live" / "login_and_list.py"
_spec = importlib.util.spec_from_file_location("login_and_list", SCRIPT)
assert _spec is not None and _spec.loader is not None
login_and_list = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(login_and_list)

FILE = {
    "id": "0b6f8f4e-8c1a-4d3e-9d55-3f3c7f1f0a11",
    "ownerId": "5b0c1a8e-2f4d-4b8a-9e3c-1d2f3a4b5c6d",
    "name": "big.bin",
    "folder": "/",
    "size": 5_000_000_000,
    "contentType": "application/octet-stream",
    "sniffedContentType": "application/octet-stream",
    "sha256": "ab" * 32,
    "version": 1,
    "versionCount": 1,
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-01T00:00:00Z",
    # Not in the contract: a newer server may add fields.
    "addedByANewerServer": 1,
}


class FakeGateway(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict, content_type: str = "application/json") -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if self.path != "/v1/auth/login" or body != {"email": "me@example.com", "password": "right"}:
            problem = {"type": "about:blank", "title": "Unauthorized", "status": 401, "code": "invalid_credentials"}
            self._answer(401, problem, "application/problem+json")
            return
        self._answer(200, {"accessToken": "token-1", "tokenType": "Bearer", "expiresIn": 900,
                           "refreshToken": "refresh-1", "refreshTokenExpiresAt": "2026-01-01T00:00:00Z"})

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/v1/files" or self.headers["authorization"] != "Bearer token-1":
            self._answer(401, {"type": "about:blank", "title": "Unauthorized", "status": 401, "code": "unauthenticated"},
                         "application/problem+json")
            return
        self._answer(200, {"files": [FILE]})

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gateway_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_logs_in_and_lists_with_the_bearer_token(gateway_url: str) -> None:
    report = login_and_list.login_and_list(gateway_url, "me@example.com", "right")
    assert report == {
        "client": "python",
        "tokenType": "Bearer",
        "files": [{"id": FILE["id"], "name": "big.bin", "folder": "/", "size": 5_000_000_000, "sha256": "ab" * 32}],
    }


def test_a_wrong_password_raises_with_the_problem(gateway_url: str) -> None:
    with pytest.raises(ApiException) as error:
        login_and_list.login_and_list(gateway_url, "me@example.com", "wrong")
    assert error.value.status == 401
    assert "invalid_credentials" in str(error.value.body)


def test_main_fails_without_settings_and_without_a_platform(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("COFFER_URL", "COFFER_EMAIL", "COFFER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert login_and_list.main() == 1
    assert "must be set" in capsys.readouterr().err

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("COFFER_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("COFFER_EMAIL", "me@example.com")
    monkeypatch.setenv("COFFER_PASSWORD", "right")
    assert login_and_list.main() == 1
    assert capsys.readouterr().out == ""
