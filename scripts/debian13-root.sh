#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A Debian 13 (trixie) root with OpenStack 2025.1 (Nova 31, Placement 13,
# Keystone 27, Cyborg 14) for the tests that need more than Debian 12's Zed,
# and the way into it. See docs/debian13.md.
#
#   debian13-root.sh [build]         build the root, or reuse the cached one
#                                    (seconds); prints its path last
#   debian13-root.sh path            the cached root's path; exit 1 if it is
#                                    not built
#   debian13-root.sh run -- CMD...   run CMD inside the root, in the
#                                    repository (bind-mounted at /src), in a
#                                    private mount and PID namespace on a
#                                    throw-away overlay: no mount, process or
#                                    write outlives it; exits with CMD's status
#   debian13-root.sh clean           remove cached roots of other package
#                                    lists or script versions
#
# The root is debootstrap's minbase from the Debian mirror apt already uses,
# plus the packages of tests/debian13/packages. It is cached as the directory
# $ACCEL_ROOT_CACHE/debian13-KEY (default /var/cache/accelsched), KEY a hash
# of the package list, this script's ROOT_VERSION, the suite and the
# architecture. It is built in a temporary directory and renamed when
# complete, so an interrupted build is never taken for a root. Needs root
# (debootstrap, mount namespaces).
#
# Environment: ACCEL_ROOT_CACHE, ACCEL_ROOT_PACKAGES (the package list file),
# ACCEL_DEBIAN_MIRROR (default: the first non-security deb URI of apt's
# sources).
set -eu

# Bump when the way the root is built changes, so cached roots are rebuilt.
ROOT_VERSION=2
SUITE=trixie
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ACCEL_ROOT_CACHE:-/var/cache/accelsched}
PACKAGES=${ACCEL_ROOT_PACKAGES:-$REPO/tests/debian13/packages}
# the environment inside the root
ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# progress on stderr: stdout carries only the root's path (build, path)
say() { printf 'debian13-root: %s\n' "$*" >&2; }
die() {
	printf 'debian13-root: %s\n' "$*" >&2
	exit 1
}

# The package names of the list: comments and blank lines dropped, sorted.
package_names() {
	[ -r "$PACKAGES" ] || die "cannot read the package list $PACKAGES"
	sed -e 's/#.*//' -e 's/[[:space:]]\{1,\}/\n/g' "$PACKAGES" | sed '/^$/d' | LC_ALL=C sort -u
}

root_key() {
	{
		echo "root-version=$ROOT_VERSION suite=$SUITE arch=$(dpkg --print-architecture)"
		package_names
	} | sha256sum | cut -c1-16
}

# The first deb URI of apt's sources (deb822 .sources, then one-line .list)
# whose address does or does not ($1 = security / main) name security.
apt_uri() {
	want=$1
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# one stanza per paragraph: keep the URIs of those whose Types has deb
		awk -v want="$want" '
			/^[[:space:]]*$/ { if (deb && uris != "") emit(); deb = 0; uris = ""; next }
			/^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			/^URIs:/ { uris = $0 }
			END { if (deb && uris != "") emit() }
			function emit(  n, a, i) {
				n = split(uris, a, /[[:space:]]+/)
				for (i = 2; i <= n; i++)
					if ((a[i] ~ /security/) == (want == "security")) { print a[i]; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v want="$want" '$1 == "deb" {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {
				if (($i ~ /security/) == (want == "security")) print $i
				break
			} }' "$f"
	done
}

# ---------------------------------------------------------------------------
# Inside the namespaces (re-executed by unshare as PID 1 of a new PID
# namespace with a private mount namespace): mount what a root needs, then
# run the command chrooted. Every mount here lives in this namespace only
# and disappears with it, however the command ends.
# The tmpfs and overlay are named accelsched-run-ID and accelsched-root-ID,
# ID the PID of the unshare that started the namespace, so a test can look
# for them in every process's mountinfo.
#   __inside ID ROOT OVERLAY(0|1) SRC(or -) CMD...
inside() {
	id=$1
	root=$2
	overlay=$3
	src=$4
	shift 4
	mnt=$CACHE/.mnt
	# nothing mounted here may reach the host, whatever the host's /
	# propagation is (unshare makes it private too; say it again)
	mount --make-rprivate /
	mount -t tmpfs -o mode=0755 "accelsched-run-$id" "$mnt"
	if [ "$overlay" = 1 ]; then
		# the cached root stays read-only: writes land in a tmpfs upper
		# layer that vanishes with the namespace
		mkdir "$mnt/upper" "$mnt/work" "$mnt/root"
		mount -t overlay -o "lowerdir=$root,upperdir=$mnt/upper,workdir=$mnt/work" \
			"accelsched-root-$id" "$mnt/root" ||
			die "cannot mount an overlay on $root (is overlayfs available? modprobe overlay)"
		r=$mnt/root
	else
		r=$root
	fi
	mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
	# a minimal /dev: the usual nodes bound from the host's, private pts
	# and shm, no disks
	mount -t tmpfs -o mode=0755,nosuid dev "$r/dev"
	for n in null zero full random urandom tty; do
		: >"$r/dev/$n"
		mount --bind "/dev/$n" "$r/dev/$n"
	done
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
	ln -s /proc/self/fd "$r/dev/fd"
	ln -s /proc/self/fd/0 "$r/dev/stdin"
	ln -s /proc/self/fd/1 "$r/dev/stdout"
	ln -s /proc/self/fd/2 "$r/dev/stderr"
	mount --bind /sys "$r/sys"
	mount -o remount,bind,ro,nosuid,nodev,noexec "$r/sys"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$r/tmp"
	dir=/
	if [ "$src" != - ]; then
		mkdir -p "$r/src"
		mount --bind "$src" "$r/src"
		dir=/src
	fi
	rc=0
	# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
	chroot "$r" /usr/bin/env -i PATH="$ROOT_PATH" HOME=/root LANG=C.UTF-8 \
		TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
		/bin/sh -c 'cd "$0" && exec "$@"' "$dir" "$@" || rc=$?
	exit "$rc"
}

# Run CMD in ROOT through the namespaces above. --kill-child: if unshare is
# killed (even with SIGKILL), its child, PID 1 of the namespace, gets
# SIGKILL, which ends every process in the namespace and with the last of
# them the mount namespace and all its mounts. exec: the caller's PID is
# unshare's, so killing it ends the namespace.
#   enter ROOT OVERLAY SRC CMD...
enter() {
	# shellcheck disable=SC2086 # GUARD is a command and its arguments
	exec $GUARD unshare --mount --propagation private --pid --fork --kill-child -- \
		"$SELF" __inside "$$" "$@"
}

# ---------------------------------------------------------------------------
# Building

# While building, each step's unshare gets SIGKILL when this script dies
# (setpriv's parent-death signal; --kill-child passes it on), so a build
# killed with -9 leaves no debootstrap or apt-get writing into its
# temporary directory. Empty for run: its unshare is this script's PID.
GUARD=

# seconds since $1, for the step lines
since() { echo $(($(date +%s) - $1))s; }

# run a build step with its output in the log; on failure show the log's end
step() { # "what" cmd...
	what=$1
	shift
	n=$((n + 1))
	say "[$n/$STEPS] $what"
	t=$(date +%s)
	if ! "$@" >>"$LOG" 2>&1; then
		tail -n 25 "$LOG" >&2
		die "step '$what' failed; the whole log is $LOG; fix it and run again (the partial root is removed then)"
	fi
	say "      done in $(since "$t")"
}

# in the root being built (writable, no overlay), in a subshell so enter's
# exec does not end the build
in_build() { (enter "$tmp" 0 - "$@"); }

configure_root() {
	# Debian's sources: the suite, its updates and its security archive
	{
		echo "deb $mirror $SUITE main"
		echo "deb $mirror $SUITE-updates main"
		[ -z "$security" ] || echo "deb $security $SUITE-security main"
	} >"$tmp/etc/apt/sources.list"
	cat >"$tmp/etc/apt/apt.conf.d/90accelsched" <<-EOF
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
		Acquire::Languages "none";
	EOF
	# no documentation, manual pages or translations: a third of the size
	cat >"$tmp/etc/dpkg/dpkg.cfg.d/90accelsched-nodoc" <<-EOF
		path-exclude=/usr/share/doc/*
		path-include=/usr/share/doc/*/copyright
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
	EOF
	# packages' maintainer scripts start no service in the root: the tests
	# start what they need themselves
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$tmp/etc/resolv.conf"
}

# every name of the list must exist in the suite: name those that do not
check_packages() {
	# shellcheck disable=SC2016,SC2086 # the inner shell's $p; one name a word
	missing=$(in_build sh -c 'for p; do
		apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || echo "$p"
	done' sh $names)
	if [ -n "$missing" ]; then
		echo "$missing" | sed 's/^/  /' >&2
		die "these packages of $PACKAGES are not in Debian $SUITE ($mirror): fix their names in the list"
	fi
}

record_root() {
	in_build sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/partial/*'
	# Nova's functional tests read state_path/etc/nova/api-paste.ini, and
	# state_path is the folder above the nova package, as in a source tree
	# (nova/tests/fixtures/conf.py); Debian's file is nova-common's
	if [ -f "$tmp/etc/nova/api-paste.ini" ]; then
		mkdir -p "$tmp/usr/lib/python3/dist-packages/etc/nova"
		ln -sf /etc/nova/api-paste.ini "$tmp/usr/lib/python3/dist-packages/etc/nova/api-paste.ini"
	fi
	rm -f "$tmp/etc/resolv.conf"
	{
		echo "# accelsched's Debian 13 test root (scripts/debian13-root.sh)"
		echo "key=$key"
		echo "root_version=$ROOT_VERSION"
		echo "suite=$SUITE"
		echo "mirror=$mirror"
		echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "packages=$(echo "$names" | tr '\n' ' ')"
	} >"$tmp/etc/accelsched-root"
}

build() {
	[ "$(id -u)" -eq 0 ] || die "building the root needs root (debootstrap, mount namespaces): run it as root"
	command -v debootstrap >/dev/null 2>&1 ||
		die "debootstrap is not installed: run scripts/install-deps.sh"
	[ -e "/usr/share/debootstrap/scripts/$SUITE" ] ||
		die "this debootstrap does not know $SUITE (/usr/share/debootstrap/scripts/$SUITE): install a newer debootstrap"
	names=$(package_names)
	[ -n "$names" ] || die "the package list $PACKAGES names no package"
	key=$(root_key)
	final=$CACHE/debian13-$key
	if [ -f "$final/etc/accelsched-root" ]; then
		say "reusing $final"
		echo "$final"
		return 0
	fi
	mirror=${ACCEL_DEBIAN_MIRROR:-$(apt_uri main | head -n 1)}
	[ -n "$mirror" ] || die "found no Debian mirror in /etc/apt/sources.list{,.d/}: set ACCEL_DEBIAN_MIRROR"
	security=$(apt_uri security | head -n 1)
	mkdir -p "$CACHE" "$CACHE/.mnt"
	# one build at a time; a second waits, then reuses the first's root
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		say "another build holds $CACHE/.lock; waiting for it"
		flock 9
	fi
	if [ -f "$final/etc/accelsched-root" ]; then
		say "reusing $final (built meanwhile)"
		echo "$final"
		return 0
	fi
	# left by interrupted builds (nothing can be mounted in them: every
	# mount of a build lives in a namespace that died with it)
	for old in "$CACHE"/.build-*; do
		[ -e "$old" ] || continue
		say "removing $old (left by an interrupted build)"
		rm -rf --one-file-system "$old"
	done
	tmp=$CACHE/.build-$key
	GUARD="setpriv --pdeathsig KILL --"
	LOG=$CACHE/.build-$key.log
	: >"$LOG"
	start=$(date +%s)
	n=0
	STEPS=5
	say "building Debian $SUITE with the $(echo "$names" | wc -l) packages of $PACKAGES from $mirror into $final (minutes; log: $LOG)"
	# debootstrap mounts /proc and /sys in the target: in a namespace of
	# its own, so an interrupted debootstrap leaves no mount behind
	# shellcheck disable=SC2086 # GUARD is a command and its arguments
	step "debootstrap --variant=minbase $SUITE" \
		$GUARD unshare --mount --propagation private --pid --fork --kill-child -- \
		debootstrap --variant=minbase "$SUITE" "$tmp" "$mirror"
	configure_root
	step "apt-get update" in_build apt-get update
	n=$((n + 1))
	say "[$n/$STEPS] checking that the $SUITE archive has every listed package"
	t=$(date +%s)
	check_packages
	say "      done in $(since "$t")"
	# shellcheck disable=SC2086
	step "apt-get install ($(echo "$names" | wc -l) listed packages and their dependencies)" \
		in_build apt-get install -y -q $names
	step "cleaning and recording" record_root
	mv "$tmp" "$final"
	rm -f "$LOG"
	say "built $final in $(since "$start"), $(du -sh --one-file-system "$final" | cut -f1)"
	echo "$final"
}

cached_root() {
	final=$CACHE/debian13-$(root_key)
	[ -f "$final/etc/accelsched-root" ] ||
		die "the Debian 13 root for $PACKAGES is not built ($final): run make debian13-root"
	echo "$final"
}

run() {
	[ "$(id -u)" -eq 0 ] || die "entering the root needs root (mount namespaces): run it as root"
	[ "${1:-}" = -- ] && shift
	[ $# -gt 0 ] || die "usage: $0 run -- CMD [ARG...]"
	root=$(cached_root)
	mkdir -p "$CACHE/.mnt"
	enter "$root" 1 "$REPO" "$@"
}

clean() {
	keep=$CACHE/debian13-$(root_key)
	for d in "$CACHE"/debian13-*; do
		if [ ! -d "$d" ] || [ "$d" = "$keep" ]; then
			continue
		fi
		say "removing $d"
		rm -rf --one-file-system "$d"
	done
}

case "${1:-build}" in
build) build ;;
path) cached_root ;;
run)
	shift
	run "$@"
	;;
clean) clean ;;
__inside)
	shift
	inside "$@"
	;;
*) die "unknown command '$1': use build, path, run -- CMD..., or clean" ;;
esac
