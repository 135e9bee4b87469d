#!/usr/bin/env bash
# The user-facing docs say what the programs do: the README lists every error code a reply can
# carry (common/errors.cpp's table) and has a troubleshooting entry for each connection message
# of the CLI (common/connection_watch.cpp), and docs/protocol.md gives the exit status of a
# refused option as the programs return it (78, EX_CONFIG).
# Usage: check_docs.sh SOURCE_DIR
set -euo pipefail
src="$1"
fail() { echo "check_docs: $*" >&2; exit 1; }
readme="$src/README.md"
codes=$(grep -oE '\{ErrorCode::k[A-Za-z]+, "[A-Z_]+"\}' "$src/common/errors.cpp" | grep -oE '"[A-Z_]+"' | tr -d '"')
[[ -n "$codes" ]] || fail "no error codes found in common/errors.cpp"
n=0
for code in $codes; do
  grep -q "\`$code\`" "$readme" || fail "README.md does not list the error code $code"
  n=$((n + 1))
done
grep -q '^## Troubleshooting' "$readme" || fail "README.md has no Troubleshooting section"
troubleshooting=$(sed -n '/^## Troubleshooting/,/^## /p' "$readme")
for message in "nothing listens at" "requires CURVE" "does not use CURVE" \
  "is not the broker's public key" "the broker does not allow our key" "no connection to" \
  "got no reply in" "is a public key file" "--curve-allow: cannot read"; do
  grep -qF -- "$message" <<<"$troubleshooting" ||
    fail "README.md Troubleshooting does not explain \"$message\""
done
grep -q "2 for invalid options" "$src/docs/protocol.md" && fail "docs/protocol.md still says bad options exit 2"
grep -q "78 (\`EX_CONFIG\`" "$src/docs/protocol.md" || fail "docs/protocol.md does not give exit status 78"
echo "docs: $n error codes listed, troubleshooting and exit status ok"
