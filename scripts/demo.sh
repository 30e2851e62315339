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
