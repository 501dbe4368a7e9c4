#!/usr/bin/env bash
# Builds libopus 1.5.2 into the venv (.venv/lib/majlis/libopus.so.0), where audio/codec.py finds
# it before the system's copy.
#
# Why: Debian 12 and Ubuntu 22.04 ship libopus 1.3.1. Opus 1.5 adds, on the decoder side only, a
# neural loss concealment for speech (deep PLC) and a speech enhancer for the low-bitrate SILK
# layer (LACE/NoLACE, "OSCE"). Same wire format, same packets: members on 1.3.1 and on 1.5 hear
# each other. Measured in bench/quality.py: PESQ-WB at 10 % random loss 3.19 -> 3.45 on recorded
# speech, and the 1.5 encoder is faster (bench/cpu.py). The source is Debian's own (the trixie
# source package's upstream tarball, pinned by SHA-256), built with the options trixie's package
# uses for them (--enable-deep-plc --enable-osce), into the venv rather than mixing a package of
# another Debian release into the system's libraries.
#
# Idempotent: does nothing when the library is already there. A failed download or build prints
# why and leaves the app on the system's libopus (it works, with plain concealment).
#   scripts/build-opus.sh VENV
set -euo pipefail
VENV="${1:-.venv}"
VERSION=1.5.2
SHA256=65c1d2f78b9f2fb20082c38cbe47c951ad5839345876e46941612ee87f9a7ce1
MIRROR="${MAJLIS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
URL="$MIRROR/pool/main/o/opus/opus_${VERSION}.orig.tar.gz"
DEST="$VENV/lib/majlis"
STAMP="$DEST/libopus-$VERSION.built"
[ -f "$STAMP" ] && [ -f "$DEST/libopus.so.0" ] && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "libopus $VERSION not built ($1); the system's libopus will be used" >&2; exit 0; }
echo "building libopus $VERSION (deep PLC, OSCE) into $DEST" >&2
python3 - "$URL" "$work/opus.tar.gz" <<'EOF' || fail "cannot download $URL"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=60) as r, open(sys.argv[2], "wb") as f:
    f.write(r.read())
EOF
echo "$SHA256  $work/opus.tar.gz" | sha256sum -c --quiet - || fail "checksum mismatch"
tar -xzf "$work/opus.tar.gz" -C "$work"
(
  cd "$work/opus-$VERSION"
  ./configure -q --prefix="$work/inst" --disable-static --disable-doc --disable-extra-programs \
    --enable-deep-plc --enable-osce >"$work/build.log" 2>&1
  make -j"$(nproc)" >>"$work/build.log" 2>&1
  make install >>"$work/build.log" 2>&1
) || { tail -20 "$work/build.log" >&2; fail "build failed"; }
mkdir -p "$DEST"
cp "$work/inst/lib/libopus.so.0."* "$DEST/libopus.so.0"
touch "$STAMP"
