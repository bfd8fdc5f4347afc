#!/bin/sh
# Regenerates test/vectors/rdp/ (RemoteFX, planar and interleaved RLE reference vectors) with
# FreeRDP's own codec library: compiles test/vectors/rdp/gen.c, runs it, and gzips what it wrote.
# Needs
#   apt-get install -y gcc pkg-config freerdp2-dev libwinpr2-dev
# The output is deterministic (gzip -n), so an unchanged library gives unchanged files.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/test/vectors/rdp"
if ! command -v gcc >/dev/null 2>&1 || ! pkg-config --exists freerdp2 winpr2 2>/dev/null; then
  echo "gen-rdp-vectors: needs gcc and FreeRDP's codec library: apt-get install -y gcc pkg-config freerdp2-dev libwinpr2-dev" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$work/gen" "$out/gen.c" $(pkg-config --cflags --libs freerdp2 winpr2) -lm
mkdir -p "$work/v"
"$work/gen" vectors "$work/v"
rm -f "$out"/*.msg "$out"/*.rgba.gz "$out/manifest.json"
for f in "$work"/v/*.rgba; do gzip -9n "$f"; done
cp "$work"/v/* "$out/"
# the manifest in the repository's style, so `npm run lint` (prettier --check .) passes
if [ -x "$repo/node_modules/.bin/prettier" ]; then "$repo/node_modules/.bin/prettier" --write "$out/manifest.json" >/dev/null; fi
du -sh "$out" | sed 's/^/gen-rdp-vectors: /'
