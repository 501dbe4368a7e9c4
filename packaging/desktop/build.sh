#!/usr/bin/env bash
# Build the one-folder Linux bundle: dist/majlis/majlis (run it, or install-user.sh it).
#   packaging/desktop/build.sh [DIST_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dist="${1:-$root/dist}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PY="${PYTHON:-$root/.venv/bin/python}"
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$dist" --workpath "$work" \
  "$here/majlis.spec"
cp "$here/majlis.desktop" "$here/org.majlis.Majlis.metainfo.xml" "$dist/majlis/"
cp "$root/app/ui/icons/majlis.svg" "$dist/majlis/majlis.svg"
cp "$here/install-user.sh" "$dist/majlis/"
echo "bundle: $dist/majlis ($(du -sh "$dist/majlis" | cut -f1))"
