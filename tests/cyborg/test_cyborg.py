# SPDX-License-Identifier: Apache-2.0
"""accelsched's driver in a running Cyborg 2025.1: Keystone, Placement,
MariaDB, RabbitMQ, cyborg-api, cyborg-conductor and cyborg-agent with
``enabled_drivers = accelsched`` on a copy of the edge-mixed fixture (a
GPU, two FPGAs, two NPUs, a Gaudi), all on 127.0.0.1 inside the Debian 13
root (make cyborg-tests). Through Cyborg's REST API and Placement's:
devices and deployables, the providers and their traits, a device profile
with an accelsched trait, an ARQ bound to a matching device, and the
fixture changing under the agent.

ACCEL_FIXTURES names the built fixtures; ACCEL_CYBORG_WORK keeps the work
folder (configs and logs) where given, else a temporary one is removed.
"""
import json
import os
import shutil
import tempfile
import time
import unittest
import uuid

import services as svc
from services import ostk

FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")
HOST = "node1"
# the agent reports every periodic_interval seconds; a cycle's effects are
# waited for by their result, this long at most
CYCLE_TIMEOUT = 90


def wait_for(what, fn, timeout=CYCLE_TIMEOUT):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError("%s: not so after %d s (last: %r)" % (what, timeout, last))


def pci_info(address):
    dom, bus, rest = address.split(":")
    dev, fn = rest.split(".")
    return {"bus": bus, "device": dev, "domain": dom, "function": fn}


class CyborgTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        src = os.path.join(FX, "edge-mixed", "sys")
        if not os.path.isdir(src):
            raise unittest.SkipTest("%s is not built (make fixtures)" % src)
        keep = os.environ.get("ACCEL_CYBORG_WORK")
        cls.work = keep or tempfile.mkdtemp(prefix="cyborg-")
        os.makedirs(cls.work, exist_ok=True)
        os.chmod(cls.work, 0o755)
        if not keep:
            cls.addClassCleanup(shutil.rmtree, cls.work, True)
        cls.sys = svc.copy_fixture(src, os.path.join(cls.work, "sys"))
        cls.ks = ostk.Keystone(cls.work)
        cls.pl = ostk.Placement(cls.work, keystone=cls.ks)
        cls.db = svc.MariaDB(cls.work)
        cls.mq = svc.RabbitMQ(cls.work)
        cls.addClassCleanup(cls.db.stop)
        cls.addClassCleanup(cls.mq.stop)
        cls.addClassCleanup(cls.pl.stop)
        cls.addClassCleanup(cls.ks.stop)
        ostk.start_all(cls.ks, cls.pl)
        cls.db.start()
        cls.mq.start()
        cls.s = ostk.PlacementSession(cls.pl)
        # Placement checks each token with Keystone, which a loaded machine
        # can keep from answering in time (503) just after the starts
        svc._wait("Placement through Keystone", lambda: cls.s.get(
            "/resource_providers").status == 200, 120, cls.pl.log_file)
        cls.cn = ostk.create_compute_node_provider(cls.s, HOST)["uuid"]
        db = cls.db.create_db("cyborg", svc.CYBORG_USER, svc.CYBORG_PASSWORD)
        cls.cy = svc.Cyborg(cls.work, cls.ks, db, cls.mq.url, HOST, cls.sys,
                            pythonpath=os.environ.get("PYTHONPATH"))
        cls.addClassCleanup(cls.cy.stop)
        cls.cy.start()
        # the agent's first cycle has reported every deployable
        wait_for("the agent's first report", lambda: len(cls.deployables()) == 6)

    @classmethod
    def deployables(cls):
        return cls.cy.api("GET", "/v2/deployables")["deployables"]

    @classmethod
    def devices(cls):
        return cls.cy.api("GET", "/v2/devices")["devices"]

    def providers(self):
        """Cyborg's providers under the compute node: name -> (uuid, traits,
        inventory)."""
        rps = self.s.get("/resource_providers?in_tree=%s" % self.cn).json["resource_providers"]
        out = {}
        for rp in rps:
            if rp["uuid"] == self.cn:
                continue
            self.assertEqual(rp["parent_provider_uuid"], self.cn)
            traits = self.s.get("/resource_providers/%s/traits" % rp["uuid"])
            inv = self.s.get("/resource_providers/%s/inventories" % rp["uuid"])
            if 404 in (traits.status, inv.status):
                continue  # deleted since the listing
            out[rp["name"]] = (rp["uuid"], set(traits.json["traits"]),
                               inv.json["inventories"])
        return out

    def test_1_devices_and_deployables(self):
        self.cy.alive()
        devs = {d["model"]: d for d in self.devices()}
        self.assertEqual(set(devs), {"Meteor Lake NPU", "Gaudi2", "Alveo U250", "PAC N3000",
                                     "Ascend 310P", "Data Center GPU Flex 170"})
        self.assertEqual(devs["Alveo U250"]["type"], "FPGA")
        self.assertEqual(devs["Gaudi2"]["type"], "AICHIP")
        self.assertEqual(devs["Data Center GPU Flex 170"]["type"], "GPU")
        self.assertEqual(devs["Data Center GPU Flex 170"]["hostname"], HOST)
        info = json.loads(devs["Alveo U250"]["std_board_info"])
        self.assertEqual((info["address"], info["health"], info["source"]),
                         ("0000:02:00.1", "ok", "accelsched"))
        names = {d["name"] for d in self.deployables()}
        self.assertIn(HOST + "_0000:02:00.1", names)
        self.assertNotIn(HOST + "_0000:0b:00.0", names)  # the display device

    def test_2_placement_providers_with_traits(self):
        # the deployables are in Cyborg's DB before the conductor has set
        # every provider's inventory and traits
        rps = wait_for("6 providers with inventory and traits", lambda: (
            lambda r: r if len(r) == 6 and all(t and i for _, t, i in r.values()) else None)(
                self.providers()))
        _, traits, inv = rps[HOST + "_0000:02:00.1"]
        self.assertIn("CUSTOM_ACCEL_MODEL_ALVEO_U250", traits)
        self.assertIn("CUSTOM_ACCEL_VENDOR_XILINX", traits)
        self.assertIn("OWNER_CYBORG", traits)
        self.assertEqual(inv["FPGA"]["total"], 1)
        self.assertIn("CUSTOM_ACCEL", rps[HOST + "_0000:01:00.0"][2])
        self.assertIn("PGPU", rps[HOST + "_0000:09:00.0"][2])

    def test_3_profile_and_bind(self):
        prof = "u250-" + uuid.uuid4().hex[:6]
        group = {"resources:FPGA": "1", "trait:CUSTOM_ACCEL_MODEL_ALVEO_U250": "required"}
        self.cy.api("POST", "/v2/device_profiles", [{"name": prof, "groups": [group]}])
        # what Nova does with the profile's group: ask Placement, claim
        ac = self.s.get("/allocation_candidates?resources=FPGA:1"
                        "&required=CUSTOM_ACCEL_MODEL_ALVEO_U250").json
        rps = {rp for req in ac["allocation_requests"] for rp in req["allocations"]}
        self.assertEqual(len(rps), 1, ac)
        (rp,) = rps
        self.assertEqual(rp, self.providers()[HOST + "_0000:02:00.1"][0])
        instance = str(uuid.uuid4())
        ostk.make_allocation(self.s, instance, rp, {"FPGA": 1})
        arqs = self.cy.api("POST", "/v2/accelerator_requests",
                           {"device_profile_name": prof})["arqs"]
        self.assertEqual(len(arqs), 1)
        arq = arqs[0]["uuid"]
        self.cy.api("PATCH", "/v2/accelerator_requests", {arq: [
            {"path": "/hostname", "op": "add", "value": HOST},
            {"path": "/device_rp_uuid", "op": "add", "value": rp},
            {"path": "/instance_uuid", "op": "add", "value": instance}]},
            service_token=self.cy.service_token())
        got = wait_for("ARQ %s bound" % arq, lambda: (lambda a: a if a["state"] in (
            "Bound", "BindFailed") else None)(self.cy.api(
                "GET", "/v2/accelerator_requests/" + arq)), timeout=60)
        self.assertEqual(got["state"], "Bound", got)
        self.assertEqual(got["attach_handle_type"], "PCI")
        # the API gives attach_info as the object the driver wrote as JSON
        self.assertEqual(got["attach_handle_info"], pci_info("0000:02:00.1"))
        # and Cyborg told Nova
        self.assertIn({"name": "accelerator-request-bound", "server_uuid": instance,
                       "tag": arq, "status": "completed"}, self.cy.nova.events)
        self.__class__.bound = (arq, instance, rp)

    # The fixture changes under the agent, all at once: its next cycle
    # (oslo.service runs Cyborg's update_available_resource every 60 s,
    # a fixed spacing) brings Cyborg and Placement to the new truth.

    def dev_link(self, address):
        return os.path.join(self.sys, "bus", "pci", "devices", address)

    def test_4_changes_converge(self):
        arq, instance, rp = self.bound
        # the NPU removed, the GPU failed (config space all-ones), the
        # bound FPGA removed
        os.rename(self.dev_link("0000:00:0b.0"), os.path.join(self.work, "npu-link"))
        cfg = os.path.realpath(os.path.join(self.dev_link("0000:09:00.0"), "config"))
        size = os.path.getsize(cfg)
        os.unlink(cfg)
        with open(cfg, "wb") as f:
            f.write(b"\xff" * size)
        os.rename(self.dev_link("0000:02:00.1"), os.path.join(self.work, "u250-link"))

        wait_for("the NPU gone from /v2/devices", lambda: "Meteor Lake NPU" not in {
            d["model"] for d in self.devices()})
        wait_for("the NPU's and the GPU's providers gone", lambda: not {
            HOST + "_0000:00:0b.0", HOST + "_0000:09:00.0"} & set(self.providers()))
        names = {d["name"] for d in self.deployables()}
        self.assertNotIn(HOST + "_0000:00:0b.0", names)
        # the failed GPU: listed, with its health, no deployable, no provider
        gpu = [d for d in self.devices()
               if json.loads(d["std_board_info"])["address"] == "0000:09:00.0"]
        self.assertEqual(len(gpu), 1, "the failed card is still listed")
        self.assertEqual(json.loads(gpu[0]["std_board_info"])["health"], "failed")
        self.assertNotIn(HOST + "_0000:09:00.0", names)
        ac = self.s.get("/allocation_candidates?resources=PGPU:1").json
        self.assertEqual(ac["allocation_requests"], [])
        # the bound FPGA, gone from the fixture, is kept as it was until
        # released: its ARQ bound, its provider and allocation in place
        got = self.cy.api("GET", "/v2/accelerator_requests/" + arq)
        self.assertEqual(got["state"], "Bound")
        self.assertIn(HOST + "_0000:02:00.1", names)
        self.assertEqual(self.providers()[HOST + "_0000:02:00.1"][0], rp)
        self.assertIn(rp, self.s.get("/allocations/%s" % instance).json["allocations"])

    def test_5_added_device_comes(self):
        os.rename(os.path.join(self.work, "npu-link"), self.dev_link("0000:00:0b.0"))
        wait_for("the NPU back in /v2/devices", lambda: "Meteor Lake NPU" in {
            d["model"] for d in self.devices()})
        # Cyborg's conductor creates the provider, then sets its inventory,
        # then its traits, in separate requests: wait for all three
        def provider():
            rp = self.providers().get(HOST + "_0000:00:0b.0")
            return rp if rp and rp[1] and rp[2] else None

        rp = wait_for("its provider back with inventory and traits", provider)
        self.assertIn("CUSTOM_NPU", rp[2])
        self.assertIn("CUSTOM_ACCEL_VENDOR_INTEL", rp[1])

    def test_6_released_device_goes(self):
        arq, instance, rp = self.bound
        self.cy.api("PATCH", "/v2/accelerator_requests", {arq: [
            {"path": "/hostname", "op": "remove"},
            {"path": "/device_rp_uuid", "op": "remove"},
            {"path": "/instance_uuid", "op": "remove"}]},
            service_token=self.cy.service_token())
        ostk.delete_allocation(self.s, instance)
        wait_for("the U250 gone from /v2/devices", lambda: "Alveo U250" not in {
            d["model"] for d in self.devices()})
        wait_for("its provider gone", lambda: HOST + "_0000:02:00.1" not in self.providers())

if __name__ == "__main__":
    unittest.main()
