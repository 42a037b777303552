#!/usr/bin/env bash
# Debian packages the test suite needs. Idempotent: installs only what is missing.
#   openssl  — test CAs for the S3 and kube harnesses, s_client/verify checks of our certificates
#   chromium — the dashboard's real-browser tests (test/e2e), driven by playwright-core with
#              executablePath /usr/bin/chromium: `npx playwright install` cannot download a browser here
#   attr, acl — getfattr/setfattr (backup and restore of xattrs and POSIX ACLs), setfacl in their tests
#   debootstrap — the Holdfast image's Debian base (scripts/image, built by test/harness/image.ts)
set -euo pipefail
want=(openssl chromium attr acl debootstrap)
[ -n "${HOLDFAST_DEBIAN_EXTRA:-}" ] && want+=($HOLDFAST_DEBIAN_EXTRA)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "prepare: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
