#!/usr/bin/env bash
# Install the Debian packages ClinicFlow needs when they are missing:
# Java 17+ runs DynamoDB Local; Debian's chromium runs the portal's browser tests (tests/e2e).
set -euo pipefail
need=()
java_major() { java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1; }
if ! command -v java >/dev/null 2>&1 || (( $(java_major || echo 0) < 17 )); then
  need+=(openjdk-17-jre-headless)
fi
if ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if ((${#need[@]} == 0)); then exit 0; fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Please install: ${need[*]} (apt-get install -y ${need[*]})" >&2; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${need[*]} (Java 17+, Chromium)" >&2; exit 1
fi
echo "Installing ${need[*]} ..."
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
