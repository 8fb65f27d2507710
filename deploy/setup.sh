#!/usr/bin/env bash
# One-time (and safe to repeat) setup on a Debian 12 machine, as root:
#   - Debian's own redis-server, mariadb-server and the Python venv module when missing;
#   - a virtualenv in .venv with the project and its test extras installed.
# Nothing is downloaded except packages from Debian's archive and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

missing=()
# chromium + chromium-driver: the dashboard's browser test; systemd: systemd-analyze verify.
for pkg in redis-server mariadb-server mariadb-client python3 python3-venv \
           chromium chromium-driver systemd; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        say "missing Debian packages: ${missing[*]} (run this as root, or install them first)" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "$python is older than 3.11; set PYTHON=/path/to/python3.11 or newer" >&2
    exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
    say "creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi

# Reinstall only when the dependency list changed: a second run takes a second.
stamp=.venv/.simrs-bridge-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    say "installing simrs-bridge and its test extras into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    echo "$want" >"$stamp"
fi
say "ready"
