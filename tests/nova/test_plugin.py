# SPDX-License-Identifier: Apache-2.0
"""The Nova plugin run by Nova's own code: HostFilterHandler and
HostWeightHandler, the classes loaded by dotted path from
[filter_scheduler] available_filters / weight_classes, Nova's HostState and
RequestSpec, and Nova's extra spec validators found through the
nova.api.extra_spec_validators entry point.

Run by `make nova-tests` with Debian's /usr/bin/python3 and
PYTHONPATH=build/python. Expected outcomes come from the fixtures' source
facts (expect.json: accelerators, NUMA nodes, link classes), not from
accelsched's own output.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import novaenv  # noqa: E402  (sets up Nova's objects)

from nova import exception  # noqa: E402
from nova.api.validation.extra_specs import validators  # noqa: E402

from accelsched import config  # noqa: E402
from accelsched.nova import _shared  # noqa: E402

BIN = os.environ.get("ACCEL_BIN", "build/bin")
FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")
SRC = os.path.join(os.path.dirname(__file__), "..", "fixtures")
FIXTURES = ("dgx2", "esc8000a", "hgx-a100-vfio", "edge-mixed", "hwloc-x58")
FILTER = "accelsched.nova.filters.AcceleratorFilter"
WEIGHER = "accelsched.nova.weighers.AcceleratorWeigher"


def inventory(name):
    p = subprocess.run([os.path.join(BIN, "accelctl"), "list", "-q", "-f", "json", "--host",
                        name, "--sysfs-root", os.path.join(FX, name, "sys")],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def expect(name):
    with open(os.path.join(SRC, name, "expect.json")) as f:
        return json.load(f)


def gpus_per_node(name):
    """NUMA node -> GPU addresses, from the capture's facts."""
    out = {}
    for a in expect(name)["accelerators"]:
        if a["class"].startswith("03"):
            out.setdefault(a["numa_node"], []).append(a["address"])
    return out


class PluginTest(unittest.TestCase):
    N_HOSTS = 50

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="accel-nova-")
        cls.hostdir = os.path.join(cls.tmp, "hosts")
        # nova.conf [accelsched]
        cls.conf = {"accelsched.state_source": "dir:" + cls.hostdir,
                    "accelsched.refresh_interval": 0}
        cls.invs = [inventory(n) for n in FIXTURES]
        cls.hosts, cls.used = novaenv.make_host_states(cls.invs, cls.N_HOSTS)
        novaenv.write_host_inventories(cls.hosts, cls.used, cls.hostdir)
        cls.source_of = {h.host: u["host"] for h, u in zip(cls.hosts, cls.used)}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        _shared.reset()
        self.fh, self.wh, self.filters, self.weighers = novaenv.setup_nova(
            [FILTER], [WEIGHER], extra_conf=self.conf)

    def run_request(self, specs, hosts=None):
        spec = novaenv.make_request_spec(specs)
        return novaenv.run(self.fh, self.filters, self.wh, self.weighers,
                           hosts if hosts is not None else self.hosts, spec)

    def passing_fixtures(self, weighed):
        return {self.source_of[w.obj.host] for w in weighed}

    def test_loaded_by_dotted_path(self):
        self.assertEqual([type(f).__name__ for f in self.filters], ["AcceleratorFilter"])
        self.assertEqual([type(w).__name__ for w in self.weighers], ["AcceleratorWeigher"])
        self.assertEqual(type(self.filters[0]).__module__, "accelsched.nova.filters")

    def test_four_gpus_of_40gb_on_one_numa_node(self):
        # from the captures: which fixtures have 4 GPUs >= 40 GB on one node
        want = set()
        for name in ("hgx-a100-vfio", "esc8000a"):  # 80 GB and 48 GB parts
            if any(len(v) >= 4 for v in gpus_per_node(name).values()):
                want.add(name)
        self.assertEqual(want, {"hgx-a100-vfio"})
        weighed, _, _ = self.run_request({"resources:PGPU": "4",
                                          "accelsched:min_memory_mb": "40960",
                                          "accelsched:numa": "strict"})
        self.assertEqual(self.passing_fixtures(weighed), want)
        self.assertEqual(len(weighed), self.N_HOSTS // len(FIXTURES))

    def test_pairs_under_one_switch(self):
        # dgx2's capture has PIX pairs (two GPUs below one switch); the
        # other servers have none
        pix = [p for p in expect("dgx2")["link_pairs"] if p["class"] == "PIX"]
        self.assertTrue(pix)
        weighed, _, _ = self.run_request({"resources:PGPU": "2", "accelsched:p2p": "PIX"})
        self.assertEqual(self.passing_fixtures(weighed), {"dgx2"})

    def test_one_inference_gpu_best_fit(self):
        weighed, _, _ = self.run_request({"resources:PGPU": "1",
                                          "accelsched:min_memory_mb": "16384"})
        order = []
        for w in weighed:
            f = self.source_of[w.obj.host]
            if f not in order:
                order.append(f)
        # smallest sufficient memory first: Flex 170 16 GB, V100 32 GB,
        # RTX 6000 Ada 48 GB, A100 80 GB
        self.assertEqual(order, ["edge-mixed", "dgx2", "esc8000a", "hgx-a100-vfio"])
        self.assertGreater(weighed[0].weight, weighed[-1].weight)

    def test_no_accelerator_asked_passes_everyone(self):
        weighed, _, _ = self.run_request({"hw:cpu_policy": "dedicated"})
        self.assertEqual(len(weighed), self.N_HOSTS)
        self.assertEqual({w.weight for w in weighed}, {0.0})

    def test_unknown_hosts_fail_an_accelerator_request(self):
        stranger = novaenv.make_host_states(self.invs[:1], 1)[0][0]
        stranger.host = stranger.nodename = "not-in-the-folder"
        weighed, _, _ = self.run_request({"resources:PGPU": "1"}, self.hosts + [stranger])
        self.assertNotIn("not-in-the-folder", [w.obj.host for w in weighed])

    def test_bad_spec_at_request_time_passes_nobody(self):
        with self.assertLogs("accelsched.nova.filters", "ERROR") as logs:
            weighed, _, _ = self.run_request({"accelsched:p2p": "NVLINK"})
        self.assertEqual(weighed, [])
        self.assertIn("accelsched:p2p: 'NVLINK' is not one of", logs.output[0])

    def test_state_follows_the_files(self):
        h = [x for x in self.hosts if self.source_of[x.host] == "dgx2"][0]
        path = os.path.join(self.hostdir, h.host + ".json")
        with open(path) as f:
            original = f.read()
        try:
            doc = json.loads(original)
            for d in doc["devices"]:
                d["in_use"] = True
            with open(path + ".tmp", "w") as f:
                json.dump(doc, f)
            os.replace(path + ".tmp", path)
            weighed, _, _ = self.run_request({"resources:PGPU": "1"})
            self.assertNotIn(h.host, [w.obj.host for w in weighed])
        finally:
            with open(path, "w") as f:
                f.write(original)
        weighed, _, _ = self.run_request({"resources:PGPU": "1"})
        self.assertIn(h.host, [w.obj.host for w in weighed])

    def test_weigher_alone_ranks_rejected_hosts_last(self):
        spec = novaenv.make_request_spec({"resources:PGPU": "2", "accelsched:p2p": "PIX"})
        weighed = self.wh.get_weighed_objects(self.weighers, self.hosts, spec)
        top = {self.source_of[w.obj.host] for w in weighed[:self.N_HOSTS // len(FIXTURES)]}
        self.assertEqual(top, {"dgx2"})

    def test_broken_config_stops_the_scheduler(self):
        for value, msg in (
                ("kafka:localhost", "nova.conf: [accelsched] state_source: 'kafka:localhost' "
                 "is not dir:PATH (an absolute path), placement or kafka"),
                ("kafka", "nova.conf: [accelsched] kafka_bootstrap_servers is not set"),
                # the README's old example: no inline comments in nova.conf
                ("dir:/var/lib/accelsched/hosts   # or: placement",
                 "nova.conf: [accelsched] state_source: 'dir:/var/lib/accelsched/hosts   # or: "
                 "placement': '#' or ';' after a blank; nova.conf has no inline comments"),
                ("", "nova.conf: [accelsched] state_source is not set")):
            with self.subTest(value=value):
                try:
                    _shared.reset()
                    with self.assertRaises(config.ConfigError) as cm:
                        novaenv.setup_nova([FILTER], [WEIGHER], extra_conf=dict(
                            self.conf, **{"accelsched.state_source": value}))
                    self.assertIn(msg, str(cm.exception))
                finally:
                    _shared.reset()


class Validators(unittest.TestCase):
    """Nova's API validators, with ours found through the entry point."""

    def test_registered(self):
        self.assertIn("accelsched:p2p", validators.VALIDATORS)
        self.assertIn("accelsched", validators.NAMESPACES)

    def test_good_specs_pass(self):
        for k, v in (("accelsched:p2p", "PIX"), ("accelsched:count", "4"),
                     ("accelsched:model", "A100*"), ("accelsched:vendor", "10de"),
                     ("accelsched:min_compute_capability", "8.0"),
                     ("accelsched:max_utilization", "50"), ("accelsched:numa", "strict")):
            validators.validate(k, v)

    def test_bad_specs_are_refused(self):
        for k, v, msg in (("accelsched:p2p", "NVLINK", "not one of"),
                          ("accelsched:count", "17", "greater than the max"),
                          ("accelsched:count", "0", "less than the min"),
                          ("accelsched:min_compute_capability", "eight", "not of the format"),
                          ("accelsched:max_utilization", "101", "greater than the max"),
                          ("accelsched:colour", "blue", "does not appear to be a valid"),
                          ("accelsched:vendor", "", "expected a vendor name")):
            with self.subTest(key=k, value=v):
                with self.assertRaises(exception.ValidationError) as cm:
                    validators.validate(k, v)
                self.assertIn(msg, str(cm.exception))


if __name__ == "__main__":
    unittest.main()
