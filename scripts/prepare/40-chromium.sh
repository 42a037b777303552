#!/usr/bin/env bash
# Debian's Chromium for the dashboard's real-browser tests (test/e2e), driven by playwright-core
# with executablePath /usr/bin/chromium: `npx playwright install` cannot download a browser here.
# Idempotent: installs only what is missing.
set -euo pipefail
want=(chromium)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "prepare: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
