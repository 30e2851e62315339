#!/bin/sh
# libaccel.so.0's ABI against the recorded one (abi/libaccel.so.0.abi),
# with libabigail's abidiff: every exported function and every type it
# reaches (the structs of include/accel/) must be as recorded.
#
#   scripts/check-abi.sh LIB [BASELINE]      exit 0 same, 1 differs
#   scripts/check-abi.sh --update LIB [BASELINE]
#
# A difference is either an addition (new functions: record it with
# `make abi-update` and put them in a new version node of abi/libaccel.map)
# or a change to what exists (a struct's size or members, a function's
# parameters): that breaks programs built against libaccel.so.0, so bump
# the SONAME too (abi/README.md).
set -eu

update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
lib=${1:?usage: check-abi.sh [--update] LIB [BASELINE]}
base=${2:-abi/libaccel.so.0.abi}

for t in abidw abidiff; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "check-abi: $t not found: install abigail-tools (scripts/install-deps.sh)" >&2
		exit 1
	fi
done

if [ "$update" = 1 ]; then
	abidw --no-corpus-path --no-comp-dir-path --no-show-locs "$lib" >"$base"
	echo "check-abi: recorded $lib's ABI in $base"
	exit 0
fi
if [ ! -f "$base" ]; then
	echo "check-abi: $base: no recorded ABI; make abi-update writes it" >&2
	exit 1
fi
rc=0
out=$(abidiff "$base" "$lib") || rc=$?
if [ "$rc" -eq 0 ]; then
	exit 0
fi
printf '%s\n' "$out" >&2
if [ $((rc & 3)) -ne 0 ]; then
	echo "check-abi: abidiff could not compare $base with $lib (status $rc)" >&2
elif [ $((rc & 8)) -ne 0 ]; then
	echo "check-abi: $lib breaks the ABI recorded in $base (functions removed or changed" \
		"incompatibly): bump the SONAME, then make abi-update" >&2
else
	echo "check-abi: $lib's ABI differs from $base (above). Only additions: make abi-update" \
		"and add them to a new node of abi/libaccel.map. A struct or function changed:" \
		"bump the SONAME, then make abi-update (abi/README.md)" >&2
fi
exit 1
