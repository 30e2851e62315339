#!/bin/sh
# accelctl under valgrind: no invalid access and no leak (definite or
# indirect) on a big real-server fixture, a broken tree, an lspci dump, a
# bad argument and this host (with OpenCL through the real ICD loader), and
# accelctl watch over a kmod record stream and a periodic rescan.
# Usage: tests/valgrind.sh ACCELCTL FIXTURES
set -eu
accelctl=$1
fx=$2
vg="valgrind -q --suppressions=$(dirname "$0")/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect --error-exitcode=99"
tmp=$(mktemp -d /tmp/accel-vg-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# a broken tree: garbage, oversized, non-UTF-8 attributes, bad links
d="$tmp/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
mkdir -p "$d" "$tmp/sys/bus/pci/devices"
printf '0x10de\n' >"$d/vendor"
printf '0x2330\n' >"$d/device"
printf '0x030200\n' >"$d/class"
printf 'garbage\n' >"$d/numa_node"
head -c 8000 /dev/zero | tr '\0' '1' >"$d/local_cpulist"
printf '\377\376\n' >"$d/current_link_width"
ln -s nowhere "$d/driver"
ln -s iommu_group "$d/iommu_group"
ln -s ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0 "$tmp/sys/bus/pci/devices/0000:01:00.0"
ln -s ../../../devices/pci0000:00/0000:00:02.0/0000:02:00.0 "$tmp/sys/bus/pci/devices/0000:02:00.0"

run() {
	echo "valgrind: accelctl $*"
	rc=0
	$vg "$accelctl" "$@" >/dev/null 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq 99 ] || grep -q '^==[0-9]*==' "$tmp/err"; then
		cat "$tmp/err" >&2
		echo "valgrind: FAILED: accelctl $*" >&2
		exit 1
	fi
}

run list -f json --sysfs-root "$fx/dgx2/sys"
run topo -f dot --sysfs-root "$fx/esc8000a/sys"
run show 0000:41:00.0 --sysfs-root "$fx/a100-vgpu-sriov/sys"
run list -f json --sysfs-root "$tmp/sys"
run list --lspci-dump tests/fixtures/dumps/dgx2.lspci-xxx.txt
run list --sysfs-root "$tmp/nonexistent"
run show nonsense
run list --opencl on
# watch: a kmod stream with a malformed record, a gap and an overflow from a
# file (it ends: exit 1), a periodic rescan, a missing device
cat >"$tmp/records" <<EOF
v=1 type=begin gen=0
v=1 type=dev addr=0000:00:02.0 vendor=1af4 device=1050 class=038000 driver=virtio-pci
v=1 type=end gen=0 count=1
v=1 type=add seq=0 addr=0000:01:00.0 vendor=1234 device=1111 class=030000
v=1 type=bind seq=1 addr=0000:01:00.0 vendor=1234 device=12x4 class=030000
v=1 type=del seq=5 addr=0000:01:00.0 vendor=1234 device=1111 class=030000
v=1 type=overflow lost=3
v=1 type=begin gen=9
v=1 type=end gen=9 count=0
EOF
run watch -q --source kmod --kmod-path "$tmp/records" --sysfs-root "$fx/edge-mixed/sys"
run watch -q --source poll --interval 0.2 --timeout 0.5 --sysfs-root "$fx/dgx2/sys"
run watch --source kmod --kmod-path "$tmp/nonexistent"
echo "valgrind: no errors, no leaks"
