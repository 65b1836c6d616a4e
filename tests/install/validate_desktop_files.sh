#!/bin/sh
# The desktop entry and the AppStream metainfo, checked by Debian's own validators. They are not
# build dependencies (scripts/install-deps installs them for the tests); skipped (exit 77) where absent.
#   validate_desktop_files.sh SOURCE_DIR
set -eu
src=$1
if ! command -v desktop-file-validate > /dev/null || ! command -v appstreamcli > /dev/null; then
    echo "validate_desktop_files: skipped (apt-get install desktop-file-utils appstream to run it)"
    exit 77
fi
desktop-file-validate "$src/assets/attnviz.desktop"
appstreamcli validate --no-net "$src/assets/io.github.attnviz.metainfo.xml"
