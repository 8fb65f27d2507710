#!/usr/bin/env bash
# Install simrs-bridge as systemd services on a Debian host, as root. Safe to run again
# (an upgrade is the same command): it
#   - creates the system user and group `simrs-bridge` if missing;
#   - creates or updates a virtualenv in /opt/simrs-bridge/venv and installs this source
#     tree into it (not editable: the service runs what was installed, not the checkout);
#   - copies the units to /etc/systemd/system and runs `systemctl daemon-reload`
#     (simrs-bridge-wsrs is installed but never enabled here: it needs the credentials
#     and key agreed with BPJS first, see docs/wsrs.md);
#   - copies deploy/env.example to /etc/simrs-bridge/env ONLY if that file is absent
#     (mode 0600, group simrs-bridge), so settings and secrets are never overwritten.
# It starts nothing unless asked: `deploy/install.sh --start` also enables and (re)starts
# the units. Redis persistence: see deploy/redis.conf.
#
# For a dry install into a staging tree (tests, packaging) set SIMRS_BRIDGE_ROOT=/some/dir:
# every path is placed under it and the user, ownership and systemctl steps are skipped.
set -euo pipefail

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

start=no
for arg in "$@"; do
    case $arg in
        --start) start=yes ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) die "unknown argument $arg (only --start)" ;;
    esac
done

source_dir=$(cd "$(dirname "$0")/.." && pwd)
root=${SIMRS_BRIDGE_ROOT:-}
prefix=$root/opt/simrs-bridge
etc=$root/etc/simrs-bridge
units=$root/etc/systemd/system
user=simrs-bridge
python=${PYTHON:-python3}
staging=no
[[ -n $root ]] && staging=yes

if [[ $staging == no && $(id -u) -ne 0 ]]; then
    die "run as root (it creates a system user and installs systemd units)"
fi
if [[ $staging == yes && $start == yes ]]; then
    die "--start makes no sense with SIMRS_BRIDGE_ROOT (nothing is installed for real)"
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$python is older than 3.11; set PYTHON=/path/to/python3.11 or newer"
"$python" -c 'import venv' 2>/dev/null || die "$python has no venv module (apt-get install python3-venv)"

if [[ $staging == no ]]; then
    if ! getent group "$user" >/dev/null; then
        say "creating group $user"
        groupadd --system "$user"
    fi
    if ! getent passwd "$user" >/dev/null; then
        say "creating system user $user"
        useradd --system --gid "$user" --home-dir /opt/simrs-bridge --no-create-home \
            --shell /usr/sbin/nologin --comment "simrs-bridge daemon" "$user"
    fi
else
    say "staging into $root: no user, no ownership, no systemctl"
fi

install -d -m 0755 "$prefix" "$prefix/docs" "$units"
if [[ ! -x $prefix/venv/bin/python ]]; then
    say "creating $prefix/venv with $("$python" --version)"
    "$python" -m venv "$prefix/venv"
fi
say "installing simrs-bridge from $source_dir"
"$prefix/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
    ${SIMRS_BRIDGE_PIP_ARGS:-} "$source_dir"
install -m 0644 "$source_dir/docs/operations.md" "$prefix/docs/operations.md"
install -m 0644 "$source_dir/docs/wsrs.md" "$prefix/docs/wsrs.md"

for unit in "$source_dir"/deploy/systemd/simrs-bridge-*.service; do
    target=$units/$(basename "$unit")
    if [[ $staging == yes ]]; then
        sed "s#/opt/simrs-bridge#$prefix#g" "$unit" >"$target.new"
    else
        cp "$unit" "$target.new"
    fi
    chmod 0644 "$target.new"
    if [[ -f $target ]] && cmp -s "$target.new" "$target"; then
        rm -f "$target.new"
    else
        mv -f "$target.new" "$target"
        say "installed $target"
    fi
done

install -d -m 0750 "$etc"
created=no
if [[ -e $etc/env ]]; then
    say "keeping $etc/env (compare with deploy/env.example for new settings)"
else
    (umask 077 && cp "$source_dir/deploy/env.example" "$etc/env")
    chmod 0600 "$etc/env"
    created=yes
    say "created $etc/env from the template: edit it before starting (CHANGE-ME values)"
fi

if [[ $staging == no ]]; then
    chown root:"$user" "$etc"
    if [[ $created == yes ]]; then
        # systemd reads it as root, but simrs-bridge reads it too (load_settings) as the
        # service user: readable by that group, writable only by root, hidden from others.
        chown root:"$user" "$etc/env"
        chmod 0640 "$etc/env"
    fi
    systemctl daemon-reload
    if [[ $start == yes ]]; then
        systemctl enable simrs-bridge-worker simrs-bridge-producer simrs-bridge-dashboard
        systemctl restart simrs-bridge-worker simrs-bridge-producer simrs-bridge-dashboard
        say "started; watch with: journalctl -fu 'simrs-bridge-*'"
        say "the WS RS for Mobile JKN is not started: see docs/wsrs.md, then" \
            "systemctl enable --now simrs-bridge-wsrs"
    else
        say "installed; nothing started. Edit $etc/env, then: deploy/install.sh --start"
    fi
fi
say "done"
