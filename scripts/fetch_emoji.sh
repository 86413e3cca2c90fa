#!/usr/bin/env bash
# Fetches the colour showcase dataset: 3,781 64x64 Twemoji PNGs (3,609 8-bit RGBA, 172
# palette-indexed with a transparency chunk: decode them as 4 channels) from the npm package
# emoji-datasource-twitter@16.0.0 (the npm registry is the only source this project's machines can
# reach), laid out as one folder per emoji category:
#
#   DIR/<category>/<image file name>     e.g. DIR/Smileys & Emotion/1f600.png
#   DIR/README.txt                       attribution: Twemoji graphics, CC-BY 4.0
#   DIR/.complete                        written last: package version and per-category counts
#
# The PNGs are copied byte for byte. Skin-tone variants go in their parent emoji's category, the
# "Component" category (bare skin-tone swatches) is left out, and so are entries the package marks
# has_img_twitter false; a file name listed twice is written once. scripts/emoji_layout.js does the
# layout and checks the package (see its header). The 9 classes keep emoji.json's category names,
# spaces and '&' included ("Smileys & Emotion", "Food & Drink"), so a class name is the package's
# own and needs no mapping table; quote DIR's subfolders in the shell.
#
# Usage: scripts/fetch_emoji.sh [DIR]      (default: data/emoji under the repository root)
# Idempotent: does nothing when DIR/.complete names this package version and DIR holds that many
# PNGs. The layout is built in a hidden folder next to DIR and renamed into place at the end, so an
# interrupted run never leaves a DIR that looks complete.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$repo_root/data/emoji}"
dir="${dir%/}"
package="emoji-datasource-twitter@16.0.0"
expected_images=3781
marker="$dir/.complete"

png_count() { find "$1" -mindepth 2 -maxdepth 2 -type f -name '*.png' | wc -l; }

if [ -f "$marker" ] && [ "$(head -n 1 "$marker")" = "$package" ] &&
   grep -qx "total: $expected_images images in 9 classes" "$marker" &&
   [ "$(png_count "$dir")" -eq "$expected_images" ]; then
  echo "fetch_emoji: $dir already holds $expected_images emoji from $package; nothing to do"
  exit 0
fi

# DIR is replaced only when it is empty or an earlier layout of this script (it has .complete).
if [ -e "$dir" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$dir" 2>/dev/null || echo x)" ]; then
  echo "fetch_emoji: $dir exists and is not an emoji layout written by this script; move it away or pass another DIR" >&2
  exit 1
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch_emoji: '$tool' not found; it is needed to fetch the emoji from the npm registry." >&2
    echo "fetch_emoji: install it with: apt-get install -y nodejs npm   (or run scripts/setup.sh)" >&2
    exit 1
  fi
done

parent="$(dirname "$dir")"
name="$(basename "$dir")"
mkdir -p "$parent"
work="$(mktemp -d "${TMPDIR:-/tmp}/aegan-fetch-emoji.XXXXXX")"
stage="$(mktemp -d "$parent/.$name.partial.XXXXXX")"
old=""
trap 'rm -rf "$work" "$stage" ${old:+"$old"}' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# mktemp makes the folder 0700; give it the permissions a plain mkdir would.
chmod "$(printf '%o' $(( 0777 & ~0$(umask) )))" "$stage"

echo "fetch_emoji: downloading $package from the npm registry (about 60 MB)"
if ! tarball="$(cd "$work" && npm pack "$package" --loglevel=error 2>"$work/npm.log")"; then
  cat "$work/npm.log" >&2
  echo "fetch_emoji: 'npm pack $package' failed (is the npm registry reachable?)" >&2
  exit 1
fi
tarball="$(printf '%s\n' "$tarball" | tail -n 1)"
if ! tar -xzf "$work/$tarball" -C "$work"; then
  echo "fetch_emoji: cannot extract $work/$tarball" >&2
  exit 1
fi
if [ ! -f "$work/package/emoji.json" ] || [ ! -d "$work/package/img/twitter/64" ]; then
  echo "fetch_emoji: $package has no emoji.json or img/twitter/64 folder; the package layout is not the expected one" >&2
  exit 1
fi

node "$repo_root/scripts/emoji_layout.js" "$work/package" "$stage" "$expected_images" | tee "$work/counts.txt"

cat >"$stage/README.txt" <<EOF
Emoji images: $expected_images 64x64 PNGs in 9 classes, one folder per emoji category.

Twemoji graphics by Twitter, Inc and other contributors, licensed under CC-BY 4.0
(https://creativecommons.org/licenses/by/4.0/). Packaged by emoji-datasource-twitter 16.0.0
(iamcal/emoji-data, https://github.com/iamcal/emoji-data). The files are unmodified copies of the
package's img/twitter/64/ images; skin-tone variants are filed under their emoji's category and
the "Component" category is left out.

Written by aegan's scripts/fetch_emoji.sh.
EOF
{ echo "$package"; grep -v '^left out:' "$work/counts.txt"; } >"$stage/.complete.tmp"
mv "$stage/.complete.tmp" "$stage/.complete"

if [ "$(png_count "$stage")" -ne "$expected_images" ]; then
  echo "fetch_emoji: $stage holds $(png_count "$stage") PNGs after the layout, expected $expected_images" >&2
  exit 1
fi

if [ -e "$dir" ]; then
  old="$(mktemp -d "$parent/.$name.old.XXXXXX")"
  mv "$dir" "$old/"
fi
mv "$stage" "$dir"
echo "fetch_emoji: done; $expected_images images in $dir"
