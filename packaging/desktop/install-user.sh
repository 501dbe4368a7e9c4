#!/usr/bin/env bash
# Install a built bundle for the current user: the launcher, the icon, and the majlis:// handler.
# Run from inside the bundle folder (dist/majlis). Undo with: install-user.sh --remove
set -euo pipefail
bundle="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
bin="$HOME/.local/bin"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/majlis.desktop" "$icons/majlis.svg" "$bin/majlis"
  exit 0
fi
mkdir -p "$apps" "$icons" "$bin"
ln -sf "$bundle/majlis" "$bin/majlis"
cp "$bundle/majlis.svg" "$icons/majlis.svg"
sed "s|^Exec=majlis |Exec=$bundle/majlis |" "$bundle/majlis.desktop" > "$apps/majlis.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
command -v xdg-mime >/dev/null && xdg-mime default majlis.desktop x-scheme-handler/majlis || true
echo "installed: majlis links now open in Majlis"
