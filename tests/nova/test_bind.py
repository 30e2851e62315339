"""The filter binds its choice where Nova lets it (2023.1 and later):
host_state.allocation_candidates whose device providers are a set
accelsched would choose come first (the scheduler claims the first), a
host with none fails. Here on Zed's objects, with
the candidates and the device pools' provider UUIDs set as Nova 2025.1's
scheduler sets them (tests/debian13/test_nova_bind.py runs the same in
Nova 2025.1 itself); and the core call behind it, Table.acceptable().

Run with /usr/bin/python3 and PYTHONPATH=build/python:tests/nova.
"""
import itertools
import json
import os
import shutil
import tempfile
import unittest
import uuid

import novaenv  # noqa: F401  (Nova's object registry first)
from nova.objects import pci_device_pool
from nova.pci import stats as pci_stats

import eightgpu
from accelsched import _core
from accelsched.nova import _shared

FILTER = "accelsched.nova.filters.AcceleratorFilter"
ADDRS = [eightgpu.address(i) for i in range(eightgpu.N_GPUS)]
PIX2 = {"accelsched:count": "2", "accelsched:kind": "gpu", "accelsched:p2p": "PIX"}


def acceptable_sets(table, specs, n, host="c1", free=None):
    rq = _core.Request(specs)
    return [set(s) for s in itertools.combinations(ADDRS, n)
            if table.acceptable(rq, host, list(s), free)]


# the PIX pairs, lowest address first; utilization ranks them in that order
PAIRS = [sorted(p) for p in sorted(eightgpu.pix_pairs(), key=min)]
RANKED = {a: 10 * k for k, p in enumerate(PAIRS) for a in p}


class Acceptable(unittest.TestCase):

    def table(self, **kw):
        t = _core.Table()
        t.update(json.dumps(eightgpu.inventory("c1", **kw)))
        return t

    def test_pix_pairs_and_only_them(self):
        t = self.table()
        got = acceptable_sets(t, PIX2, 2)
        self.assertCountEqual(got, eightgpu.pix_pairs())
        # without p2p the weigher still goes for locality: the same pairs
        got = acceptable_sets(t, {"accelsched:count": "2"}, 2)
        self.assertCountEqual(got, eightgpu.pix_pairs())
        # its own choice is one of them
        rq = _core.Request(PIX2)
        self.assertIn(set(t.evaluate(rq, ["c1"]).chosen("c1")), eightgpu.pix_pairs())

    def test_addresses_any_case_order_and_others_left_out(self):
        t = self.table()
        rq = _core.Request(PIX2)
        a, b = sorted(eightgpu.pix_pairs()[1])
        self.assertTrue(t.acceptable(rq, "c1", [b.upper(), "0000:00:1f.0", a]))
        self.assertTrue(t.acceptable(rq, "c1", [a, a, b]))
        self.assertFalse(t.acceptable(rq, "c1", [a]))
        self.assertFalse(t.acceptable(rq, "c1", [a, b, ADDRS[0]]))
        self.assertFalse(t.acceptable(rq, "c1", []))
        # no accelerator asked for: any set
        self.assertTrue(t.acceptable(_core.Request({}), "c1", []))
        with self.assertRaisesRegex(LookupError, "host nowhere"):
            t.acceptable(rq, "nowhere", [a, b])
        with self.assertRaisesRegex(TypeError, "item 1"):
            t.acceptable(rq, "c1", [a, 7])

    def test_failed_never_degraded_only_when_nothing_healthy_fits(self):
        pairs = [sorted(p) for p in eightgpu.pix_pairs()]
        # one GPU of the first pair failed: the other three pairs
        t = self.table(health={pairs[0][1]: "failed"})
        self.assertCountEqual(acceptable_sets(t, PIX2, 2), [set(p) for p in pairs[1:]])
        # one of each pair degraded but the last: only the last
        t = self.table(health={p[0]: "degraded" for p in pairs[:3]})
        self.assertEqual(acceptable_sets(t, PIX2, 2), [set(pairs[3])])
        # every pair degraded, one failed: the degraded pairs left
        health = {p[0]: "degraded" for p in pairs}
        health[pairs[0][1]] = "failed"
        t = self.table(health=health)
        self.assertCountEqual(acceptable_sets(t, PIX2, 2), [set(p) for p in pairs[1:]])
        # a device in use is not free
        t = self.table(in_use=pairs[2])
        self.assertCountEqual(acceptable_sets(t, PIX2, 2),
                              [set(p) for i, p in enumerate(pairs) if i != 2])

    def test_a_unique_best_and_devices_taken_since(self):
        t = self.table(utilization=RANKED)
        self.assertEqual(acceptable_sets(t, PIX2, 2), [set(PAIRS[0])])
        # the first pair taken by an earlier instance: the next one
        free = [a for a in ADDRS if a not in PAIRS[0]]
        self.assertEqual(acceptable_sets(t, PIX2, 2, free=free), [set(PAIRS[1])])
        free.remove(PAIRS[1][1])
        self.assertEqual(acceptable_sets(t, PIX2, 2, free=free), [set(PAIRS[2])])
        # nothing free
        self.assertEqual(acceptable_sets(t, PIX2, 2, free=[]), [])
        with self.assertRaisesRegex(TypeError, "free: item 0"):
            t.acceptable(_core.Request(PIX2), "c1", PAIRS[0], [None])

    def test_four_on_one_socket(self):
        t = self.table()
        got = acceptable_sets(t, {"accelsched:count": "4", "accelsched:numa": "strict"}, 4)
        self.assertEqual(len(got), 2)
        for s in got:
            self.assertTrue(eightgpu.same_socket(s), s)


class StatedOnce(unittest.TestCase):
    """A flavor asks for devices through a PCI alias: the count is the
    alias's."""

    def test_count_from_the_alias(self):
        rq = _core.Request({"pci_passthrough:alias": "gpu:4", "accelsched:numa": "strict"})
        self.assertEqual(rq.count, 4)
        t = _core.Table()
        t.update(json.dumps(eightgpu.inventory("c1")))
        self.assertIn(set(t.evaluate(rq, ["c1"]).chosen("c1")),
                      acceptable_sets(t, {"accelsched:count": "4",
                                          "accelsched:numa": "strict"}, 4))

    def test_a_mismatch_names_both(self):
        with self.assertRaisesRegex(ValueError, "accelsched:count: 3 devices, but "
                                    "pci_passthrough:alias asks for 'gpu:2'"):
            _core.Request({"pci_passthrough:alias": "gpu:2", "accelsched:count": "3"})


class FilterBinds(unittest.TestCase):
    """Nova's filter handler over host states carrying candidates."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="accel-bind-")
        cls.hostdir = os.path.join(cls.tmp, "hosts")
        os.makedirs(cls.hostdir)
        cls.conf = {"accelsched.state_source": "dir:" + cls.hostdir,
                    "accelsched.refresh_interval": 0}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        _shared.reset()
        self.fh, _, self.filters, _ = novaenv.setup_nova([FILTER], [], extra_conf=self.conf)

    def host(self, name, utilization=None, taken=(), providers=True):
        """A host state of the 8-GPU server, each device a pool of its own
        with its provider, as a compute with [pci] report_in_placement
        reports them; and the allocation candidates of a 2-GPU request, in
        address order (Placement's first is a cross-switch pair)."""
        eightgpu.write(os.path.join(self.hostdir, name + ".json"), name,
                       utilization=utilization)
        inv = eightgpu.inventory(name)
        hs = novaenv.make_host_states([inv], 1)[0][0]
        hs.host = hs.nodename = hs.hypervisor_hostname = name
        rps = {a: str(uuid.uuid5(uuid.NAMESPACE_URL, name + "_" + a.upper())) for a in ADDRS}
        pools = [{"vendor_id": eightgpu.VENDOR_ID, "product_id": eightgpu.PRODUCT_ID,
                  "numa_node": eightgpu.socket_of(i), "dev_type": "type-PCI", "count": 1,
                  "address": a, "rp_uuid": rps[a]} for i, a in enumerate(ADDRS)]
        for p in pools:
            # taken by an earlier instance: consumed, as Nova's scheduler does
            p["count"] = 0 if p["address"] in taken else 1
            if not providers:
                del p["rp_uuid"]
        hs.pci_stats = pci_stats.PciDeviceStats(None, stats=pci_device_pool.from_pci_stats(pools))
        rc = "CUSTOM_PCI_%s_%s" % (eightgpu.VENDOR_ID.upper(), eightgpu.PRODUCT_ID.upper())
        hs.allocation_candidates = [
            {"allocations": {hs.uuid: {"resources": {"VCPU": 4, "MEMORY_MB": 8192}},
                             rps[a]: {"resources": {rc: 1}}, rps[b]: {"resources": {rc: 1}}},
             "mappings": {"": [hs.uuid], "req-0": [rps[a]], "req-1": [rps[b]]}}
            for a, b in itertools.combinations(ADDRS, 2)]
        hs.rp_addr = {v: k for k, v in rps.items()}
        return hs

    def devices(self, hs, cand):
        return {hs.rp_addr[rp] for rp in cand["allocations"] if rp in hs.rp_addr}

    def filtered(self, hosts, specs):
        spec = novaenv.make_request_spec(specs)
        return self.fh.get_filtered_objects(self.filters, hosts, spec, index=0) or []

    def test_candidates_pruned_to_the_choice(self):
        hs = self.host("c1")
        self.assertFalse(eightgpu.same_switch(self.devices(hs, hs.allocation_candidates[0])))
        self.assertEqual(self.filtered([hs], PIX2), [hs])
        got = [self.devices(hs, c) for c in hs.allocation_candidates]
        # the chosen sets first (what the scheduler claims is the first),
        # the others kept behind them for the next instances
        self.assertCountEqual(got[:4], eightgpu.pix_pairs())
        self.assertEqual(len(got), 28)
        self.assertFalse(any(eightgpu.same_switch(s) for s in got[4:]))

    def test_devices_consumed_by_an_earlier_instance(self):
        hs = self.host("c5", utilization=RANKED, taken=PAIRS[0])
        self.assertEqual(self.filtered([hs], PIX2), [hs])
        got = [self.devices(hs, c) for c in hs.allocation_candidates]
        # the consumed pair is no choice any more: the next best first
        self.assertEqual(got[0], set(PAIRS[1]))
        self.assertNotIn(set(PAIRS[0]), got[:1])

    def test_devices_not_in_placement_candidates_untouched(self):
        hs = self.host("c6", providers=False)
        n = len(hs.allocation_candidates)
        self.assertEqual(self.filtered([hs], PIX2), [hs])
        self.assertEqual(len(hs.allocation_candidates), n)

    def test_no_fitting_candidate_fails_the_host(self):
        hs = self.host("c2")
        hs.allocation_candidates = [c for c in hs.allocation_candidates
                                    if not eightgpu.same_switch(self.devices(hs, c))]
        self.assertEqual(self.filtered([hs], PIX2), [])
        self.assertEqual(hs.allocation_candidates, [])

    def test_without_candidates_as_on_zed(self):
        hs = self.host("c3")
        hs.allocation_candidates = []
        self.assertEqual(self.filtered([hs], PIX2), [hs])
        # no accelerator asked for: candidates untouched
        hs = self.host("c4")
        n = len(hs.allocation_candidates)
        self.assertEqual(self.filtered([hs], {}), [hs])
        self.assertEqual(len(hs.allocation_candidates), n)


if __name__ == "__main__":
    unittest.main()
