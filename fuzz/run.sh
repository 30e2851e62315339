#!/bin/sh
# fuzz/run.sh MODE OUT [BIN...]: the libFuzzer targets OUT/fuzz_* (or the
# BINs given). A target fuzz_NAME takes its inputs, found by its name:
#   fuzz/corpus/NAME/        seeds (committed; never written to)
#   fuzz/corpus/NAME.seeds   optional: more seed files, one shell glob a line
#                            relative to the top (e.g. real fixture dumps)
#   fuzz/regressions/NAME/   every input that ever crashed it (fixed since)
#   fuzz/corpus/NAME.runs    optional: at most this many regress runs for a
#                            target whose every run is slow (a number)
#
# MODE regress (make fuzz-regress, in make check): deterministic. Every
#   seed and regression input is run once, then FUZZ_RUNS executions
#   (default 50000) explore from a fixed seed (FUZZ_SEED, default 1) on a
#   working copy of those inputs: the same inputs on every run, so a
#   failure is the change under test, not luck. Two things would make the
#   same seed drift: address space randomization (pointers reach the
#   comparison tables) and the comparison tables themselves (json-c hashes
#   with a random seed, the hosts folder has a random name), so this run
#   has ASLR off (setarch -R, where allowed) and -use_cmp=0.
# MODE explore (make fuzz): FUZZ_SECONDS (default 60) per target from a
#   random seed. A finding is left in OUT/work/NAME/artifacts/; fix it and
#   add it to fuzz/regressions/NAME/ (fuzz/README.md).
#
# A crash, leak, timeout or sanitizer report fails the run.
set -eu
mode=${1:-}
out=${2:-}
case "$mode" in
regress | explore) ;;
*)
	echo "usage: fuzz/run.sh regress|explore OUT [BIN...]" >&2
	exit 2
	;;
esac
shift 2
if [ $# -eq 0 ]; then
	for bin in "$out"/fuzz_*; do
		[ -x "$bin" ] && [ -f "$bin" ] && set -- "$@" "$bin"
	done
fi
[ $# -gt 0 ] || {
	echo "fuzz: no targets in $out" >&2
	exit 2
}
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-50000}
seed=${FUZZ_SEED:-1}
opts="-rss_limit_mb=2048 -timeout=10"
norand=""
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norand="setarch $(uname -m) -R"
fi

fail() {
	tail -n 60 "$work/log" >&2
	echo "fuzz: $name FAILED ($1); reproducer in $work/artifacts/" >&2
	exit 1
}

# The seeds and regression inputs of $name, one path a line.
inputs() {
	for d in "fuzz/corpus/$name" "fuzz/regressions/$name"; do
		[ -d "$d" ] && find "$d" -type f ! -name '.*' | LC_ALL=C sort
	done
	if [ -f "fuzz/corpus/$name.seeds" ]; then
		grep -v '^[[:space:]]*\(#\|$\)' "fuzz/corpus/$name.seeds" | while read -r glob; do
			for f in $glob; do
				[ -f "$f" ] && echo "$f"
			done
		done
	fi
	return 0
}

for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work="$out/work/$name"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	inputs >"$work/inputs"
	n=0
	while read -r f; do
		n=$((n + 1))
		cp "$f" "$work/corpus/$n-$(basename "$f")"
	done <"$work/inputs"
	if [ "$mode" = regress ]; then
		runs=${FUZZ_RUNS:-50000}
		if [ -f "fuzz/corpus/$name.runs" ]; then
			cap=$(tr -dc '0-9' <"fuzz/corpus/$name.runs")
			[ -n "$cap" ] && [ "$cap" -lt "$runs" ] && runs=$cap
		fi
		echo "fuzz: $name: $n inputs, then $runs runs from seed $seed"
		# each input exactly once, in order (libFuzzer runs files given
		# by name one by one)
		if [ "$n" -gt 0 ] && ! tr '\n' '\0' <"$work/inputs" |
			xargs -0 "$bin" $opts -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1; then
			fail "replaying $(sed -n 's/^Running: //p' "$work/log" | tail -n 1)"
		fi
		# -reload=0: the working corpus is not reread on a timer
		if ! $norand "$bin" $opts -seed="$seed" -runs="$runs" -reload=0 -use_cmp=0 \
			-artifact_prefix="$work/artifacts/" -print_final_stats=0 \
			"$work/corpus" >"$work/log" 2>&1; then
			fail "seed $seed"
		fi
	else
		echo "fuzz: $name for ${secs}s from a random seed"
		if ! "$bin" $opts -max_total_time="$secs" -artifact_prefix="$work/artifacts/" \
			-print_final_stats=0 "$work/corpus" >"$work/log" 2>&1; then
			fail "exploring"
		fi
	fi
	grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$work/log" | tail -n 1 || true
done
