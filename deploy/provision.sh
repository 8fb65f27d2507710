#!/usr/bin/env bash
# Print deploy/sql/provision.sql with its placeholders filled, for `| mariadb -u root`.
#   READER_PASSWORD, WRITER_PASSWORD, OWNER_PASSWORD  required (the three accounts)
#   KHANZA_DB (sik), STATE_DB (simrs_bridge), CLIENT_HOST (127.0.0.1: the host the daemons
#   connect from, as MariaDB sees it; '%' for any)
# Passwords are quoted as SQL strings here, so any character is safe in them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
template=$here/sql/provision.sql   # the same layout in the checkout and in share/simrs-bridge
die() { printf 'provision: %s\n' "$*" >&2; exit 2; }
name_ok() { [[ $1 =~ ^[A-Za-z0-9_]+$ ]] || die "$2 must be letters, digits and _ (got '$1')"; }
host_ok() { [[ $1 =~ ^[A-Za-z0-9_.%:-]+$ ]] || die "CLIENT_HOST looks wrong: '$1'"; }
quote() { local v=${1//\\/\\\\}; v=${v//\'/\\\'}; printf "'%s'" "$v"; }

khanza=${KHANZA_DB:-sik}; state=${STATE_DB:-simrs_bridge}; host=${CLIENT_HOST:-127.0.0.1}
name_ok "$khanza" KHANZA_DB; name_ok "$state" STATE_DB; host_ok "$host"
for var in READER_PASSWORD WRITER_PASSWORD OWNER_PASSWORD; do
    [[ -n ${!var:-} ]] || die "$var is required (one password per account)"
done
python3 - "$template" "$khanza" "$state" "$host" \
    "$(quote "$READER_PASSWORD")" "$(quote "$WRITER_PASSWORD")" "$(quote "$OWNER_PASSWORD")" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
for key, value in zip(("KHANZA_DB", "STATE_DB", "CLIENT_HOST", "READER_PASSWORD",
                       "WRITER_PASSWORD", "OWNER_PASSWORD"), sys.argv[2:]):
    text = text.replace(f"@{key}@", value)
sys.stdout.write(text)
PY
