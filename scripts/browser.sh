#!/usr/bin/env bash
# Browser helper for `make test`: the web pages' tests drive Debian's
# Chromium. As root with apt, a missing Chromium (and poppler-utils, whose
# pdftotext reads the printed statement) is installed; otherwise the script
# stops with a one-line message, and the browser tests fail, never skip.
#
#   scripts/browser.sh ensure     install when missing and possible; print the path
set -euo pipefail

die() { echo "browser.sh: $*" >&2; exit 1; }

find_chromium() {
  local c
  for c in "${KEHOU_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

ensure() {
  if find_chromium && command -v pdftotext >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser.sh: installing chromium and poppler-utils with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium poppler-utils fonts-noto-cjk >&2 \
      || die "apt-get install chromium poppler-utils fonts-noto-cjk failed"
    find_chromium && return 0
  fi
  find_chromium || die "Chromium not found at /usr/bin/chromium: install it (Debian: sudo apt-get install chromium poppler-utils) or set KEHOU_CHROMIUM"
}

case "${1:-}" in
  ensure) ensure ;;
  *) die "usage: scripts/browser.sh ensure" ;;
esac
