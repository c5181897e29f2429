#!/usr/bin/env bash
# Runs a command with the project's toolchain in place: Node 24 LTS (from the npm registry's node@24
# package when the machine's node is older, kept in .tools/ without touching the system's node), the
# locked dependencies, and a fresh incremental build. Progress goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[setup] %s\n' "$*" >&2; }
major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if [ "$(major node)" -lt 24 ]; then
  tools="$root/.tools/node24"
  bin="$tools/node_modules/node/bin"
  if [ "$(major "$bin/node")" != 24 ]; then
    say "the machine's node is $(node --version 2>/dev/null || echo missing); installing Node 24 LTS (npm package node@24) into .tools/node24"
    rm -rf "$tools" && mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@24 >&2
    [ "$(major "$bin/node")" = 24 ] || { say "Node 24 did not install into $bin"; exit 1; }
  fi
  export PATH="$bin:$PATH"
fi

stamp="node_modules/.flink-autoscaler-install"
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing dependencies with npm ci (node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
fi

say "building (tsc -b)"
node_modules/.bin/tsc -b >&2

export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
