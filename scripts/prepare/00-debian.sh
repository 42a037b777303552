#!/usr/bin/env bash
# Debian packages the test suite needs. Idempotent: installs only what is missing.
#   openssl  — test CAs for the S3 and kube harnesses, s_client/verify checks of our certificates
#   chromium — the dashboard's real-browser tests (test/e2e), driven by playwright-core with
#              executablePath /usr/bin/chromium: `npx playwright install` cannot download a browser here
#   attr, acl — getfattr/setfattr (backup and restore of xattrs and POSIX ACLs), setfacl in their tests
#   debootstrap — the Holdfast image's Debian base (scripts/image, built by test/harness/image.ts)
#   containerd runc containernetworking-plugins iptables conntrack socat — the real one-node cluster
#              (test/harness/node.ts); busybox-static, gcc, libc6-dev — its test and pause images
#   postgresql — a real database under pgbench for the ransomware signals' false-positive test
#              (test/engine/change-signals-false-positives.test.ts starts its own server; the
#              package's service is not used)
set -euo pipefail
want=(openssl chromium attr acl debootstrap containerd runc containernetworking-plugins iptables conntrack socat busybox-static gcc libc6-dev postgresql)
[ -n "${HOLDFAST_DEBIAN_EXTRA:-}" ] && want+=($HOLDFAST_DEBIAN_EXTRA)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "prepare: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a containerd service on install; the one-node cluster runs its own, with private paths.
case " ${missing[*]} " in *" containerd "*) systemctl disable --now containerd >/dev/null 2>&1 || service containerd stop >/dev/null 2>&1 || true;; esac
