#!/bin/sh
# Run each libFuzzer target for $FUZZ_SECONDS on a working copy of its seed
# corpus (fuzz/corpus/<name>/), so that the repository's seeds stay as
# committed. A crash, leak or sanitizer report fails the run and leaves the
# reproducer in the working folder.
set -eu
out=$1
shift
secs=${FUZZ_SECONDS:-20}
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work="$out/work/$name"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "fuzz/corpus/$name" ]; then
		cp -r "fuzz/corpus/$name/." "$work/corpus/" 2>/dev/null || true
	fi
	# the real dumps of the fixtures seed the dump reader
	if [ "$name" = lspci_dump ]; then
		cp tests/fixtures/dumps/*.txt "$work/corpus/" 2>/dev/null || true
	fi
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/artifacts/" -print_final_stats=0 \
		"$work/corpus" >"$work/log" 2>&1; then
		tail -n 60 "$work/log" >&2
		echo "fuzz: $name FAILED; reproducer in $work/artifacts/" >&2
		exit 1
	fi
	grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$work/log" | tail -n 1 || true
done
