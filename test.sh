#!/usr/bin/env bash
# Runs every test against real parts: Azurite (started on loopback if nothing listens yet, stopped again
# afterwards if this script started it) and the endpoint on loopback HTTP. Extra arguments go to dotnet test.
set -euo pipefail
cd "$(dirname "$0")"
started=0
if ! scripts/azurite.sh status >/dev/null 2>&1; then
  AZURITE_IN_MEMORY=1 scripts/azurite.sh start
  started=1
fi
trap '[ "$started" = 1 ] && scripts/azurite.sh stop >/dev/null' EXIT
# A test that hangs (no test finishes for 15 minutes; the whole run takes about five) ends its run as a failure
# naming it, instead of holding CI until its own timeout.
dotnet test RoamingFunctions.Local.slnf --blame-hang-timeout 15m --blame-hang-dump-type none "$@"
