#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `scripts/debian13-root.sh run` leaves nothing behind on the host: its
# mounts stay in its private namespace (the host's mount table is the same
# before, during and after, also when the command is killed with SIGKILL),
# no process of it survives, and the cached root is never written.
# Inside, the root has what the tests rely on: an overlay /, proc, a
# read-only /sys, tmpfs /tmp and /dev/shm, the working tree at /src.
# Run on the host, as root, by `make debian13-tests`.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOTSH=scripts/debian13-root.sh
root=$($ROOTSH path) || exit 1
tmp=$(mktemp -d /tmp/accel-debian13-ns.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# the host's mount table, as this shell sees it
cat /proc/self/mountinfo >"$tmp/before"

# 1. inside: what is mounted where
$ROOTSH run -- cat /proc/self/mountinfo >"$tmp/inside" ||
	fail "run -- cat /proc/self/mountinfo exited $?"
# mountinfo: field 5 the mount point, 6 its options, after " - " the type
mnt() { # mount point -> "type options" of the last mount there
	awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); t = $(i + 1) " " $6 }
		END { print t }' "$tmp/inside"
}
case $(mnt /) in overlay\ *) ;; *) fail "/ inside is not the overlay: $(mnt /)" ;; esac
case $(mnt /proc) in proc\ *) ;; *) fail "/proc inside is not proc: $(mnt /proc)" ;; esac
case $(mnt /sys) in "sysfs ro,"*) ;; *) fail "/sys inside is not read-only sysfs: $(mnt /sys)" ;; esac
case $(mnt /tmp) in tmpfs\ *) ;; *) fail "/tmp inside is not a tmpfs: $(mnt /tmp)" ;; esac
case $(mnt /dev/shm) in tmpfs\ *) ;; *) fail "/dev/shm inside is not a tmpfs: $(mnt /dev/shm)" ;; esac
[ -n "$(mnt /src)" ] || fail "the working tree is not mounted at /src"

# 2. the working tree is the one at /src, and its exit status comes back
out=$($ROOTSH run -- sh -c 'cat tests/debian13/test_namespace.sh | cksum; exit 7')
rc=$?
[ "$rc" = 7 ] || fail "run did not return the command's exit status 7 (got $rc)"
[ "$out" = "$(cksum <tests/debian13/test_namespace.sh)" ] ||
	fail "/src inside is not this working tree"

# 3. writes land in the throw-away overlay, not in the cached root
$ROOTSH run -- sh -c 'echo x >/etc/accelsched-written && rm /usr/bin/env' ||
	fail "writing inside the root failed"
[ ! -e "$root/etc/accelsched-written" ] || fail "a write inside reached the cached root $root"
[ -x "$root/usr/bin/env" ] || fail "a removal inside reached the cached root $root"

cat /proc/self/mountinfo >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" ||
	fail "the host's mount table changed: $(diff "$tmp/before" "$tmp/after")"

# 4. SIGKILL to the command's run (unshare, whose PID run keeps) while the
# inner command runs: nothing of it may stay
: >"$tmp/ready"
$ROOTSH run -- sh -c 'echo ready; exec sleep 86401' >"$tmp/ready" &
pid=$!
i=0
while [ "$(cat "$tmp/ready")" != ready ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(cat "$tmp/ready")" = ready ] || fail "the inner command did not start within a minute"
cat /proc/self/mountinfo >"$tmp/during"
cmp -s "$tmp/before" "$tmp/during" ||
	fail "mounts of the root reached the host's mount table: $(diff "$tmp/before" "$tmp/during")"
# the namespace's mounts are named after the PID of its unshare
grep -qs "accelsched-root-$pid " /proc/[0-9]*/mountinfo ||
	fail "no process has the overlay accelsched-root-$pid mounted while it runs"
kill -9 "$pid"
wait "$pid" 2>/dev/null
# the kernel ends the namespace's processes after unshare's death: wait for it
i=0
while grep -qs "accelsched-root-$pid " /proc/[0-9]*/mountinfo && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
left=$(grep -l "accelsched-r[a-z]*-$pid " /proc/[0-9]*/mountinfo 2>/dev/null)
[ -z "$left" ] || fail "after kill -9, processes still hold the root's mounts: $left"
for p in /proc/[0-9]*; do
	case $( (tr '\0' ' ' <"$p/cmdline") 2>/dev/null) in
	"sleep 86401 "*) fail "after kill -9, the inner command still runs: ${p#/proc/}" ;;
	esac
done
cat /proc/self/mountinfo >"$tmp/killed"
cmp -s "$tmp/before" "$tmp/killed" ||
	fail "the host's mount table changed after kill -9: $(diff "$tmp/before" "$tmp/killed")"

if [ "$fails" -gt 0 ]; then
	echo "test_namespace: $fails failure(s)" >&2
	exit 1
fi
echo "test_namespace: ok (mounts inside as expected; host mount table unchanged before/during/after, after kill -9 too; cached root untouched)"
