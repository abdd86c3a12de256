#!/usr/bin/env bash
# Creates tools/hardening/fuzz/.venv (gitignored) with the pinned requirements.txt (Schemathesis
# and its dependencies, from PyPI), so `.venv/bin/schemathesis` runs the contract fuzzing.
# Idempotent and quick when nothing changed: it reinstalls only when requirements.txt differs
# from what the venv was made with. Prints the venv's schemathesis path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${here}/.venv"
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

# Two runs at once (a test and `make harden`): one builds the venv while the other waits.
exec 9>"${here}/.venv.lock"
flock 9

wanted="$(sha256sum < "${here}/requirements.txt" | cut -d' ' -f1)"
if [[ -x "${venv}/bin/schemathesis" && -f "${stamp}" && "$(cat "${stamp}")" == "${wanted}" ]]; then
  echo "${venv}/bin/schemathesis"
  exit 0
fi

if [[ ! -x "${venv}/bin/python" ]]; then
  "${python}" -m venv "${venv}" >&2
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"${venv}/bin/python" -m pip install --quiet --requirement "${here}/requirements.txt" >&2
echo "${wanted}" > "${stamp}"
echo "${venv}/bin/schemathesis"
