#!/usr/bin/env bash
# The load tool for bench/api.md: Debian's wrk (not an npm dependency). Idempotent.
set -euo pipefail
dpkg -s wrk >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wrk >/dev/null
