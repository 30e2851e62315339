# SPDX-License-Identifier: Apache-2.0
"""accelsched as an OpenStack Cyborg accelerator driver.

Enabled in cyborg.conf::

    [agent]
    enabled_drivers = accelsched

    [accelsched]
    # accelsched's own configuration: [DEFAULT] host is not read from it
    # (Cyborg's host is), [discovery] sysfs_root and dev_root are
    config_file = /etc/accelsched/accelsched.conf

Cyborg's agent calls ``discover()`` every ``[agent] periodic_interval``;
its conductor diffs the result against its database and Placement.

What discover() reports, from one scan of accelsched's discovery (the C
library, through accelsched.cyborg._discovery; no subprocess, no lspci text):

- one ``DriverDevice`` per card: a PCI function that is not an SR-IOV VF,
  and not a display-only device. ``vendor`` is the PCI vendor id ("10de",
  as Cyborg's own drivers write it), ``model`` accelsched's model name,
  ``type`` GPU, FPGA or AICHIP (NPUs and other AI accelerators),
  ``std_board_info`` JSON of what accelsched knows (model, architecture,
  memory, NUMA node, PCIe link, health and its reasons, SR-IOV counts),
  ``controlpath_id`` the card's PCI address (Cyborg's PCI cpid format).
- one ``DriverDeployable`` per schedulable unit, never a PF and its VFs
  both: the card itself; or, when its VFs are enabled, each VF; or, for a
  unit that hosts mediated devices (vGPU), each of its mdev types that has
  room (``available + created``), with one MDEV attach handle per
  instance carrying the type. A unit whose mdev types have instances
  created offers only those types (a GPU runs one vGPU type at a time);
  ``[accelsched] vgpu_types`` restricts the types offered. Names are
  ``<host>_<address>`` (Cyborg's convention since Wallaby), with
  ``_<mdev type>`` for vGPU types.
- attributes: ``rc`` (exactly one: PGPU, VGPU, FPGA, CUSTOM_NPU,
  CUSTOM_ACCEL, accelsched's resource classes) and ``trait0..N``:
  OWNER_CYBORG, then accelsched's traits of the unit (vendor, product,
  model, architecture, compute capability, SR-IOV, the health trait when
  degraded), and for a vGPU type CUSTOM_ACCEL_VGPU_TYPE_<type name>.
- attach handles: Cyborg's PCI ``attach_info`` (domain, bus, device,
  function) of the unit's address; MDEV handles add ``asked_type`` and
  ``vgpu_mark``.

Health. Cyborg has no health field. A unit whose health is ``failed``
(accelsched: config space all-ones, device gone mid-scan) gets no
deployable: its card stays listed in /v2/devices with the health and the
reasons in std_board_info, but Cyborg removes the unit's deployable and
its resource provider, so nothing can be scheduled onto it or bound to
it. A degraded unit stays schedulable and carries
CUSTOM_ACCEL_HEALTH_DEGRADED, which a device profile can forbid
(``trait:CUSTOM_ACCEL_HEALTH_DEGRADED=forbidden``).

A vanished device (or a failed one) that Cyborg still has bound. Left to
itself, Cyborg's conductor (14.0.0, ``drv_device_make_diff``) deletes what
a driver no longer reports, provider first: Placement refuses to delete a
provider with allocations (409), the conductor raises
ResourceProviderInUse, and the whole report of the host is abandoned --
every cycle, so no other change on the host (an added, a removed, a
failed device) reaches Cyborg or Placement until the instance goes.
So the driver keeps what it reported last for a card that vanished or
failed while any of its deployables' providers has usage in Placement
(provider UUIDs are Cyborg's, uuid3 of the deployable name): it reports
that card as a *stub* (``DriverDevice.stub``), which the conductor leaves
as it is -- the ARQ stays bound, the allocation stays, the provider has
no free capacity (a PCI unit's total is 1). Once the instance releases
it, the next cycle reports the truth and Cyborg removes it. The driver
remembers the last report in memory: after an agent restart, a card gone
while bound is reported as gone, and Cyborg behaves as above.
"""
import json
import logging
import uuid

from oslo_config import cfg

from cyborg.accelerator.common import utils as cyborg_utils
from cyborg.accelerator.drivers.driver import GenericDriver
from cyborg.common import constants
from cyborg.objects.driver_objects import driver_attach_handle
from cyborg.objects.driver_objects import driver_attribute
from cyborg.objects.driver_objects import driver_controlpath_id
from cyborg.objects.driver_objects import driver_deployable
from cyborg.objects.driver_objects import driver_device

LOG = logging.getLogger(__name__)

DEFAULT_CONFIG = "/etc/accelsched/accelsched.conf"

opts = [
    cfg.StrOpt("config_file", default=DEFAULT_CONFIG,
               help="accelsched's configuration file; its [discovery] "
                    "sysfs_root and dev_root are used (the options below "
                    "override them). acceld's defaults are used when it is "
                    "empty, or is the default and does not exist."),
    cfg.StrOpt("sysfs_root", help="Where sysfs stands (default: the "
                                  "config file's, else /sys)."),
    cfg.StrOpt("dev_root", help="Where /dev stands (default: the config "
                                "file's, else /dev)."),
    cfg.ListOpt("vgpu_types", default=[],
                help="mdev types offered as vGPU deployables (e.g. "
                     "nvidia-699); empty: every type with room."),
]

# Cyborg's device types for accelsched's kinds; display devices are not
# reported.
DEVICE_TYPES = {
    "gpu": constants.DEVICE_GPU,
    "fpga": constants.DEVICE_FPGA,
    "npu": constants.DEVICE_AICHIP,
    "accel": constants.DEVICE_AICHIP,
}

# accelsched's health traits (common/vocab.c, accel_vocab_health_trait)
HEALTH_TRAITS = {"degraded": "CUSTOM_ACCEL_HEALTH_DEGRADED",
                 "failed": "CUSTOM_ACCEL_HEALTH_FAILED"}
OWNER_TRAIT = "OWNER_CYBORG"


def list_opts():
    return [("accelsched", opts)]


def _trait_part(text):
    """An upper-case trait name part: letters, digits and underscores."""
    out = "".join(c if c.isalnum() else "_" for c in text.upper())
    return "_".join(p for p in out.split("_") if p)


def _attributes(rc, traits):
    attrs = [driver_attribute.DriverAttribute(key="rc", value=rc)]
    for i, t in enumerate(traits):
        attrs.append(driver_attribute.DriverAttribute(key="trait%d" % i, value=t))
    return attrs


def _pci_handle(address):
    return driver_attach_handle.DriverAttachHandle(
        attach_type=constants.AH_TYPE_PCI,
        attach_info=cyborg_utils.pci_str_to_json(address), in_use=False)


def _unit_traits(dev):
    traits = [OWNER_TRAIT] + list(dev.get("traits") or [])
    health = HEALTH_TRAITS.get(dev.get("health"))
    if health and health not in traits:
        traits.append(health)
    return traits


def _mdev_types(dev, vgpu_types):
    types = [t for t in dev.get("mdev_types") or []
             if (t.get("available") or 0) + (t.get("created") or 0) > 0]
    if vgpu_types:
        types = [t for t in types if t["id"] in vgpu_types]
    used = [t for t in types if (t.get("created") or 0) > 0]
    return used or types


def _deployables(dev, host, vgpu_types):
    """The deployables of one schedulable unit (a card or a VF)."""
    if dev.get("health") == "failed" or not dev.get("resource_class"):
        return []
    address = dev["address"]
    name = "%s_%s" % (host, address)
    driver_name = (dev.get("vendor") or "accelsched").upper()
    if dev["resource_class"] != "VGPU":
        return [driver_deployable.DriverDeployable(
            name=name, num_accelerators=1, driver_name=driver_name,
            attribute_list=_attributes(dev["resource_class"], _unit_traits(dev)),
            attach_handle_list=[_pci_handle(address)])]
    deps = []
    for t in _mdev_types(dev, vgpu_types):
        n = (t.get("available") or 0) + (t.get("created") or 0)
        type_trait = "CUSTOM_ACCEL_VGPU_TYPE_" + _trait_part(t.get("name") or t["id"])
        handles = [driver_attach_handle.DriverAttachHandle(
            attach_type=constants.AH_TYPE_MDEV,
            attach_info=cyborg_utils.mdev_str_to_json(address, t["id"],
                                                       "%s_%d" % (t["id"], i)),
            in_use=False) for i in range(n)]
        deps.append(driver_deployable.DriverDeployable(
            name="%s_%s" % (name, t["id"]), num_accelerators=n,
            driver_name=driver_name,
            attribute_list=_attributes("VGPU", _unit_traits(dev) + [type_trait]),
            attach_handle_list=handles))
    return deps


def _board_info(dev, vfs):
    pcie = dev.get("pcie") or {}
    sriov = dev.get("sriov") or {}
    return {
        "address": dev["address"],
        "vendor_id": dev.get("vendor_id"),
        "product_id": dev.get("device_id"),
        "vendor_name": dev.get("vendor_name"),
        "model": dev.get("model"),
        "architecture": dev.get("architecture"),
        "memory_mb": dev.get("memory_mb"),
        "numa_node": dev.get("numa_node"),
        "cpu_affinity": dev.get("cpu_affinity"),
        "pcie": {k: pcie.get(k) for k in ("speed", "width", "max_speed", "max_width")},
        "compute_capability": dev.get("compute_capability"),
        "driver": dev.get("driver"),
        "health": dev.get("health"),
        "health_reasons": dev.get("health_reasons") or [],
        "sriov": {"total_vfs": sriov.get("total_vfs"), "num_vfs": sriov.get("num_vfs"),
                  "vfs_reported": len(vfs)},
        "source": "accelsched",
    }


def devices_from_inventory(inv, host, vgpu_types=()):
    """Cyborg's DriverDevice objects for an accelsched inventory (the dict
    of an accelsched.inventory/v1 document); `host` names deployables."""
    devs = inv.get("devices") or []
    by_addr = {d["address"]: d for d in devs}
    vfs_of = {}
    for d in devs:
        pf = (d.get("sriov") or {}).get("physfn")
        if pf and pf in by_addr:
            vfs_of.setdefault(pf, []).append(d)
    out = []
    for d in devs:
        kind = DEVICE_TYPES.get(d.get("kind"))
        pf = (d.get("sriov") or {}).get("physfn")
        if kind is None or (pf and pf in by_addr):
            continue  # display devices; VFs are their card's units
        vfs = vfs_of.get(d["address"], [])
        deps = []
        if d.get("health") != "failed":
            for unit in vfs or [d]:
                deps.extend(_deployables(unit, host, vgpu_types))
        out.append(driver_device.DriverDevice(
            vendor=d.get("vendor_id") or "unknown",
            model=d.get("model") or "unknown",
            type=kind,
            std_board_info=json.dumps(_board_info(d, vfs), sort_keys=True),
            vendor_board_info=json.dumps({"vendor": d.get("vendor"),
                                          "schema": inv.get("schema")}, sort_keys=True),
            controlpath_id=driver_controlpath_id.DriverControlPathID(
                cpid_type=constants.CPID_TYPE_PCI,
                cpid_info=cyborg_utils.pci_str_to_json(d["address"])),
            deployable_list=deps,
            stub=False))
    return out


class AccelschedDriver(GenericDriver):
    """accelsched's discovery for Cyborg's agent."""

    def __init__(self, conf=None):
        if conf is None:
            from cyborg.conf import CONF as conf
        conf.register_opts(opts, group="accelsched")
        self.conf = conf
        self._last = {}  # cpid_info -> the DriverDevice last reported
        self._placement = None

    def _scan(self):
        import os

        from accelsched.cyborg import _discovery

        c = self.conf.accelsched
        # the default file is optional (acceld's defaults then); a file named
        # by the operator must exist; "" means defaults
        path = c.config_file if c.config_file and os.path.exists(c.config_file) else None
        if path is None and c.config_file and c.config_file != DEFAULT_CONFIG:
            raise ValueError("[accelsched] config_file %s does not exist: write it or "
                             "leave the option out" % c.config_file)
        inv = json.loads(_discovery.scan(
            config=path, sysfs_root=c.sysfs_root, dev_root=c.dev_root, host=self.conf.host,
            on_warning=lambda where, what: LOG.warning("accelsched: %s: %s", where, what)))
        # what discovery could not read (each names its sysfs path)
        for w in inv.get("warnings") or ():
            LOG.warning("accelsched: discovery: %s: %s", w.get("path"), w.get("message"))
        return inv

    def discover(self):
        inv = self._scan()
        devs = devices_from_inventory(inv, self.conf.host, self.conf.accelsched.vgpu_types)
        devs = self._keep_in_use(devs)
        LOG.info("accelsched: %d devices, %d deployables, %d kept as stubs while in use",
                 len(devs), sum(len(d.deployable_list) for d in devs),
                 sum(1 for d in devs if d.stub))
        return devs

    def _keep_in_use(self, devs):
        """Report a card that vanished or lost deployables since the last
        report as it was then (a stub) while Placement has usage on one of
        its deployables' providers."""
        new = {d.controlpath_id.cpid_info: d for d in devs}
        out = list(devs)
        for cpid, old in self._last.items():
            cur = new.get(cpid)
            kept = {dep.name for dep in cur.deployable_list} if cur else set()
            lost = [dep.name for dep in old.deployable_list if dep.name not in kept]
            if not lost or not any(self._in_use(n) for n in lost):
                continue
            LOG.warning("accelsched: %s %s while bound; reported unchanged until released",
                        json.loads(old.std_board_info).get("address"),
                        "failed or changed" if cur else "vanished")
            stub = driver_device.DriverDevice.obj_from_primitive(old.obj_to_primitive())
            stub.stub = True
            out = [d for d in out if d.controlpath_id.cpid_info != cpid] + [stub]
        # what Cyborg holds now: a stub stands for its last real report
        self._last = {d.controlpath_id.cpid_info: (self._last[d.controlpath_id.cpid_info]
                                                   if d.stub else d) for d in out}
        return out

    def _in_use(self, deployable_name):
        """Whether Placement has usage on the provider Cyborg made for a
        deployable (its UUID is uuid3 of the name, conductor/manager.py)."""
        if self._placement is None:
            from cyborg.common import placement_client
            self._placement = placement_client.PlacementClient()
        rp = str(uuid.uuid3(uuid.NAMESPACE_DNS, deployable_name))
        try:
            r = self._placement.get("/resource_providers/%s/usages" % rp)
        except Exception as e:  # Placement unreachable: keep the card this cycle
            LOG.warning("accelsched: usages of provider %s (%s): %s", rp, deployable_name, e)
            return True
        if r is None or r.status_code == 404:
            return False
        if r.status_code != 200:
            # unknown: keep the card rather than have Cyborg fail the report
            LOG.warning("accelsched: usages of provider %s (%s): HTTP %d", rp,
                        deployable_name, r.status_code)
            return True
        return any(v > 0 for v in (r.json().get("usages") or {}).values())

    def update(self, control_path, image_path):
        """Firmware updates are not accelsched's."""
        return False

    def get_stats(self):
        """Utilization (percent) per PCI address where discovery read it."""
        return {d["address"]: {"utilization": d.get("utilization"), "health": d.get("health")}
                for d in self._scan().get("devices") or []
                if d.get("kind") in DEVICE_TYPES}
