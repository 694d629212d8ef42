#!/usr/bin/env bash
# Refresh the vendored on-screen keyboard (village_kiosk/static/vendor/): simple-keyboard and its Chinese
# pinyin layout, copied unchanged from the npm packages. Usage: scripts/vendor_keyboard.sh [VERSION] [LAYOUTS_VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
kb="${1:-3.8.192}" layouts="${2:-3.4.265}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "simple-keyboard@$kb" "simple-keyboard-layouts@$layouts" >/dev/null)
mkdir -p "$tmp/a" "$tmp/b"
tar xzf "$tmp/simple-keyboard-$kb.tgz" -C "$tmp/a"
tar xzf "$tmp/simple-keyboard-layouts-$layouts.tgz" -C "$tmp/b"
dest=village_kiosk/static/vendor
cp "$tmp/a/package/build/index.js" "$tmp/a/package/build/css/index.css" "$tmp/a/package/LICENSE" "$dest/simple-keyboard/"
cp "$tmp/b/package/build/layouts/chinese.js" "$tmp/b/package/LICENSE" "$dest/simple-keyboard-layouts/"
echo "vendored simple-keyboard $kb and simple-keyboard-layouts $layouts into $dest (update README.md there)"
