#!/bin/sh
# Installs the IVC edge agent on a Debian store box, from a built checkout of this repository:
#   sudo deploy/edge/install.sh --bundle edge-1.0.0.ivcb --release-pub release.pub [--leaf]
# It verifies the bundle with the release public key, installs it as /opt/ivc-edge/versions/<v>
# with /opt/ivc-edge/current pointing at it, and enables ivc-edge-agent.service. Re-running it
# with a newer bundle switches to that bundle the same way (the old version stays for rollback).
set -eu

BUNDLE=""
RELEASE_PUB=""
LEAF=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --release-pub) RELEASE_PUB="$2"; shift 2 ;;
    --leaf) LEAF=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
[ -n "$BUNDLE" ] && [ -n "$RELEASE_PUB" ] || { echo "usage: $0 --bundle FILE.ivcb --release-pub release.pub [--leaf]" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 77; }

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROOT=/opt/ivc-edge

apt-get install -y --no-install-recommends ffmpeg nodejs
[ "$LEAF" -eq 1 ] && apt-get install -y --no-install-recommends nats-server
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 20 ] || { echo "Node.js >= 20 is required (found $(node -v)); install it from NodeSource" >&2; exit 69; }

id ivc-edge >/dev/null 2>&1 || useradd --system --home /var/lib/ivc-edge --shell /usr/sbin/nologin ivc-edge
install -d -o ivc-edge -g ivc-edge -m 0750 "$ROOT" "$ROOT/versions" /var/lib/ivc-edge
install -d -m 0755 "$ROOT/bin" /etc/ivc
install -m 0644 "$RELEASE_PUB" /etc/ivc/release.pub
install -m 0755 "$HERE/ivc-edge-guard.mjs" "$ROOT/bin/ivc-edge-guard.mjs"
[ -f /etc/ivc/edge.env ] || install -m 0640 -g ivc-edge "$HERE/edge.env.example" /etc/ivc/edge.env

node "$REPO/deploy/release/ivc-release.mjs" install "$BUNDLE" --pub /etc/ivc/release.pub --root "$ROOT"
chown -R ivc-edge:ivc-edge "$ROOT/versions"
chown -h ivc-edge:ivc-edge "$ROOT/current"

install -m 0644 "$HERE/ivc-edge-agent.service" /etc/systemd/system/ivc-edge-agent.service
if [ "$LEAF" -eq 1 ]; then
  [ -f /etc/ivc/nats-leaf.conf ] || install -m 0640 -g ivc-edge "$HERE/nats-leaf.conf" /etc/ivc/nats-leaf.conf
  install -m 0644 "$HERE/ivc-edge-nats.service" /etc/systemd/system/ivc-edge-nats.service
fi
systemctl daemon-reload
[ "$LEAF" -eq 1 ] && systemctl enable --now ivc-edge-nats
systemctl enable ivc-edge-agent
systemctl restart ivc-edge-agent
echo "installed. Set GATEWAY_KEY (and NATS_URL) in /etc/ivc/edge.env, then: systemctl restart ivc-edge-agent"
echo "status: curl -s http://127.0.0.1:8082/healthz ; journalctl -u ivc-edge-agent"
