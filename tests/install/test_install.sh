#!/bin/sh
# `cmake --install` into a temporary prefix, the prefix moved elsewhere, and the installed copy
# run from / with --screenshot: it must find its shaders and assets from its own location, with
# no path of the source or build tree in the binary. ctest runs this under xvfb-run.
#   test_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/attnviz-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "test_install: $*" >&2
    exit 1
}

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }
mv "$tmp/prefix" "$tmp/moved"  # nothing may depend on where it was installed either
p=$tmp/moved

for f in bin/attnviz \
         share/attnviz/shaders/heatmap.vert share/attnviz/shaders/heatmap.frag \
         share/attnviz/assets/attnviz.svg share/attnviz/assets/icons/attnviz-32.png \
         share/attnviz/assets/examples/1-causal-vs-padding.json share/attnviz/assets/examples/4-designed-heads.json \
         share/applications/attnviz.desktop share/metainfo/io.github.attnviz.metainfo.xml \
         share/icons/hicolor/scalable/apps/attnviz.svg; do
    [ -s "$p/$f" ] || fail "missing or empty: $p/$f"
done
for n in 16 32 48 64 128 256; do
    [ -s "$p/share/icons/hicolor/${n}x${n}/apps/attnviz.png" ] || fail "missing icon ${n}x${n}"
done

for dir in "$src" "$build"; do
    if strings "$p/bin/attnviz" | grep -F -q "$dir"; then
        fail "bin/attnviz contains the path $dir: $(strings "$p/bin/attnviz" | grep -F "$dir" | head -3)"
    fi
done

cd /
"$p/bin/attnviz" --screenshot "$tmp/shot.png" > "$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; fail "the installed attnviz failed"; }
[ -s "$tmp/shot.png" ] || fail "no screenshot written"
[ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG"
if grep -q "window icon not set" "$tmp/run.log"; then cat "$tmp/run.log"; fail "the window icon was not found"; fi

# Without its runtime files it stops, naming every full path it tried.
rm -r "$p/share/attnviz/shaders"
if "$p/bin/attnviz" --screenshot "$tmp/none.png" > "$tmp/missing.log" 2>&1; then fail "ran without its shaders"; fi
grep -F -q "$p/share/attnviz/shaders" "$tmp/missing.log" || { cat "$tmp/missing.log"; fail "the error does not name $p/share/attnviz/shaders"; }
grep -F -q "$p/bin/shaders" "$tmp/missing.log" || { cat "$tmp/missing.log"; fail "the error does not name $p/bin/shaders"; }
echo "test_install: installed, moved and ran from /; no source or build path in the binary"
