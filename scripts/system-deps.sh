#!/usr/bin/env bash
# Debian packages the project needs beside Python, installed when missing and when this
# machine can (root with apt-get); otherwise it says what to install.
#   system-deps.sh          Pango and fonts for WeasyPrint (the PDF documents)
#   system-deps.sh --tests  also poppler-utils (PDF to PNG) and PostgreSQL (storage tests)
set -euo pipefail
missing=()
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ "${1:-}" = "--tests" ]; then
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Please install these Debian packages: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
