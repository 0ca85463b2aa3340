#!/usr/bin/env bash
# Build wrk2 (github.com/giltene/wrk2, Apache-2.0), the open-loop load generator `make bench` uses, from
# source with the system's compilers, into .tools/wrk2/ (not committed). Source, first found wins:
#   $WRK2_SOURCE (a checkout or a git directory) if set, else a clone of $WRK2_URL; pinned to $WRK2_COMMIT.
#   Where GitHub is unreachable, bring a copy of the repository by other means and point WRK2_SOURCE at it.
#   Needs git, gcc, make and libssl-dev (Debian: apt-get install build-essential libssl-dev).
#   bash bench/wrk2.sh            # prints the binary's path when done
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.tools/wrk2
BIN=$OUT/wrk
WRK2_URL=${WRK2_URL:-https://github.com/giltene/wrk2}
WRK2_COMMIT=${WRK2_COMMIT:-44a94c17d8e6a0bac8559b53da76848e430cb7a7}
if [[ -x $BIN ]]; then echo "$BIN"; exit 0; fi
for tool in gcc make; do command -v $tool >/dev/null || { echo "wrk2.sh: needs $tool" >&2; exit 1; }; done
[[ -f /usr/include/openssl/ssl.h ]] || { echo "wrk2.sh: needs OpenSSL headers (apt-get install libssl-dev)" >&2; exit 1; }
rm -rf "$OUT/src"
mkdir -p "$OUT"
if [[ -n ${WRK2_SOURCE:-} ]]; then
    git clone --quiet "$WRK2_SOURCE" "$OUT/src"
elif ! git clone --quiet "$WRK2_URL" "$OUT/src"; then
    echo "wrk2.sh: cannot clone $WRK2_URL; set WRK2_SOURCE to a local copy of it" >&2
    exit 1
fi
git -C "$OUT/src" checkout --quiet "$WRK2_COMMIT" 2>/dev/null || echo "wrk2.sh: building $(git -C "$OUT/src" rev-parse HEAD)" >&2
# wrk2 spends its first 10 s calibrating and then discards them; 3 s is enough on loopback and keeps a bench
# of many pages and rates short. The schedule runs on through it, so a backlog made then is still measured.
sed -i 's/^#define CALIBRATE_DELAY_MS .*/#define CALIBRATE_DELAY_MS  3000/' "$OUT/src/src/wrk.h"
# NOTE: wrk2's C predates gcc 10's -fno-common default and OpenSSL 3's deprecations: allow both through CC
# (setting CFLAGS on the command line would replace the Makefile's own, LuaJIT's include path among them).
make -C "$OUT/src" -j"$(nproc)" CC="gcc -fcommon -Wno-deprecated-declarations" >"$OUT/build.log" 2>&1 \
    || { tail -30 "$OUT/build.log" >&2; echo "wrk2.sh: build failed, see $OUT/build.log" >&2; exit 1; }
cp "$OUT/src/wrk" "$BIN"
echo "$BIN"
