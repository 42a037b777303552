#!/bin/sh
# Runs a real scanner (Semgrep, installed by scripts/prepare/20-scanners.sh) over the shop with the
# rules below and writes SARIF to $1 (default: stdout). With --upload URL TOKEN_FILE it also posts
# the report to a running `holdfast serve` for the shop's current commit, the way a CI job would:
#   run-scan.sh out.sarif --upload https://127.0.0.1:8443 TOKEN_FILE CA_FILE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/dev/stdout}
semgrep="${HOME}/.cache/holdfast/venv/bin/semgrep"
[ -x "$semgrep" ] || { echo "run-scan: Semgrep is not installed: run scripts/prepare/20-scanners.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/server.ts" "$work/"
cat >"$work/rules.yml" <<'RULES'
rules:
  - id: shop-unvalidated-record-append
    languages: [typescript]
    severity: ERROR
    message: request body appended to the data file without a schema; a crafted record poisons every later read and every backup of it
    pattern: appendFileSync($F, JSON.stringify(...) + ...)
    metadata:
      cwe: ['CWE-20: Improper Input Validation']
      security-severity: '9.1'
      category: security
  - id: shop-path-from-flag
    languages: [typescript]
    severity: WARNING
    message: file path built from a command-line flag
    pattern: readFileSync(join($O.certDir, ...))
    metadata:
      cwe: ['CWE-73: External Control of File Name or Path']
      category: security
RULES
(cd "$work" && SEMGREP_SEND_METRICS=off "$semgrep" scan --config rules.yml --sarif --metrics=off --disable-version-check -q -o shop.sarif --exclude rules.yml . ) || [ -s "$work/shop.sarif" ]
cat "$work/shop.sarif" >"$out"
if [ "${2:-}" = "--upload" ]; then
  url=$3 token=$(cat "$4")
  commit=$(sh "$here/run-version.sh" | sed -n 's/.*"commit":"\([0-9a-f]*\)".*/\1/p')
  curl -fsS ${5:+--cacert "$5"} -H "authorization: Bearer $token" -H 'content-type: application/sarif+json' \
    --data-binary @"$out" "$url/api/v1/sarif?repository=github.com/holdfast/shop&commit=$commit&ref=main"
fi
