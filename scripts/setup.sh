#!/usr/bin/env bash
# Installs what Syncline needs on this machine, once: system packages (unixODBC + the SQLite ODBC
# driver for Sage 100 reads, Chromium for the browser tests), npm packages, the console build and the
# server's compiled JavaScript.
# Safe to run again: each step is skipped when already done. A missing system package disables only
# the feature that needs it, and says so.
set -uo pipefail
cd "$(dirname "$0")/.."
quiet=false
[ "${1:-}" = "--quiet" ] && quiet=true
say() { $quiet || echo "setup: $*"; }
warn() { echo "setup: WARNING: $*" >&2; }

# 1. System packages (Debian). Needs root or passwordless sudo; otherwise we explain what is missing.
need=()
dpkg -s unixodbc-dev >/dev/null 2>&1 || need+=(unixodbc unixodbc-dev)
dpkg -s libsqliteodbc >/dev/null 2>&1 || need+=(libsqliteodbc)
if [ "${SYNCLINE_SKIP_BROWSER:-}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    say "installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }; then
      warn "could not install ${need[*]}"
    fi
  else
    warn "cannot install ${need[*]} (not root, no sudo)"
  fi
fi
dpkg -s libsqliteodbc >/dev/null 2>&1 || warn "unixODBC / SQLite ODBC driver missing: Sage 100 reads (ODBC) are disabled; everything else works. Install: apt-get install unixodbc unixodbc-dev libsqliteodbc"
command -v chromium >/dev/null 2>&1 || $quiet || warn "Chromium missing: browser tests of the console will be skipped (apt-get install chromium)"

# 2. npm packages (the lock file pins them; install scripts allowed are listed in package.json).
stamp=node_modules/.syncline-installed
if [ -L node_modules ]; then
  # A link to another checkout's packages (a git worktree sharing them): npm ci here would empty the
  # shared folder under everyone using it. That checkout installs them.
  say "node_modules is a link to $(readlink node_modules); not reinstalling packages here"
elif [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error || { warn "npm install failed"; exit 1; }
  touch "$stamp"
fi
# The odbc addon builds against unixODBC; rebuild it if unixODBC arrived after npm install.
if dpkg -s unixodbc-dev >/dev/null 2>&1 && [ -d node_modules/odbc ] && ! node -e "require('odbc')" >/dev/null 2>&1; then
  say "building the odbc addon"
  npm rebuild odbc --loglevel=error >/dev/null 2>&1 || warn "could not build the odbc addon: Sage 100 reads are disabled"
fi

# 3. The console (web/dist), rebuilt when its sources changed.
if [ -f web/package.json ] && grep -q '"vite' web/package.json; then
  if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html -newer web/dist/index.html 2>/dev/null | head -1)" ]; then
    say "building the console"
    npm run build -w web --silent >/dev/null || warn "console build failed: the server will say so at /"
  fi
fi
# 4. The server's compiled JavaScript (dist/, bundled into dist/bundle/: syncline.mjs and its chunks), rebuilt when its
# sources changed. bin/syncline.js runs it when it is newer than every file in src/, else the sources
# through tsx (development).
if [ ! -f dist/.built ] || [ -n "$(find src tsconfig.json tsconfig.build.json -newer dist/.built 2>/dev/null | head -1)" ]; then
  say "compiling the server"
  mkdir -p dist
  # Stamped with the time the compile started, so a file edited during it still counts as newer.
  touch dist/.building
  if npx tsc -p tsconfig.build.json >/dev/null && node scripts/bundle-server.mjs; then
    mv dist/.building dist/.built
  else
    rm -f dist/.building
    warn "compiling the server failed: syncline runs from the TypeScript sources (slower start)"
  fi
fi
exit 0
