# SPDX-License-Identifier: Apache-2.0
"""nova.conf [accelsched] state_source = placement, end to end and for real: Debian's
Keystone and Placement on 127.0.0.1 (tests/integration/openstack.py),
acceld reporting three captured servers, and the Nova plugin reading the
providers back through Nova's own report client (nova.conf [placement]),
run by Nova's HostFilterHandler and HostWeightHandler. Allocations are
made with the harness's own Placement client, as nova-conductor would.

Run by `make nova-tests`.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import novaenv  # noqa: E402

# the harness, by path: its module name would hide openstacksdk's
# "openstack" package, which Nova imports
_spec = importlib.util.spec_from_file_location(
    "accel_harness", os.path.join(HERE, "..", "integration", "openstack.py"))
ostk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ostk)

import nova.conf  # noqa: E402
from keystoneauth1 import loading as ks_loading  # noqa: E402

from accelsched.nova import _shared  # noqa: E402

BIN = os.path.abspath(os.environ.get("ACCEL_BIN", "build/bin"))
FX = os.path.abspath(os.environ.get("ACCEL_FIXTURES", "build/fixtures"))
FILTER = "accelsched.nova.filters.AcceleratorFilter"
WEIGHER = "accelsched.nova.weighers.AcceleratorWeigher"
SERVERS = ("dgx2", "esc8000a", "hgx-a100-vfio")
CONF = nova.conf.CONF

KS = PL = WORK = None


def setUpModule():
    global KS, PL, WORK
    # A FaultProxy serves from a thread of this process: under eventlet's
    # monkey patching (Nova's API package applies it on import, as
    # test_plugin's validators do) that thread is a green thread whose
    # serve loop never yields, and the first request through it hangs.
    # `make nova-tests` runs each module in its own interpreter.
    ep = sys.modules.get("eventlet.patcher")
    if ep is not None and ep.is_monkey_patched("socket"):
        raise RuntimeError("test_placement_source needs an interpreter without eventlet's "
                           "monkey patching: run it on its own "
                           "(python3 -m unittest test_placement_source)")
    WORK = tempfile.mkdtemp(prefix="accel-nova-pl-")
    KS = ostk.Keystone(WORK)
    PL = ostk.Placement(WORK, keystone=KS)
    ostk.start_all(KS, PL)
    for host in SERVERS:
        conf = os.path.join(WORK, host + ".conf")
        with open(conf, "w") as f:
            f.write("[DEFAULT]\nhost = %s\nstate_dir = %s\n[discovery]\nsysfs_root = %s\n"
                    "[placement]\nauth_type = password\nauth_url = %s\nusername = %s\n"
                    "password = %s\nuser_domain_name = Default\nproject_name = %s\n"
                    "project_domain_name = Default\nregion_name = %s\n"
                    % (host, os.path.join(WORK, "state"), os.path.join(FX, host, "sys"),
                       KS.url, ostk.ADMIN_USER, KS.admin_password, ostk.ADMIN_PROJECT,
                       ostk.REGION))
        os.chmod(conf, 0o600)
        p = subprocess.run([os.path.join(BIN, "acceld"), "--config", conf, "--once",
                            "--create-root"], capture_output=True, text=True, timeout=300)
        if p.returncode:
            raise RuntimeError("acceld %s: %s" % (host, p.stderr))
    # nova.conf [placement], as an operator writes it for nova-scheduler
    try:
        CONF.register_opts(ks_loading.get_auth_plugin_conf_options("password"),
                           group="placement")
    except Exception:
        pass  # registered by an earlier test module
    for k, v in dict(auth_type="password", auth_url=KS.url, username=ostk.ADMIN_USER,
                     password=KS.admin_password, user_domain_name="Default",
                     project_name=ostk.ADMIN_PROJECT, project_domain_name="Default",
                     region_name=ostk.REGION).items():
        CONF.set_override(k, v, "placement")
    CONF.set_override("valid_interfaces", ["public"], "placement")


def tearDownModule():
    for s in (PL, KS):
        if s:
            s.stop()
    if WORK:
        shutil.rmtree(WORK, ignore_errors=True)


def inventory(name):
    p = subprocess.run([os.path.join(BIN, "accelctl"), "list", "-q", "-f", "json", "--host",
                        name, "--sysfs-root", os.path.join(FX, name, "sys")],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


class PlacementSource(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # nova.conf [accelsched]
        cls.conf = {"accelsched.state_source": "placement", "accelsched.refresh_interval": 0}
        cls.invs = {n: inventory(n) for n in SERVERS}
        hosts, _ = novaenv.make_host_states([cls.invs[n] for n in SERVERS], len(SERVERS))
        for h, n in zip(hosts, SERVERS):
            h.host = h.nodename = n   # the compute nodes acceld reported for
        cls.hosts = hosts

    def setUp(self):
        _shared.reset()
        self.fh, self.wh, self.filters, self.weighers = novaenv.setup_nova(
            [FILTER], [WEIGHER], extra_conf=self.conf)

    def tearDown(self):
        _shared.reset()

    def run_request(self, specs):
        spec = novaenv.make_request_spec(specs)
        weighed, _, _ = novaenv.run(self.fh, self.filters, self.wh, self.weighers,
                                    self.hosts, spec)
        return [w.obj.host for w in weighed]

    def test_memory_from_the_model_tables(self):
        # Placement has the product ids; the model tables give the memory:
        # V100 32 GB, RTX 6000 Ada 48 GB, A100 80 GB
        self.assertEqual(self.run_request({"resources:PGPU": "1",
                                           "accelsched:min_memory_mb": "40960"}),
                         ["esc8000a", "hgx-a100-vfio"])
        self.assertEqual(self.run_request({"resources:PGPU": "1"}),
                         ["dgx2", "esc8000a", "hgx-a100-vfio"])

    def test_traits_and_counts(self):
        self.assertEqual(self.run_request({"resources:PGPU": "5"}), ["dgx2", "hgx-a100-vfio"])
        self.assertEqual(self.run_request({"resources1:PGPU": "1",
                                           "trait1:CUSTOM_ACCEL_ARCH_AMPERE": "required"}),
                         ["hgx-a100-vfio"])
        self.assertEqual(self.run_request({"accelsched:min_compute_capability": "8.9",
                                           "accelsched:kind": "gpu"}), ["esc8000a"])

    def test_no_topology_in_placement(self):
        # documented: p2p tighter than SYS cannot be shown from Placement
        self.assertEqual(self.run_request({"resources:PGPU": "2", "accelsched:p2p": "PIX"}),
                         [])

    def test_allocations_make_devices_in_use(self):
        s = PL.session()
        rps = s.get("/resource_providers?name=esc8000a").json["resource_providers"]
        root = rps[0]["uuid"]
        kids = s.get("/resource_providers?in_tree=%s&resources=PGPU:1" % root).json[
            "resource_providers"]
        self.assertEqual(len(kids), 4)
        consumer = str(uuid.uuid4())
        body = {"allocations": {k["uuid"]: {"resources": {"PGPU": 1}} for k in kids},
                "project_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()),
                "consumer_generation": None}
        s.put("/allocations/%s" % consumer, body, version="1.28")
        try:
            self.assertEqual(self.run_request({"resources:PGPU": "1",
                                               "accelsched:min_memory_mb": "40960"}),
                             ["hgx-a100-vfio"])
            src = _shared.source()
            result = src.table.evaluate(_shared.request({"resources:PGPU": "1"}),
                                        ["esc8000a"])
            self.assertEqual(result.reason("esc8000a"), "in_use")
        finally:
            s.delete("/allocations/%s" % consumer)
            s.close()
        self.assertEqual(self.run_request({"resources:PGPU": "1",
                                           "accelsched:min_memory_mb": "40960"}),
                         ["esc8000a", "hgx-a100-vfio"])

    def test_a_refresh_with_nothing_changed_reads_little(self):
        self.run_request({"resources:PGPU": "1"})
        src = _shared.source()
        before = src.requests
        self.run_request({"resources:PGPU": "1"})
        # the owned providers, and who has room in the one class they have
        self.assertEqual(src.requests - before, 2)

    def test_placement_down_keeps_the_last_state(self):
        self.run_request({"resources:PGPU": "1"})
        PL.stop()
        try:
            with self.assertLogs("accelsched.placement", "ERROR") as logs:
                got = self.run_request({"resources:PGPU": "1"})
            self.assertEqual(got, ["dgx2", "esc8000a", "hgx-a100-vfio"])
            self.assertIn("GET /resource_providers", logs.output[0])
        finally:
            PL.start()

    def test_a_failed_refresh_is_read_again_at_the_next(self):
        # A GPU marked failed in Placement, then a refresh of which one GET
        # fails after the changed provider was read: the next refresh must
        # still rebuild the host (the old code had recorded the provider's
        # new generation already, and never looked at it again).
        from nova.scheduler.client import report
        from accelsched import placement
        px = ostk.FaultProxy(PL.url).start()
        CONF.set_override("endpoint_override", px.url, "placement")
        try:
            src = placement.PlacementSource(refresh_interval=0,
                                            client=report.SchedulerReportClient())
        finally:
            CONF.clear_override("endpoint_override", "placement")
        self.addCleanup(px.stop)
        src.refresh(force=True)
        four = _shared.request({"resources:PGPU": "4"})
        self.assertIsNone(src.table.evaluate(four, ["esc8000a"]).reason("esc8000a"))
        s = PL.session()
        self.addCleanup(s.close)
        rps = s.get("/resource_providers?name=esc8000a").json["resource_providers"]
        gpu = s.get("/resource_providers?in_tree=%s&resources=PGPU:1"
                    % rps[0]["uuid"]).json["resource_providers"][0]["uuid"]
        old = s.get("/resource_providers/%s/traits" % gpu).json

        def put_traits(traits):
            gen = s.get("/resource_providers/%s/traits" % gpu).json[
                "resource_provider_generation"]
            s.put("/resource_providers/%s/traits" % gpu,
                  {"traits": traits, "resource_provider_generation": gen}, expect=200)
        s.put("/traits/CUSTOM_ACCEL_HEALTH_FAILED", expect=(201, 204))
        self.addCleanup(put_traits, old["traits"])
        put_traits(old["traits"] + ["CUSTOM_ACCEL_HEALTH_FAILED"])
        # the provider's traits and inventory are read, then who has room fails
        px.fail(count=None, status=503, method="GET", path=r"resources=PGPU")
        with self.assertLogs("accelsched.placement", "ERROR") as logs:
            src.refresh(force=True)
        self.assertIn("resources=PGPU", logs.output[0])
        self.assertTrue([x for x in px.seen if x.action == "forward"
                         and x.path.endswith("/resource_providers/%s/traits" % gpu)])
        # the last good state is kept meanwhile
        self.assertIsNone(src.table.evaluate(four, ["esc8000a"]).reason("esc8000a"))
        px.clear()
        src.refresh(force=True)
        self.assertIsNone(src.error)
        self.assertIsNotNone(src.table.evaluate(four, ["esc8000a"]).reason("esc8000a"))
        one = _shared.request({"resources:PGPU": "1"})
        self.assertIsNone(src.table.evaluate(one, ["esc8000a"]).reason("esc8000a"))


if __name__ == "__main__":
    unittest.main()
