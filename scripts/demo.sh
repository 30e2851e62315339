#!/bin/sh
# make demo: this host's inventory, then a bundled real server's with its
# topology. Called by the Makefile with ACCELCTL and FIXTURES set.
set -eu
: "${ACCELCTL:=build/bin/accelctl}"
: "${FIXTURES:=build/fixtures}"

say() { printf '\n\033[1m== %s\033[0m\n\n' "$*"; }

say "This host ($(uname -n)): accelctl list"
"$ACCELCTL" list

say "ASUS ESC8000A-E12 (4x RTX 6000 Ada, 2x ConnectX-7, 2 NUMA nodes; fixture from a real capture): accelctl list"
"$ACCELCTL" list -q --host esc8000a --sysfs-root "$FIXTURES/esc8000a/sys"

say "Same server: accelctl topo (compare tests/fixtures/esc8000a/nvidia-smi-topo.txt)"
"$ACCELCTL" topo -q --host esc8000a --sysfs-root "$FIXTURES/esc8000a/sys"

say "NVIDIA DGX-2 (16x V100 behind two tiers of PLX switches; from hwloc's capture): accelctl topo"
"$ACCELCTL" topo -q --host dgx2 --sysfs-root "$FIXTURES/dgx2/sys"

say "An A100 with SR-IOV vGPU (kata capture): accelctl show 0000:41:00.4"
"$ACCELCTL" show -q 0000:41:00.4 --sysfs-root "$FIXTURES/a100-vgpu-sriov/sys"

say "Edge server with an FPGA, NPUs and Gaudi2 (made up from facts): accelctl list -f json | head"
"$ACCELCTL" list -q -f json --host edge-1 --sysfs-root "$FIXTURES/edge-mixed/sys" | head -n 40
echo "  ..."

# ---- Placement: what Nova would see ----
: "${ACCELD:=$(dirname "$ACCELCTL")/acceld}"
DEMO=$(mktemp -d /tmp/accelsched-demo-XXXXXX)
cleanup() {
	/usr/bin/python3 tests/integration/openstack.py down --dir "$DEMO/os" >/dev/null 2>&1 || true
	rm -rf "$DEMO"
}
trap cleanup EXIT

say "Starting a local Keystone and Placement (Debian's packages, 127.0.0.1; ~15 s)"
/usr/bin/python3 tests/integration/openstack.py up --dir "$DEMO/os"
. "$DEMO/os/env.sh"

conf() { # host sysfs
	{
		printf '[DEFAULT]\nhost = %s\nstate_dir = %s/state\n' "$1" "$DEMO"
		printf '[discovery]\nsysfs_root = %s\n' "$2"
		tail -n +2 "$DEMO/os/accelsched.conf"
	} >"$DEMO/$1.conf"
	chmod 600 "$DEMO/$1.conf"
	echo "$DEMO/$1.conf"
}

say "acceld --once --create-root for this host ($(uname -n)) and for the ASUS ESC8000A-E12 capture"
"$ACCELD" --once --create-root --config "$(conf "$(uname -n)" /sys)"
ESC=$(conf esc8000a "$FIXTURES/esc8000a/sys")
"$ACCELD" --once --create-root --config "$ESC"

say "openstack resource provider list (osc-placement)"
openstack resource provider list

GPU=$(openstack resource provider list -f value -c uuid -c name | awk '$2=="esc8000a_0000:01:00.0"{print $1}')
say "esc8000a_0000:01:00.0: inventory and traits"
openstack resource provider inventory list "$GPU"
openstack resource provider trait list "$GPU"

say "A second sync changes nothing: one read, no write"
"$ACCELD" --once --config "$ESC" 2>&1 | grep 'placement sync'
