#!/bin/sh
# Run each cmocka test binary given; fail if any fails. Each test reads the
# fixtures from $ACCEL_FIXTURES and the tools from $ACCEL_BIN.
set -u
failed=""
for t in "$@"; do
	name=$(basename "$t")
	if "$t"; then
		:
	else
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "unit tests FAILED:$failed" >&2
	exit 1
fi
echo "unit tests: $# binaries passed"
