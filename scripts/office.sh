#!/usr/bin/env bash
# Office helper for `make test`: the export tests open every workbook with
# LibreOffice headless as well as excelize, so a real office program must
# read it. As root with apt, a missing LibreOffice Calc (no GUI) is
# installed; the script then prints the soffice path. Without it the script
# says so in one line and the tests read workbooks with excelize only.
#
#   scripts/office.sh ensure     install when missing and possible; print the path
set -euo pipefail

die() { echo "office.sh: $*" >&2; exit 1; }

ensure() {
  if command -v soffice >/dev/null 2>&1; then command -v soffice; return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "office.sh: installing libreoffice-calc-nogui with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >&2 ||
      { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >&2; }; } \
      || die "apt-get install libreoffice-calc-nogui failed"
    command -v soffice && return 0
  fi
  die "LibreOffice (soffice) not found: install it (Debian: sudo apt-get install libreoffice-calc-nogui) for the exports' office check"
}

case "${1:-}" in
  ensure) ensure ;;
  *) die "usage: scripts/office.sh ensure" ;;
esac
