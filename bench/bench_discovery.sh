#!/bin/sh
# make bench: the median time of `accelctl list -f json` against
# `lspci -nnD -vmm -A linux-sysfs` on the same fixtures, in the same run.
# Target: no slower than lspci while doing far more (classification,
# models, NUMA, IOMMU, SR-IOV, mdev, DRM, topology, JSON).
# Usage: bench/bench_discovery.sh BENCH_RUN ACCELCTL FIXTURES
set -eu
run=$1
accelctl=$2
fx=$3
runs=${BENCH_RUNS:-200}

for name in dgx2 esc8000a hwloc-xeonphi; do
	root="$fx/$name/sys"
	n=$(ls "$root/bus/pci/devices" | wc -l)
	echo "fixture $name ($n PCI functions):"
	"$run" "$runs" "accelctl list -f json" "lspci -nnD -vmm" \
		-- "$accelctl" list -q -f json --sysfs-root "$root" \
		-- lspci -nnD -vmm -A linux-sysfs -O sysfs.path="$root/bus/pci"
done
