"""accelctl nova-config's lines in a running Nova 2025.1 (its functional
harness: API, conductor, scheduler, compute with fake libvirt, Placement's
fixture), [pci] report_in_placement and [filter_scheduler]
pci_in_placement on: nova-compute reports each GPU of the hgx-a100-vfio
fixture as a provider with accelsched's class and traits, and a flavor's
pci_passthrough:alias from nova-config gets GPUs allocated from those
providers and attached.

Inputs as for test_nova_config.py ($ACCEL_NOVA_CONFIG_DIR, written by make
debian13-tests). Run in the Debian 13 root from /tmp.
"""
import json
import os

from nova import context
from nova import objects
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.libvirt import test_pci_in_placement

DIR = os.environ["ACCEL_NOVA_CONFIG_DIR"]
FIXTURE = "hgx-a100-vfio"
HOST = "compute1"


def load(suffix):
    with open(os.path.join(DIR, FIXTURE + suffix)) as f:
        return json.load(f)


DOC = load(".json")
INV = load(".inventory.json")
GPUS = [d for d in INV["devices"] if d["address"] in {s["address"] for s in DOC["device_spec"]}]


def host_devices():
    """The fake libvirt host's PCI devices: the fixture's GPUs, at their
    addresses, with their ids and NUMA nodes, bound to vfio-pci."""
    info = fakelibvirt.HostPCIDevicesInfo(num_pci=0, num_pfs=0, num_vfs=0)
    for i, d in enumerate(GPUS):
        dom, bus, sf = d["address"].split(":")
        slot, fn = sf.split(".")
        assert dom == "0000"
        info.add_device(dev_type="PCI", bus=int(bus, 16), slot=int(slot, 16),
                        function=int(fn, 16), iommu_group=60 + i, numa_node=d["numa_node"],
                        vend_id=d["vendor_id"], vend_name=d["vendor_name"],
                        prod_id=d["device_id"], prod_name=d["model"], driver_name="vfio-pci")
    return info


class NovaConfigInNova(test_pci_in_placement.PlacementPCIReportingTests):
    PCI_ALIAS = [json.dumps(a) for a in DOC["alias"]]

    def setUp(self):
        super().setUp()
        self.flags(group="filter_scheduler", pci_in_placement=True)
        self.flags(group="pci", device_spec=self._to_list_of_json_str(DOC["device_spec"]))
        self.start_compute(hostname=HOST, pci_info=host_devices())
        self.assertPCIDeviceCounts(HOST, total=len(GPUS), free=len(GPUS))

    def providers(self):
        return {rp["name"]: rp["uuid"] for rp in self._get_all_rps_in_a_tree(
            self.compute_rp_uuids[HOST]) if rp["uuid"] != self.compute_rp_uuids[HOST]}

    def test_reported_with_accelscheds_description(self):
        rps = self.providers()
        self.assertEqual(sorted(rps), sorted("%s_%s" % (HOST, d["address"].upper())
                                             for d in GPUS))
        for d in GPUS:
            u = rps["%s_%s" % (HOST, d["address"].upper())]
            inv = self._get_provider_inventory(u)
            self.assertEqual(list(inv), [d["resource_class"]])
            self.assertEqual(inv[d["resource_class"]]["total"], 1)
            self.assertEqual(set(self._get_provider_traits(u)),
                             set(d["traits"]) | {"COMPUTE_MANAGED_PCI_DEVICE"})

    def test_the_alias_boots(self):
        (alias,) = DOC["alias"]
        flavor = self._create_flavor(extra_spec={"pci_passthrough:alias": "%s:2" % alias["name"]})
        server = self._create_server(flavor_id=flavor, networks=[])
        self.assertEqual(server["status"], "ACTIVE")
        rps = {u: n for n, u in self.providers().items()}
        alloc = self._get_allocations_by_server_uuid(server["id"])
        got = {rps[u][len(HOST) + 1:].lower() for u, a in alloc.items()
               if a["resources"] == {alias["resource_class"]: 1}}
        self.assertEqual(len(got), 2)
        # what Placement allocated is what nova-compute attached
        ctxt = context.get_admin_context()
        db = {d.address for d in objects.PciDeviceList.get_by_instance_uuid(ctxt, server["id"])}
        self.assertEqual(db, got)
        self.assertPCIDeviceCounts(HOST, total=len(GPUS), free=len(GPUS) - 2)
        self.assert_no_pci_healing(HOST)
