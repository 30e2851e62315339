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
from nova.scheduler import filters as nova_filters
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


# the PIX pairs, lowest address first: (81, 85), (82, 86), (83, 87), (84, 88)
_PAIRS = [sorted(p) for p in sorted(eightgpu.pix_pairs(), key=min)]


class AddressOrder(nova_filters.BaseHostFilter):
    """Placement's order of a host's allocation candidates follows Python
    sets of providers with random UUIDs: it changes from run to run. This
    test filter, first in the chain of both runs, puts them in the order
    of their devices' addresses (lowest first, a plain first fit), so that
    what Nova claims without accelsched is known: GPUs 0 and 1, under two
    switches."""
    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        by_rp = {p["rp_uuid"]: p["address"] for p in host_state.pci_stats.pools
                 if p.get("rp_uuid")}
        host_state.allocation_candidates = sorted(
            host_state.allocation_candidates,
            key=lambda c: sorted(by_rp[rp] for rp in c["allocations"] if rp in by_rp))
        return True


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
    HEALTH = {}   # address -> "failed" / "degraded", in accelsched's inventory
    UTILIZATION = {}  # address -> percent, in accelsched's inventory

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-nova31-")
        self.addCleanup(shutil.rmtree, self.tmp)
        hosts = os.path.join(self.tmp, "hosts")
        os.makedirs(hosts)
        eightgpu.write(os.path.join(hosts, HOST + ".json"), HOST, health=self.HEALTH,
                       utilization=self.UTILIZATION)
        _shared.reset()
        self.addCleanup(_shared.reset)
        accel_conf.register_opts(CONF)
        self.flags(state_source="dir:" + hosts, refresh_interval=0, group="accelsched")
        self.flags(available_filters=["nova.scheduler.filters.all_filters", FILTER,
                                      __name__ + ".AddressOrder"],
                   group="filter_scheduler")
        self.ADDITIONAL_FILTERS = ["AddressOrder"] + self.ADDITIONAL_FILTERS
        if self.ACCELSCHED:
            # by dotted path, after Nova's PCI filter, as README says
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

    def boot_many(self, specs, count, n_gpus=2):
        """count servers in one request (min_count), all ACTIVE."""
        extra = dict(specs, **{"pci_passthrough:alias": "gpu:%d" % n_gpus})
        body = self._build_server(flavor_id=self._create_flavor(extra_spec=extra),
                                  networks="none")
        body["min_count"] = str(count)
        self.api.post_server({"server": body})
        servers = self.api.get_servers(detail=False)
        self.assertEqual(len(servers), count)
        return [self._wait_for_state_change(s, "ACTIVE") for s in servers]

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


    def test_four_gpus_on_one_socket(self):
        # the count is the alias's (gpu:4), stated once
        server = self.boot({"accelsched:kind": "gpu", "accelsched:numa": "strict"}, n_gpus=4)
        got = self.attached(server)
        self.assertEqual(len(got), 4)
        self.assertTrue(eightgpu.same_socket(got), got)
        self.assert_no_pci_healing(HOST)


class TwoServersInOneRequest(_EightGPUServer):
    microversion = "2.37"   # networks "none"
    # utilization ranks the pairs: the first is the one best choice, and
    # after the first instance took it, the second is
    UTILIZATION = {a: 10 * k for k, p in enumerate(_PAIRS) for a in p}

    def test_disjoint_pix_pairs(self):
        servers = self.boot_many({"accelsched:count": "2", "accelsched:kind": "gpu",
                                  "accelsched:p2p": "PIX"}, 2)
        got = [self.attached(s) for s in servers]
        self.assertCountEqual(got, [set(_PAIRS[0]), set(_PAIRS[1])])
        self.assertPCIDeviceCounts(HOST, total=8, free=4)
        self.assert_no_pci_healing(HOST)


class FailedNeverDegradedLast(_EightGPUServer):
    # a failed GPU in the first pair, a degraded one in the next two: the
    # last pair is the only healthy one
    HEALTH = {_PAIRS[0][0]: "failed", _PAIRS[1][1]: "degraded", _PAIRS[2][0]: "degraded"}

    def test_the_healthy_pair(self):
        got = self.attached(self.boot({"accelsched:p2p": "PIX"}))
        self.assertEqual(got, set(_PAIRS[3]))


class DegradedWhenNothingHealthyFits(_EightGPUServer):
    # every pair has a failed or degraded GPU; the failed one's pair never
    HEALTH = {_PAIRS[0][0]: "failed", _PAIRS[1][1]: "degraded", _PAIRS[2][0]: "degraded",
              _PAIRS[3][1]: "degraded"}

    def test_a_degraded_pair_not_the_failed_one(self):
        got = self.attached(self.boot({"accelsched:p2p": "PIX"}))
        self.assertIn(got, [set(p) for p in _PAIRS[1:]])


class CountStatedTwice(_EightGPUServer):

    def test_a_count_other_than_the_alias_is_refused(self):
        # accelsched:count 3 against gpu:2: no host, and the scheduler's
        # log names both
        flavor = self._create_flavor(extra_spec={"pci_passthrough:alias": "gpu:2",
                                                 "accelsched:count": "3"})
        server = self._create_server(flavor_id=flavor, networks=[], expected_state="ERROR")
        self.assertIn("No valid host", server["fault"]["message"])
        self.assertIn("accelsched:count: 3 devices, but pci_passthrough:alias asks for "
                      "'gpu:2'", self.stdlog.logger.output)
        self.assertPCIDeviceCounts(HOST, total=8, free=8)


class NovaAloneAttachesAnotherPair(_EightGPUServer):
    ACCELSCHED = False

    def test_two_gpus_across_switches(self):
        server = self.boot({"accelsched:count": "2", "accelsched:kind": "gpu",
                             "accelsched:p2p": "PIX"})
        self.assertEqual(server["status"], "ACTIVE")
        got = self.attached(server)
        self.assertEqual(len(got), 2)
        self.assertFalse(eightgpu.same_switch(got), got)

    def test_four_gpus_across_sockets(self):
        got = self.attached(self.boot({"accelsched:numa": "strict"}, n_gpus=4))
        self.assertEqual(len(got), 4)
        self.assertFalse(eightgpu.same_socket(got), got)

    def test_the_failed_gpus_pair(self):
        # what FailedNeverDegradedLast's host would get from Nova alone: the
        # first candidate, which holds the GPU accelsched knows has failed
        got = self.attached(self.boot({"accelsched:p2p": "PIX"}))
        self.assertIn(_PAIRS[0][0], got)
