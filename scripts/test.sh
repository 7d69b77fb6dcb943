#!/usr/bin/env bash
# `make test`: runs every Go test against a real PostgreSQL. Unless
# KEHOU_TEST_DATABASE_URL names one, it starts a throwaway private cluster on
# a free port and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${KEHOU_TEST_DATABASE_URL:-}" ]; then
  data=$(mktemp -d /tmp/kehou-test-pg.XXXXXX)
  port=$(scripts/pg.sh freeport)
  cleanup() { scripts/pg.sh stop "$data"; rm -rf "$data" "$data.initdb.log"; }
  trap cleanup EXIT
  scripts/pg.sh start "$data" "$port"
  export KEHOU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "test database: $KEHOU_TEST_DATABASE_URL"
fi
# The web pages' browser tests need Chromium and pdftotext: installed here
# as root with apt when missing; otherwise those tests fail with one line.
scripts/browser.sh ensure >/dev/null || echo "test.sh: browser tests will fail: see the line above" >&2
# The export tests also open each workbook with LibreOffice headless:
# installed here as root with apt when missing; then a missing soffice
# fails those tests (KEHOU_REQUIRE_OFFICE), never skips them.
if scripts/office.sh ensure >/dev/null; then
  export KEHOU_REQUIRE_OFFICE=1
else
  echo "test.sh: workbooks will be read with excelize only: see the line above" >&2
fi
# Database tests fail (never skip) when the database is missing.
export KEHOU_REQUIRE_DB=1
go test -count=1 -timeout 15m "$@" ./...
