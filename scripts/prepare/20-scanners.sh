#!/usr/bin/env bash
# Real SAST scanners for test/sast: the tests run them on the fixture apps in test/fixtures/sast/apps
# and ingest what they print, so SARIF quirks come from the tools themselves, not from our memory.
# Idempotent; everything lives under ~/.cache/holdfast keyed on the pinned versions, and nothing is
# added to our package.json (scanners are test tools, not Holdfast dependencies).
#   Python scanners -> ~/.cache/holdfast/venv-scanners-<key>   (symlinked as ~/.cache/holdfast/venv)
#   npm scanners    -> ~/.cache/holdfast/npm-scanners-<key>
set -euo pipefail
BANDIT=1.9.4
SEMGREP=1.185.0
ESLINT=9.39.5
ESLINT_SECURITY=3.0.1
ESLINT_SARIF=3.1.0
cache="${HOME}/.cache/holdfast"
mkdir -p "$cache"

pykey="bandit-${BANDIT}_semgrep-${SEMGREP}"
venv="$cache/venv-scanners-$pykey"
if [ ! -f "$venv/.ok" ]; then
  # Debian ships venv's ensurepip only in python3-venv.
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  fi
  echo "prepare: installing bandit[sarif]==$BANDIT semgrep==$SEMGREP into $venv"
  # venvs hard-code their own path, so build in place; the .ok marker is written last, so an
  # interrupted install is redone from scratch next time.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "bandit[sarif]==$BANDIT" "semgrep==$SEMGREP"
  touch "$venv/.ok"
fi
ln -sfn "$venv" "$cache/venv"

npmkey="eslint-${ESLINT}_security-${ESLINT_SECURITY}_sarif-${ESLINT_SARIF}"
prefix="$cache/npm-scanners-$npmkey"
if [ ! -f "$prefix/.ok" ]; then
  echo "prepare: installing eslint@$ESLINT eslint-plugin-security@$ESLINT_SECURITY @microsoft/eslint-formatter-sarif@$ESLINT_SARIF into $prefix"
  rm -rf "$prefix.tmp" && mkdir -p "$prefix.tmp"
  (cd "$prefix.tmp" && printf '{"name":"holdfast-scanners","private":true}\n' >package.json &&
    npm install -s --no-audit --no-fund --ignore-scripts \
      "eslint@$ESLINT" "eslint-plugin-security@$ESLINT_SECURITY" "@microsoft/eslint-formatter-sarif@$ESLINT_SARIF")
  rm -rf "$prefix" && mv "$prefix.tmp" "$prefix" && touch "$prefix/.ok"
fi
ln -sfn "$prefix" "$cache/npm-scanners"
