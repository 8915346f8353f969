#!/usr/bin/env bash
# Check the deploy files as written: `nginx -t` on the site (with a throwaway certificate) and
# `systemd-analyze verify` on the units (with /srv/saas pointing at this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== nginx -t ($(nginx -v 2>&1))"
mkdir -p "$TMP/ssl" "$TMP/nginx"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=saasplatform.com" \
  -keyout "$TMP/ssl/privkey.pem" -out "$TMP/ssl/fullchain.pem" >/dev/null 2>&1
sed "s#/etc/ssl/saas/#$TMP/ssl/#g" deploy/nginx.conf > "$TMP/nginx/site.conf"
cat > "$TMP/nginx/nginx.conf" <<CONF
pid $TMP/nginx.pid;
error_log stderr;
events {}
http {
    access_log off;
    client_body_temp_path $TMP;
    include $TMP/nginx/site.conf;
}
CONF
nginx -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP"
echo "nginx: ok"

echo "== systemd-analyze verify"
mkdir -p "$TMP/units"
for unit in deploy/systemd/*.service; do
  sed -e "s#/srv/saas#$ROOT#g" -e "s#^User=saas#User=root#" "$unit" > "$TMP/units/$(basename "$unit")"
done
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$TMP"/units/*.service
echo "systemd units: ok"
