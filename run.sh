#!/usr/bin/env bash
# Starts the endpoint locally: Azurite (installed from npm on first use, data in .azurite/) and the
# ASP.NET Core host on http://127.0.0.1:7071 with the development settings (one CPO and one eMSP party).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
started=0
if ! scripts/azurite.sh status >/dev/null 2>&1; then
  scripts/azurite.sh start
  started=1
fi
trap '[ "$started" = 1 ] && scripts/azurite.sh stop >/dev/null' EXIT
ASPNETCORE_ENVIRONMENT=Development dotnet run --project functions/Roaming.Host
