#!/usr/bin/env bash
# Installs pkilint (DigiCert's PKIX/CABF certificate and CRL linter, PyPI) into a venv cached under
# ~/.cache/holdfast once; prints the venv's bin directory. The TLS lint test calls this itself, like
# prepare-zlint.sh, so nothing outside test/tls has to know about it.
set -euo pipefail
version=0.13.3
venv="$HOME/.cache/holdfast/pkilint-$version"
if [ ! -f "$venv/.ok" ]; then
  command -v python3 >/dev/null || { echo "prepare-pkilint: python3 is not installed" >&2; exit 1; }
  # venvs hard-code their own path, so build in place; .ok is written last, so an interrupted
  # install is redone from scratch next time.
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "pkilint==$version" >&2
  touch "$venv/.ok"
fi
echo "$venv/bin"
