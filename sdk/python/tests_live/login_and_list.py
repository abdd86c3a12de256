"""Logs in and lists files against a running Coffer platform with the generated client
(coffer_client), and prints what it saw as one JSON line. The end-to-end test
tools/dev-platform/test/generated-clients.e2e.test.ts runs it with the project's venv:

    COFFER_URL=http://127.0.0.1:8080 COFFER_EMAIL=me@example.com COFFER_PASSWORD=... \\
      sdk/python/.venv/bin/python sdk/python/tests_live/login_and_list.py

It exits non-zero when a setting is missing or the platform does not answer as the contract
says: it never skips.
"""

import json
import os
import sys
from typing import Any

from coffer_client.api.auth_api import AuthApi
from coffer_client.api.files_api import FilesApi
from coffer_client.api_client import ApiClient
from coffer_client.configuration import Configuration
from coffer_client.exceptions import ApiException
from coffer_client.models.login_request import LoginRequest


def login_and_list(base_url: str, email: str, password: str) -> dict[str, Any]:
    """Signs in (POST /v1/auth/login), then lists the caller's files (GET /v1/files) with the
    access token as a bearer token."""
    configuration = Configuration(host=base_url, retries=0)  # a platform that is not there fails at once
    with ApiClient(configuration) as api:
        tokens = AuthApi(api).login(LoginRequest(email=email, password=password))
        configuration.access_token = tokens.access_token
        page = FilesApi(api).list_files()
    return {
        "client": "python",
        "tokenType": tokens.token_type,
        "files": [
            {"id": str(file.id), "name": file.name, "folder": file.folder, "size": file.size, "sha256": file.sha256}
            for file in page.files
        ],
    }


def main() -> int:
    settings = {name: os.environ.get(name, "") for name in ("COFFER_URL", "COFFER_EMAIL", "COFFER_PASSWORD")}
    missing = [name for name, value in settings.items() if value == ""]
    if missing:
        print(f"login_and_list: {', '.join(missing)} must be set", file=sys.stderr)
        return 1
    try:
        report = login_and_list(settings["COFFER_URL"], settings["COFFER_EMAIL"], settings["COFFER_PASSWORD"])
    except ApiException as error:
        print(f"login_and_list: HTTP {error.status}: {error.body}", file=sys.stderr)
        return 1
    except Exception as error:  # connection refused, a response the contract does not allow...
        print(f"login_and_list: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
