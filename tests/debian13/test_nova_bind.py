"""accelsched's choice is what Nova 2025.1 allocates and attaches, in
Nova's own functional harness: the real API, conductor, scheduler and
compute, Placement's fixture, fake libvirt with PCI devices, PCI devices
in Placement ([pci] report_in_placement, [filter_scheduler]
pci_in_placement).

The compute is tests/nova/eightgpu.py's server: 8 GPUs, two sockets, two
switches per socket, GPU i under one switch with GPU i + 4; accelsched's
state is that server's inventory in a dir: state source. A flavor asks
for 2 GPUs through a PCI alias and for accelsched:p2p=PIX: with
accelsched's filter the two GPUs Placement allocates and nova-compute
attaches (the instance's PCI devices, the domain's hostdevs) are under
one switch; without it Nova attaches its first candidate, a cross-switch
pair.

Run in the Debian 13 root (make debian13-tests) with
PYTHONPATH=/src/build/debian13/python:/src/tests/nova.
"""
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET

from oslo_config import cfg
from oslo_serialization import jsonutils

from nova import context
from nova import objects
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.libvirt import test_pci_in_placement

import eightgpu
from accelsched.nova import _shared
from accelsched.nova import conf as accel_conf

CONF = cfg.CONF
FILTER = "accelsched.nova.filters.AcceleratorFilter"
WEIGHER = "accelsched.nova.weighers.AcceleratorWeigher"
HOST = "compute1"
RC = "CUSTOM_PCI_%s_%s" % (eightgpu.VENDOR_ID.upper(), eightgpu.PRODUCT_ID.upper())
GPU_ALIAS = {"vendor_id": eightgpu.VENDOR_ID, "product_id": eightgpu.PRODUCT_ID,
             "device_type": "type-PCI", "name": "gpu"}


def eight_gpus():
    """The fake libvirt host's PCI devices: eightgpu's addresses and NUMA
    nodes."""
    info = fakelibvirt.HostPCIDevicesInfo(num_pci=0, num_pfs=0, num_vfs=0)
    for i in range(eightgpu.N_GPUS):
        info.add_device(dev_type="PCI", bus=eightgpu.BUS0 + i, slot=0, function=0,
                        iommu_group=40 + i, numa_node=eightgpu.socket_of(i),
                        vend_id=eightgpu.VENDOR_ID, vend_name="NVIDIA Corporation",
                        prod_id=eightgpu.PRODUCT_ID, prod_name="A100 80GB PCIe",
                        driver_name="vfio-pci")
    return info


class _EightGPUServer(test_pci_in_placement.PlacementPCIReportingTests):
    PCI_ALIAS = [jsonutils.dumps(GPU_ALIAS)]
    ACCELSCHED = True

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-nova31-")
        self.addCleanup(shutil.rmtree, self.tmp)
        hosts = os.path.join(self.tmp, "hosts")
        os.makedirs(hosts)
        eightgpu.write(os.path.join(hosts, HOST + ".json"), HOST)
        _shared.reset()
        self.addCleanup(_shared.reset)
        accel_conf.register_opts(CONF)
        self.flags(state_source="dir:" + hosts, refresh_interval=0, group="accelsched")
        if self.ACCELSCHED:
            # by dotted path, after Nova's PCI filter, as README says
            self.flags(available_filters=["nova.scheduler.filters.all_filters", FILTER],
                       group="filter_scheduler")
            self.ADDITIONAL_FILTERS = self.ADDITIONAL_FILTERS + ["AcceleratorFilter"]
            self.flags(weight_classes=["nova.scheduler.weights.all_weighers", WEIGHER],
                       group="filter_scheduler")
        super().setUp()
        self.flags(group="filter_scheduler", pci_in_placement=True)
        self.flags(group="pci", device_spec=self._to_list_of_json_str(
            [{"vendor_id": eightgpu.VENDOR_ID, "product_id": eightgpu.PRODUCT_ID}]))
        self.start_compute(hostname=HOST, pci_info=eight_gpus())
        self.assertPCIDeviceCounts(HOST, total=8, free=8)

    def boot(self, specs, n_gpus=2):
        extra = dict(specs, **{"pci_passthrough:alias": "gpu:%d" % n_gpus})
        flavor = self._create_flavor(extra_spec=extra)
        return self._create_server(flavor_id=flavor, networks=[])

    def attached(self, server):
        """The server's GPUs three ways, which must agree: the instance's
        PCI devices in Nova's DB, the domain XML's hostdevs, and the device
        providers of its Placement allocation."""
        ctxt = context.get_admin_context()
        db = {d.address for d in objects.PciDeviceList.get_by_instance_uuid(ctxt, server["id"])}
        conn = self.computes[HOST].driver._host.get_connection()
        dom = conn.lookupByUUIDString(server["id"])
        xml = {"%04x:%02x:%02x.%x" % tuple(int(a.get(k), 16) for k in
                                           ("domain", "bus", "slot", "function"))
               for a in ET.fromstring(dom.XMLDesc(0)).findall("./devices/hostdev/source/address")}
        rps = {rp["uuid"]: rp["name"] for rp in self._get_all_rps_in_a_tree(
            self.compute_rp_uuids[HOST])}
        alloc = {rps[u][len(HOST) + 1:].lower()
                 for u, a in self._get_allocations_by_server_uuid(server["id"]).items()
                 if RC in a["resources"]}
        self.assertEqual(db, xml)
        self.assertEqual(db, alloc)
        return db


class AccelschedChoiceIsAttached(_EightGPUServer):

    def test_two_gpus_under_one_switch(self):
        server = self.boot({"accelsched:count": "2", "accelsched:kind": "gpu",
                             "accelsched:p2p": "PIX"})
        self.assertEqual(server["status"], "ACTIVE")
        got = self.attached(server)
        self.assertEqual(len(got), 2)
        self.assertIn(got, eightgpu.pix_pairs())
        self.assertPCIDeviceCounts(HOST, total=8, free=6)
        self.assert_no_pci_healing(HOST)


class NovaAloneAttachesAnotherPair(_EightGPUServer):
    ACCELSCHED = False

    def test_two_gpus_across_switches(self):
        server = self.boot({"accelsched:count": "2", "accelsched:kind": "gpu",
                             "accelsched:p2p": "PIX"})
        self.assertEqual(server["status"], "ACTIVE")
        got = self.attached(server)
        self.assertEqual(len(got), 2)
        self.assertFalse(eightgpu.same_switch(got), got)
