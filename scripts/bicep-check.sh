#!/usr/bin/env bash
# Builds and lints the Bicep templates offline with the Bicep CLI pinned in tools/bicep/Bicep.csproj
# (a NuGet package, so a fresh machine needs only the .NET SDK). Fails on ANY diagnostic: `bicep lint`
# exits 0 on warnings, so its output is what decides.
# Usage: scripts/bicep-check.sh            (CI runs it before the tests; the settings test needs the CLI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
proj="$root/tools/bicep/Bicep.csproj"
templates=("infra-bicep/main.bicep")
params=("infra-bicep/main.example.bicepparam")

version=$(sed -n 's/.*Azure\.Bicep\.CommandLine\.linux-x64" Version="\[\([0-9.]*\)\]".*/\1/p' "$proj")
[ -n "$version" ] || { echo "bicep-check: FAILED (no Bicep version pinned in $proj)"; exit 1; }

if ! restore_log=$(dotnet restore "$proj" --verbosity quiet 2>&1); then
  echo "$restore_log" >&2
  echo "bicep-check: FAILED (could not restore Azure.Bicep.CommandLine.linux-x64 $version)"
  exit 1
fi

packages=${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')}
bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[ -f "$bicep" ] || { echo "bicep-check: FAILED (restored, but $bicep is missing)"; exit 1; }
# NuGet does not keep the executable bit on every platform.
[ -x "$bicep" ] || chmod u+x "$bicep"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root"
problems=0
run() {
  local log
  # Diagnostics go to stderr and stdout depending on the command; anything printed is a finding.
  if ! log=$("$bicep" "$@" 2>&1) || [ -n "$log" ]; then
    echo "bicep $*:" >&2
    echo "$log" >&2
    problems=$((problems + 1))
  fi
}
for t in "${templates[@]}"; do
  run build "$t" --outfile "$out/$(basename "$t" .bicep).json"
  run lint "$t"
done
for p in "${params[@]}"; do
  run build-params "$p" --outfile "$out/$(basename "$p" .bicepparam).parameters.json"
  run lint "$p"
done

checked="${templates[*]} ${params[*]}"
if [ "$problems" -ne 0 ]; then
  echo "bicep-check: FAILED ($problems of $(( 2 * (${#templates[@]} + ${#params[@]}) )) build/lint runs reported diagnostics; see above) [bicep $version: $checked]"
  exit 1
fi
echo "bicep-check: OK (bicep $version: build and lint clean, no diagnostics) [$checked]"
