#!/usr/bin/env bash
# Prints where `cargo build --release`, run in the repository REPO, puts cjmh:
# $CARGO_TARGET_DIR/release/cjmh when CARGO_TARGET_DIR is set (a relative one is relative to REPO,
# where cargo ran), otherwise REPO/target/release/cjmh. Fails, saying what it looked for, when
# there is no binary there.
#
#   notebooks/ci/cjmh-bin.sh REPO
set -euo pipefail
repo="$1"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in
/*) ;;
*) target="$repo/$target" ;;
esac
bin="$target/release/cjmh"
if [ ! -x "$bin" ]; then
    echo "error: no cjmh binary at $bin (CARGO_TARGET_DIR is ${CARGO_TARGET_DIR:-not set}); build it with \`cargo build --release\` or name one with CJMH_BIN" >&2
    exit 1
fi
echo "$bin"
