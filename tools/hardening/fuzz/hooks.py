"""Schemathesis hooks for Coffer's contract fuzzing (loaded through SCHEMATHESIS_HOOKS).

1. Authentication: every request carries `Authorization: Bearer <token>` of a real user that
   the runner signed up and logged in through the API (COFFER_FUZZ_TOKEN). The fuzzer may log
   that session out, change the password or delete the user: when an answer is 401 to the
   current token, the next request logs in again, or signs up a fresh user if that fails.
2. No traffic leaves the machine: webhook endpoint URLs in generated bodies point at a loopback
   port where nothing listens (127.0.0.1:9), so deliveries and pings fail locally.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from urllib.parse import urlsplit

import requests
import schemathesis

BASE_URL = os.environ["COFFER_FUZZ_BASE_URL"].rstrip("/")
PASSWORD = os.environ["COFFER_FUZZ_PASSWORD"]
LOOPBACK_HOOK_ORIGIN = "127.0.0.1:9"

_lock = threading.Lock()
_state = {"token": os.environ["COFFER_FUZZ_TOKEN"], "email": os.environ["COFFER_FUZZ_EMAIL"], "stale": False, "renewals": 0}


def _login(email: str) -> str | None:
    answer = requests.post(f"{BASE_URL}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    return answer.json()["accessToken"] if answer.status_code == 200 else None


def _renew() -> None:
    token = _login(_state["email"])
    if token is None:
        email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        requests.post(f"{BASE_URL}/v1/users", json={"email": email, "displayName": "fuzz", "password": PASSWORD}, timeout=30)
        token = _login(email)
        if token is None:
            raise RuntimeError(f"could not sign up and log in a fresh fuzz user {email}")
        _state["email"] = email
    _state["token"] = token
    _state["stale"] = False
    _state["renewals"] += 1


@schemathesis.auth(refresh_interval=None)
class CofferBearer:
    def get(self, case, context):
        with _lock:
            if _state["stale"]:
                _renew()
            return _state["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context, case, response):
    sent = (response.request.headers or {}).get("Authorization", "")
    if response.status_code == 401 and sent == f"Bearer {_state['token']}":
        with _lock:
            _state["stale"] = True


_CONTROL = re.compile(r"[\t\n\r]")


def _to_loopback(url: str) -> str:
    # Node's URL parser drops tabs/newlines and leading C0/space: look at what it would see.
    seen = _CONTROL.sub("", url).lstrip("".join(chr(c) for c in range(0x21)))
    if not seen.lower().startswith("http"):
        return url
    try:
        parts = urlsplit(seen)
        scheme = parts.scheme if parts.scheme.lower() in ("http", "https") else "https"
        path = parts.path if parts.path.startswith("/") else "/"
        return f"{scheme}://{LOOPBACK_HOOK_ORIGIN}{path}"
    except ValueError:
        return f"https://{LOOPBACK_HOOK_ORIGIN}/"


@schemathesis.hook
def before_call(context, case, **kwargs):
    if case.path.startswith("/v1/webhooks") and isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
        case.body["url"] = _to_loopback(case.body["url"])
