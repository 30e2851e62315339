#!/usr/bin/python3
"""Baseline: Nova's own PciPassthroughFilter + PCIWeigher + RAMWeigher.

Runs Nova 26's real filter and weight handlers (tests/nova/novaenv.py) over
1,000 and 10,000 hosts built from accelsched inventories, for a request of
1 and of 4 NVIDIA A100 80GB GPUs, and prints the median filter and weigh
times, how many hosts passed and the top 3. Needs Debian's python3-nova:

    /usr/bin/python3 bench/bench_nova_baseline.py --inventories DIR \
        --hosts 1000,10000 --repeat 5

The main benchmark imports baseline() to run the same in its own process.
"""

import argparse
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "nova"))
import novaenv  # noqa: E402

FILTERS = ["PciPassthroughFilter"]
WEIGHERS = ["nova.scheduler.weights.pci.PCIWeigher",
            "nova.scheduler.weights.ram.RAMWeigher"]
# Both A100 80GB models in the fixtures, ORed under one alias name (the
# PCIe card 10de:20b5, the SXM4 module 10de:20b2), as plain PCI devices.
ALIASES = [{"name": "a100-80gb", "vendor_id": "10de", "product_id": p,
            "device_type": "type-PCI", "numa_policy": "legacy"}
           for p in ("20b5", "20b2")]
REQUESTS = [("a100-80gb", 1), ("a100-80gb", 4)]


def load_inventories(directory):
    """Every *.json accelsched.inventory/v1 file in directory, by name."""
    invs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            inv = json.load(f)
        if inv.get("schema") == "accelsched.inventory/v1":
            invs.append(inv)
    if not invs:
        raise SystemExit("no accelsched.inventory/v1 files in %s" % directory)
    return invs


def _matching(pools, alias_name, aliases):
    """Devices in the host's pools that the alias names (any NUMA node)."""
    ids = {(a["vendor_id"], a["product_id"]) for a in aliases
           if a["name"] == alias_name}
    return sum(p["count"] for p in pools
               if (p["vendor_id"], p["product_id"]) in ids)


def baseline(inventories, n_hosts, repeat=5, seed=0, aliases=ALIASES,
             requests=REQUESTS):
    """Time Nova's filter and weighers for each (alias, count) request.

    Returns {"n_hosts", "repeat", "seed", "filters", "weighers",
    "requests": {"alias:count": {"extra_specs", "filter_s", "weigh_s",
    "total_s" (medians, seconds), "filter_s_all", "weigh_s_all",
    "passed", "passed_hosts" (names, sorted), "top3" [(host, weight)]}}}.
    Hosts are novaenv.make_host_states(inventories, n_hosts, seed): call it
    with the same arguments to get the same hosts (and write their
    inventories with novaenv.write_host_inventories).
    """
    fh, wh, filters, weighers = novaenv.setup_nova(FILTERS, WEIGHERS, aliases)
    hosts, used = novaenv.make_host_states(inventories, n_hosts, seed)
    out = {"n_hosts": n_hosts, "repeat": repeat, "seed": seed,
           "filters": [type(f).__name__ for f in filters],
           "weighers": [type(w).__name__ for w in weighers], "requests": {}}
    for alias, count in requests:
        spec = novaenv.make_request_spec({}, [(alias, count)])
        t_f, t_w = [], []
        for _ in range(repeat):
            best, tf, tw = novaenv.run(fh, filters, wh, weighers, hosts, spec,
                                       no_gc=True)
            t_f.append(tf)
            t_w.append(tw)
        passed = {w.obj.host for w in best}
        # The filter must really filter, and agree with the inventories
        # (no NUMA topology on the hosts, so NUMA plays no part).
        assert 0 < len(passed) < n_hosts, \
            "%s:%d: %d of %d hosts passed" % (alias, count, len(passed),
                                              n_hosts)
        for hs, inv in zip(hosts, used):
            have = _matching(novaenv.inventory_pools(inv), alias, aliases)
            assert (hs.host in passed) == (have >= count), (hs.host, have)
        out["requests"]["%s:%d" % (alias, count)] = {
            "extra_specs": dict(spec.flavor.extra_specs),
            "filter_s": statistics.median(t_f),
            "weigh_s": statistics.median(t_w),
            "total_s": statistics.median(a + b for a, b in zip(t_f, t_w)),
            "filter_s_all": t_f, "weigh_s_all": t_w,
            "passed": len(passed), "passed_hosts": sorted(passed),
            "top3": [(w.obj.host, w.weight) for w in best[:3]],
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inventories", required=True,
                    help="directory of accelsched inventory JSON files")
    ap.add_argument("--hosts", default="1000,10000",
                    help="comma-separated host counts (default 1000,10000)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    invs = load_inventories(args.inventories)
    print("Nova %s, %d inventories (%s)" % (
        novaenv.nova_version(), len(invs), ", ".join(i["host"] for i in invs)))
    results = []
    for n in (int(x) for x in args.hosts.split(",")):
        r = baseline(invs, n, args.repeat, args.seed)
        results.append(r)
        print("\n%d hosts, %s + %s, median of %d:" % (
            n, "+".join(r["filters"]), "+".join(r["weighers"]), args.repeat))
        for name, q in r["requests"].items():
            print("  %-12s filter %8.2f ms  weigh %7.2f ms  total %8.2f ms"
                  "  passed %d/%d" % (name, q["filter_s"] * 1e3,
                                      q["weigh_s"] * 1e3, q["total_s"] * 1e3,
                                      q["passed"], n))
            print("  %-12s top 3: %s" % ("", ", ".join(
                "%s (%.4f)" % hw for hw in q["top3"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
