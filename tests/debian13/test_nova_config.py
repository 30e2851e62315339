"""accelctl nova-config's output read by Nova 2025.1's own code: the text
snippet loaded as nova.conf by oslo.config with Nova's options, its
[pci] device_spec through nova.pci.whitelist.Whitelist (PciDeviceSpec),
its [pci] alias through nova.pci.request (the JSON schema, the one-spec-
per-name rule of PCI in Placement), each device through Nova's Placement
translator (nova.compute.pci_placement_translator.PlacementView) into a
real nova.compute.provider_tree.ProviderTree, and the alias through
RequestSpec.generate_request_groups_from_pci_requests into what Nova asks
Placement for. The provider Nova writes must carry accelsched's class and
traits (and COMPUTE_MANAGED_PCI_DEVICE), and the request must match it.

The inputs are written on the host by make debian13-tests (accelctl of
this tree on the fixtures) into $ACCEL_NOVA_CONFIG_DIR: for each fixture
F, F.conf (the text), F.json (-f json), F.inventory.json (accelctl list
-f json) and F.nova-rc.json (--resource-class nova).
"""
import json
import os
import tempfile
import unittest

from oslo_config import cfg

import nova.conf
from nova import exception
from nova import objects
from nova.compute import pci_placement_translator as ppt
from nova.compute import provider_tree
from nova.objects import fields
from nova.pci import request as pci_request
from nova.pci import whitelist

CONF = nova.conf.CONF
DIR = os.environ["ACCEL_NOVA_CONFIG_DIR"]
HOST = "compute1"
FIXTURES = ("hgx-a100-vfio", "edge-mixed", "dgx2", "a100-vgpu-sriov", "esc8000a")

objects.register_all()


def read(name):
    with open(os.path.join(DIR, name)) as f:
        return f.read()


def dev_type(d):
    s = d.get("sriov") or {}
    if s.get("physfn"):
        return fields.PciDeviceType.SRIOV_VF
    if (s.get("total_vfs") or 0) > 0:
        return fields.PciDeviceType.SRIOV_PF
    return fields.PciDeviceType.STANDARD


def pci_devices(inv):
    """Nova's PciDevice objects for the inventory's PCI devices, as its
    tracker makes them from libvirt's node devices (ids lower-case)."""
    out = []
    for d in inv["devices"]:
        if not d.get("vendor_id"):
            continue
        s = d.get("sriov") or {}
        out.append(objects.PciDevice(
            address=d["address"], vendor_id=d["vendor_id"], product_id=d["device_id"],
            dev_type=dev_type(d), parent_addr=s.get("physfn"), status="available",
            instance_uuid=None, extra_info={}, numa_node=d.get("numa_node")))
    return out


class NovaReadsTheSnippet(unittest.TestCase):
    """The text, as pasted into nova.conf, through oslo.config."""

    def load(self, fixture):
        path = os.path.join(tempfile.mkdtemp(prefix="nova-conf-"), "nova.conf")
        with open(path, "w") as f:
            f.write(read(fixture + ".conf"))
        CONF.reset()
        CONF([], project="nova", default_config_files=[path])
        self.addCleanup(CONF.reset)

    def test_every_fixture(self):
        for fixture in FIXTURES:
            with self.subTest(fixture=fixture):
                self.load(fixture)
                doc = json.loads(read(fixture + ".json"))
                self.assertTrue(CONF.pci.report_in_placement)
                # the same specs and aliases as -f json
                self.assertEqual([json.loads(s) for s in CONF.pci.device_spec],
                                 doc["device_spec"])
                self.assertEqual([json.loads(s) for s in CONF.pci.alias], doc["alias"])
                specs = whitelist.Whitelist(CONF.pci.device_spec).specs
                self.assertEqual(len(specs), len(doc["device_spec"]))
                aliases = pci_request._get_alias_from_config()
                self.assertEqual(sorted(aliases), sorted(a["name"] for a in doc["alias"]))
                for name, (policy, alias_specs) in aliases.items():
                    self.assertEqual(policy, "preferred", name)
                    # PCI in Placement takes one spec per alias name
                    self.assertEqual(len(alias_specs), 1, name)


class NovaReportsAccelschedsDescription(unittest.TestCase):
    """Each listed device through Nova's Placement translator: the
    provider Nova writes has accelsched's class and traits."""

    def view(self, fixture, suffix=".json"):
        doc = json.loads(read(fixture + suffix))
        inv = json.loads(read(fixture + ".inventory.json"))
        wl = whitelist.Whitelist([json.dumps(s) for s in doc["device_spec"]])
        ppt.ensure_no_dev_spec_with_devname(wl.specs)
        pv = ppt.PlacementView(HOST, [])
        matched = {}
        # the tracker keeps only the devices device_spec matches
        for dev in pci_devices(inv):
            spec = wl.get_devspec(dev)
            if spec is not None:
                matched[dev.address] = dev
                pv.process_dev(dev, spec)
        tree = provider_tree.ProviderTree()
        tree.new_root(HOST, "00000000-0000-0000-0000-0000000000c1")
        pv.update_provider_tree(tree)
        return doc, inv, matched, tree

    def check(self, fixture, suffix, rc_of):
        doc, inv, matched, tree = self.view(fixture, suffix)
        by_addr = {d["address"]: d for d in inv["devices"]}
        listed = {s["address"] for s in doc["device_spec"]}
        # every device_spec matches its device, and no other
        self.assertEqual(set(matched), listed)
        names = {tree.data(u).name for u in tree.get_provider_uuids()} - {HOST}
        self.assertEqual(names, {"%s_%s" % (HOST, a.upper()) for a in listed})
        for addr in listed:
            d = by_addr[addr]
            data = tree.data("%s_%s" % (HOST, addr.upper()))
            self.assertEqual(data.inventory, {rc_of(d): {"total": 1, "max_unit": 1}}, addr)
            self.assertEqual(set(data.traits),
                             set(d["traits"]) | {"COMPUTE_MANAGED_PCI_DEVICE"}, addr)
            self.assertEqual(data.parent_uuid, tree.data(HOST).uuid)
        return doc, inv

    def test_accelsched_classes(self):
        for fixture in FIXTURES:
            with self.subTest(fixture=fixture):
                doc, inv = self.check(fixture, ".json", lambda d: d["resource_class"])
                # what was left out, and why: no display device, no vGPU
                # host, no PF whose VFs are listed
                for d in inv["devices"]:
                    if d["address"] in {s["address"] for s in doc["device_spec"]}:
                        self.assertNotEqual(d["resource_class"], "VGPU")
                        self.assertNotEqual(d["kind"], "display")

    def test_nova_classes(self):
        for fixture in ("hgx-a100-vfio", "edge-mixed"):
            with self.subTest(fixture=fixture):
                self.check(fixture, ".nova-rc.json", lambda d: (
                    "CUSTOM_PCI_%s_%s" % (d["vendor_id"], d["device_id"])).upper())

    def test_the_alias_asks_placement_for_it(self):
        """A flavor's pci_passthrough:alias, with pci_in_placement, is a
        Placement request group per device: the class and the product
        trait of the alias, which the providers above have."""
        for fixture in ("hgx-a100-vfio", "edge-mixed"):
            with self.subTest(fixture=fixture):
                doc, _, _, tree = self.view(fixture)
                CONF.set_override("alias", [json.dumps(a) for a in doc["alias"]], group="pci")
                CONF.set_override("pci_in_placement", True, group="filter_scheduler")
                self.addCleanup(CONF.clear_override, "alias", group="pci")
                self.addCleanup(CONF.clear_override, "pci_in_placement",
                                group="filter_scheduler")
                for a in doc["alias"]:
                    reqs = pci_request._translate_alias_to_requests("%s:2" % a["name"])
                    spec = objects.RequestSpec(
                        pci_requests=objects.InstancePCIRequests(requests=reqs),
                        requested_resources=[])
                    spec.generate_request_groups_from_pci_requests()
                    groups = spec.requested_resources
                    self.assertEqual(len(groups), 2, a["name"])
                    fits = [tree.data(u).name for u in tree.get_provider_uuids()
                            if set(groups[0].resources) <= set(tree.data(u).inventory)
                            and groups[0].required_traits <= tree.data(u).traits]
                    for g in groups:
                        self.assertEqual(g.resources, {a["resource_class"]: 1})
                        self.assertEqual(g.required_traits, {a["traits"]})
                    # exactly the providers of that product
                    want = {"%s_%s" % (HOST, s["address"].upper()) for s in doc["device_spec"]
                            if (s["vendor_id"], s["product_id"]) ==
                            (a["vendor_id"], a["product_id"])}
                    self.assertEqual(set(fits), want, a["name"])

    def test_a_bad_alias_is_refused_by_nova(self):
        # the check above can fail: Nova refuses an alias key it does not know
        CONF.set_override("alias", [json.dumps({"name": "x", "memory_class": "80g"})],
                          group="pci")
        self.addCleanup(CONF.clear_override, "alias", group="pci")
        self.assertRaises(exception.PciInvalidAlias, pci_request._get_alias_from_config)


if __name__ == "__main__":
    unittest.main()
