#!/usr/bin/env bash
# Creates sdk/python/.venv (gitignored) with the pinned requirements-dev.txt and this project
# installed in editable mode, so `.venv/bin/python` imports coffer_client and coffer_webhooks.
# Idempotent and quick when nothing changed: it reinstalls only when requirements-dev.txt or
# pyproject.toml differ from what the venv was made with. Prints the venv's python path.
set -euo pipefail
project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${project}/.venv"
stamp="${venv}/.coffer-requirements"

python="${COFFER_PYTHON:-}"
if [[ -z "${python}" ]]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "${candidate}" >/dev/null 2>&1; then python="${candidate}"; break; fi
  done
fi
if [[ -z "${python}" ]] || ! "${python}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "venv.sh: Python 3.10 or newer is needed (set COFFER_PYTHON to its path)" >&2
  exit 1
fi

# nx runs lint and test at once: one of them builds the venv while the other waits.
exec 9>"${project}/.venv.lock"
flock 9

wanted="$(cat "${project}/requirements-dev.txt" "${project}/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -x "${venv}/bin/python" && -f "${stamp}" && "$(cat "${stamp}")" == "${wanted}" ]]; then
  echo "${venv}/bin/python"
  exit 0
fi

if [[ ! -x "${venv}/bin/python" ]]; then
  "${python}" -m venv "${venv}" >&2
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"${venv}/bin/python" -m pip install --quiet --requirement "${project}/requirements-dev.txt" >&2
"${venv}/bin/python" -m pip install --quiet --no-deps --no-build-isolation --editable "${project}" >&2
echo "${wanted}" > "${stamp}"
echo "${venv}/bin/python"
