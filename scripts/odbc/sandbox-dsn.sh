#!/usr/bin/env bash
# Registers a user DSN that points unixODBC's SQLite3 driver at a Sage 100 emulator company file,
# so the connector's DSN route ("DSN=<name>;UID=...;PWD=...;Company=...") can be tried exactly as
# with SOTAMAS90 on a Sage 100 host.
#   usage: scripts/odbc/sandbox-dsn.sh <company-file.db> [dsn-name] [odbc.ini path]
# The DSN name defaults to SOTAMAS90_SANDBOX; the file defaults to $ODBCINI or ~/.odbc.ini.
set -euo pipefail
db="${1:?usage: sandbox-dsn.sh <company-file.db> [dsn-name] [odbc.ini]}"
name="${2:-SOTAMAS90_SANDBOX}"
ini="${3:-${ODBCINI:-$HOME/.odbc.ini}}"
if ! odbcinst -q -d 2>/dev/null | grep -q '^\[SQLite3\]'; then
  echo "The SQLite3 ODBC driver is not registered. Install it with: apt-get install -y unixodbc unixodbc-dev libsqliteodbc" >&2
  exit 1
fi
touch "$ini"
# Drop an older entry of the same name, then append the new one.
awk -v n="[$name]" 'BEGIN{skip=0} /^\[/{skip=($0==n)} !skip' "$ini" > "$ini.tmp" && mv "$ini.tmp" "$ini"
cat >> "$ini" <<INI
[$name]
Description = Syncline Sage 100 sandbox company file
Driver = SQLite3
Database = $(realpath "$db")
Timeout = 5000
INI
echo "DSN $name -> $(realpath "$db") written to $ini"
