#!/bin/sh
# Scans a release of the shop with a real scanner (Semgrep, installed by
# scripts/prepare/20-scanners.sh) and the rules below, and writes SARIF — by default to
# releases/<release>/semgrep.sarif, the reports this folder ships (upload-report.mjs sends them):
#   run-scan.sh v1|v2 [OUT]
# The path and line of each result are those of server.ts as built for that release (build.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
release=${1:?usage: run-scan.sh v1|v2 [OUT]}
out=${2:-$here/releases/$release/semgrep.sarif}
semgrep="${HOLDFAST_SEMGREP:-${HOME}/.cache/holdfast/venv/bin/semgrep}"
[ -x "$semgrep" ] || { echo "run-scan: Semgrep is not installed: run scripts/prepare/20-scanners.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/build.sh" "$release" "$work/src"
cat >"$work/rules.yml" <<'RULES'
rules:
  - id: shop-unvalidated-record-append
    languages: [typescript]
    severity: ERROR
    message: request body appended to the data file without validRecord; a crafted record poisons every later read and every backup of it
    patterns:
      - pattern: appendFileSync($F, JSON.stringify($LINE) + ...)
      - pattern-not-inside: |
          const $CHECKED = validRecord(...);
          ...
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
(cd "$work/src" && SEMGREP_SEND_METRICS=off "$semgrep" scan --config ../rules.yml --sarif --metrics=off --disable-version-check -q -o ../out.sarif . ) || [ -s "$work/out.sarif" ]
cat "$work/out.sarif" >"$out"
