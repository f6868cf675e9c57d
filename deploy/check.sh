#!/usr/bin/env bash
# Checks the deploy files with their own tools: the unit with `systemd-analyze verify`
# (the binary path replaced by this build's), nginx.conf with `nginx -t` (a self-signed
# certificate made for the check). Installs nginx when it is missing and apt can.
#   deploy/check.sh [REPLICHAT_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-target/debug/replichat}")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== systemd-analyze verify deploy/replichat.service"
if command -v systemd-analyze >/dev/null; then
    sed "s|/usr/local/bin/replichat|$binary|g" deploy/replichat.service >"$scratch/replichat.service"
    # verify reports problems on stderr and may exit 0; any output about our unit fails.
    systemd-analyze verify "$scratch/replichat.service" 2>"$scratch/verify.log" || {
        cat "$scratch/verify.log" >&2
        exit 1
    }
    if grep -i "replichat.service" "$scratch/verify.log" >&2; then
        echo "systemd-analyze found problems in the unit" >&2
        exit 1
    fi
    echo "ok"
else
    echo "skipped: systemd-analyze is not installed" >&2
fi

echo "== nginx -t deploy/nginx.conf"
if ! command -v nginx >/dev/null && command -v apt-get >/dev/null; then
    echo "installing nginx-light (for nginx -t only; no server is started)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq nginx-light >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "nginx is not installed and cannot be" >&2; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=chat.example.com \
    -keyout "$scratch/privkey.pem" -out "$scratch/fullchain.pem" 2>/dev/null
sed -e "s|/etc/ssl/replichat/|$scratch/|g" -e "s|/run/nginx-replichat.pid|$scratch/nginx.pid|" \
    deploy/nginx.conf >"$scratch/nginx.conf"
"$nginx" -t -q -p "$scratch" -c "$scratch/nginx.conf" -g "error_log $scratch/error.log;"
echo "ok"
