#!/usr/bin/env bash
# Installs the system packages Majlis needs on Debian/Ubuntu (libopus, PortAudio, speech tools
# for the tests). Uses sudo when not root. Skips apt entirely when everything is already there,
# so a repeated run costs nothing.
set -euo pipefail
PKGS=(python3 python3-venv python3-pip libopus0 libportaudio2 libasound2-plugins espeak-ng sox)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
