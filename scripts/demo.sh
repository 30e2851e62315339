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
# shellcheck source=/dev/null # written by openstack.py up
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

# ---- Scheduling: what the Nova filter and weigher decide ----
say "Scheduling: a folder of host inventories (the captures, and busy copies of them)"
HOSTS="$DEMO/hosts"
mkdir -p "$HOSTS"
for f in dgx2 esc8000a hgx-a100-vfio edge-mixed a100-vgpu-sriov; do
	"$ACCELCTL" list -q -f json --host "$f" --sysfs-root "$FIXTURES/$f/sys" >"$HOSTS/$f.json"
done
# state the agent adds: devices allocated to instances, utilization
/usr/bin/python3 - "$HOSTS" <<'PY'
import json, sys
d = sys.argv[1]
for src, name, busy, util in (("hgx-a100-vfio", "hgx-a100-busy", 6, 70),
                              ("dgx2", "dgx2-b", 9, 40),
                              ("edge-mixed", "edge-2", 0, 85)):
    with open("%s/%s.json" % (d, src)) as f:
        inv = json.load(f)
    inv["host"] = name
    gpus = [x for x in inv["devices"] if x.get("resource_class")]
    for i, dev in enumerate(gpus):
        dev["in_use"] = i < busy
        dev["utilization"] = util
    with open("%s/%s.json" % (d, name), "w") as f:
        json.dump(inv, f)
    print("  %-14s copy of %-14s %d devices in use, utilization %d%%" % (name, src, busy, util))
PY
ls "$HOSTS"

say "Flavor 1, inference: one GPU with 16 GB or more (packs onto the smallest that fits)"
echo "  accelctl schedule --hosts DIR -e resources:PGPU=1 -e accelsched:min_memory_mb=16384"
"$ACCELCTL" schedule --hosts "$HOSTS" -e resources:PGPU=1 -e accelsched:min_memory_mb=16384

say "Flavor 2, training: four GPUs of 32 GB or more under one PCIe switch tree, one NUMA node"
echo "  accelctl schedule --hosts DIR -e resources:PGPU=4 -e accelsched:min_memory_mb=32768 \\"
echo "      -e accelsched:p2p=PXB -e accelsched:numa=strict"
"$ACCELCTL" schedule --hosts "$HOSTS" -e resources:PGPU=4 -e accelsched:min_memory_mb=32768 \
	-e accelsched:p2p=PXB -e accelsched:numa=strict

say "The same with 40 GB: no server here has four such GPUs under one switch (-f json)"
"$ACCELCTL" schedule --hosts "$HOSTS" -f json -e resources:PGPU=4 \
	-e accelsched:min_memory_mb=40960 -e accelsched:p2p=PXB

# ---- The stream: acceld to Kafka, Kafka to the scheduler ----
: "${MOCKCLUSTER:=$(dirname "$(dirname "$ACCELCTL")")/tests/mockcluster}"
: "${PYBUILD:=$(dirname "$(dirname "$ACCELCTL")")/python}"
say "The stream: librdkafka's mock cluster, 3 brokers speaking the Kafka protocol on 127.0.0.1"
# the cluster lives while its stdin is open: a sleep holds it
sleep 3600 | "$MOCKCLUSTER" >"$DEMO/mockcluster.out" 2>/dev/null &
MOCK_PID=$!
cleanup_stream() {
	pkill -P "$$" -x sleep 2>/dev/null || true
	wait "$MOCK_PID" 2>/dev/null || true
	cleanup
}
trap cleanup_stream EXIT
for _ in $(seq 100); do
	[ -s "$DEMO/mockcluster.out" ] && break
	sleep 0.1
done
BOOT=$(head -n 1 "$DEMO/mockcluster.out")
echo "  bootstrap servers: $BOOT"

kconf() { # host fixture: an acceld configuration with [kafka]
	c=$(conf "$1" "$FIXTURES/$2/sys")
	printf '[kafka]\nbootstrap_servers = %s\n[telemetry]\ninterval = 0\n' "$BOOT" >>"$c"
	echo "$c"
}

say "acceld --once for three servers, with [kafka] bootstrap_servers: each sends its inventory"
for h in dgx2:dgx2 hgx-1:hgx-a100-vfio esc-1:esc8000a; do
	"$ACCELD" --once --create-root --config "$(kconf "${h%%:*}" "${h#*:}")" 2>&1 |
		grep -E 'kafka|placement sync' | sed 's/^/  /'
done

say "kcat (Debian's, no code of ours) reads the compacted inventory topic: key, size, headers"
kcat -C -b "$BOOT" -t accelsched.inventory -o beginning -e -q \
	-f '  %k  %S bytes  %h\n' | sed 's/,ce_/\n      ce_/g; s/,content-type/\n      content-type/'

say "accelctl events --kafka SERVERS --topic accelsched.inventory --from-beginning -n 3"
"$ACCELCTL" events --kafka "$BOOT" --topic accelsched.inventory --from-beginning -n 3 --timeout 30

say "The scheduler's Kafka source (nova.conf [accelsched] state_source = kafka): the host table"
echo "  built from the stream alone; no inventory file and no Placement read"
PYTHONPATH="$PYBUILD" /usr/bin/python3 - "$BOOT" <<'PY'
import sys
from accelsched import _core, config, state

boot = sys.argv[1]
cfg = config.KafkaConfig(boot, "accelsched.inventory", "accelsched.metrics.info", {}, 30)
src = state.make_source(config.SchedulerConfig(("kafka", boot), kafka=cfg))
src.refresh(force=True)
hosts = src.table.hosts()
print("  hosts read from the stream: %s" % ", ".join(hosts))
for what, specs in (
        ("2 GPUs on one PCIe switch tree (p2p=PXB)",
         {"resources:PGPU": "2", "accelsched:p2p": "PXB"}),
        ("2 GPUs behind one switch port (p2p=PIX)",
         {"resources:PGPU": "2", "accelsched:p2p": "PIX"}),
        ("4 GPUs on one NUMA node (numa=strict)",
         {"resources:PGPU": "4", "accelsched:numa": "strict"})):
    res = src.table.evaluate(_core.Request(specs), hosts)
    print("\n  %s:" % what)
    for h in hosts:
        why = res.reason(h)
        if why:
            print("    %-6s  no (%s)" % (h, why))
        else:
            print("    %-6s  yes, devices %s" % (h, " ".join(res.chosen(h))))
src.close()
PY

say "acceld --retire for esc-1: its tombstone (key esc-1, no value) closes its history"
"$ACCELD" --retire --config "$DEMO/esc-1.conf" 2>&1 | sed 's/^/  /'
"$ACCELCTL" events --kafka "$BOOT" --topic accelsched.inventory --from-beginning -n 4 --timeout 30 |
	tail -n 1
