#!/usr/bin/env bash
# Installs the system packages Majlis needs on Debian/Ubuntu (libopus, PortAudio, speech tools
# for the tests). Uses sudo when not root. Skips apt entirely when everything is already there,
# so a repeated run costs nothing.
set -euo pipefail
PKGS=(
  python3 python3-venv python3-pip
  # audio: Opus, PortAudio (reaches PipeWire through ALSA), speech and measuring for the tests
  libopus0 libportaudio2 libasound2-plugins libspeexdsp1 espeak-ng sox
  # recorded speech for bench/quality.py (/usr/share/sounds/alsa), and a C toolchain for
  # scripts/build-opus.sh (libopus 1.5 with deep concealment, built into the venv)
  alsa-utils gcc make libc6-dev
  # real audio devices without a sound card: PipeWire with virtual (null) sinks, for the tests
  pipewire pipewire-pulse pipewire-alsa wireplumber pulseaudio-utils dbus-daemon
  # relay scale-out and censorship tests: a message bus, proxies, reverse proxies, certificates
  redis-server microsocks tinyproxy nginx-light caddy openssl
  # lossy and throttled networks for the network tests and bench/network.py: namespaces, packet
  # drop (iptables' statistic match), rate limits (tc tbf)
  iproute2 iptables
  # Tor: the client starts its own tor when none runs, bridges through obfs4 and Snowflake, and
  # the tests build a private Tor network on 127.0.0.1 (tor-gencert comes with tor)
  tor obfs4proxy snowflake-client
  # checks of the desktop entry, AppStream metadata and invite QR codes
  desktop-file-utils appstream zbar-tools
  # Qt offscreen and fonts for Arabic and Chinese
  libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core fonts-noto-core
  fonts-wqy-microhei
  # Qt on a virtual X server (screenshots, the bundle test)
  xvfb xauth libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
