#!/usr/bin/env bash
# Breaking-change detection for proto/ (buf, FILE rules).
# Compares the working tree against a base revision: COFFER_PROTO_BASE if set (CI sets it to the
# pull request's base), else the merge-base with origin/main, else the previous commit on main.
# A breaking change to a v1 package needs a new package version (v2), not an edit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
buf="$root/node_modules/.bin/buf"

base="${COFFER_PROTO_BASE:-}"
if [[ -z "$base" ]] && git rev-parse --verify -q origin/main >/dev/null; then
  base="$(git merge-base HEAD origin/main)"
  [[ "$base" == "$(git rev-parse HEAD)" ]] && base=""
fi
if [[ -z "$base" ]] && git rev-parse --verify -q HEAD~1 >/dev/null; then
  base="$(git rev-parse HEAD~1)"
fi
if [[ -z "$base" ]]; then
  echo "proto-breaking: no earlier revision to compare with (first commit); nothing can break yet"
  exit 0
fi
if ! git cat-file -e "$base:proto/buf.yaml" 2>/dev/null; then
  echo "proto-breaking: base $base has no proto/ module yet; nothing can break"
  exit 0
fi
"$buf" breaking proto --against ".git#ref=$base,subdir=proto"
echo "proto-breaking: no breaking changes against $base"
