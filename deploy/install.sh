#!/usr/bin/env bash
# Install simrs-bridge as systemd services on a Debian host, as root. Safe to run again
# (an upgrade is the same command): it
#   - creates the system user and group `simrs-bridge` if missing;
#   - creates or updates a virtualenv in /opt/simrs-bridge/venv and installs simrs-bridge
#     into it: the release wheel given with --wheel FILE, else this source tree (never
#     editable: the service runs what was installed, not the checkout);
#   - with --offline DIR, pip takes every dependency from DIR and never the network
#     (fill it once elsewhere: pip download -d DIR simrs_bridge-*.whl);
#   - copies the units, from what was installed (venv/share/simrs-bridge), to
#     /etc/systemd/system and runs `systemctl daemon-reload` (simrs-bridge-wsrs is
#     installed but never enabled here: it needs the credentials and key agreed with
#     BPJS first, see docs/wsrs.md);
#   - copies env.example to /etc/simrs-bridge/env ONLY if that file is absent
#     (mode 0600, group simrs-bridge), so settings and secrets are never overwritten.
# It starts nothing unless asked: `--start` also enables and (re)starts the units.
# Redis persistence: share/simrs-bridge/redis.conf. Accounts: provision.sh.
#
# For a dry install into a staging tree (tests, packaging) set SIMRS_BRIDGE_ROOT=/some/dir:
# every path is placed under it and the user, ownership and systemctl steps are skipped.
set -euo pipefail

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

start=no
wheel=
offline=
while (($#)); do
    case $1 in
        --start) start=yes ;;
        --wheel) wheel=${2:?--wheel needs a file}; shift ;;
        --offline) offline=${2:?--offline needs a directory}; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) die "unknown argument $1 (--wheel FILE, --offline DIR, --start)" ;;
    esac
    shift
done
if [[ -n $wheel ]]; then
    [[ -f $wheel && $wheel == *.whl ]] || die "--wheel $wheel: not a .whl file"
    wheel=$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")
fi
if [[ -n $offline ]]; then
    [[ -d $offline ]] || die "--offline $offline: not a directory"
    offline=$(cd "$offline" && pwd)
fi

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
what=${wheel:-$source_dir}
pip_args=(-q --disable-pip-version-check --upgrade)
[[ -n $offline ]] && pip_args+=(--no-index --find-links "$offline")
say "installing simrs-bridge from $what${offline:+ (offline, from $offline)}"
# shellcheck disable=SC2086  # SIMRS_BRIDGE_PIP_ARGS is a list of words on purpose
"$prefix/venv/bin/python" -m pip install "${pip_args[@]}" ${SIMRS_BRIDGE_PIP_ARGS:-} "$what"
share=$prefix/venv/share/simrs-bridge
[[ -d $share/systemd ]] || die "$share/systemd is missing: the installed package is incomplete"
say "installed $("$prefix/venv/bin/simrs-bridge" --version 2>/dev/null || echo simrs-bridge)"
for doc in "$share"/docs/*.md; do
    install -m 0644 "$doc" "$prefix/docs/$(basename "$doc")"
done

for unit in "$share"/systemd/simrs-bridge-*.service; do
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
    (umask 077 && cp "$share/env.example" "$etc/env")
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
