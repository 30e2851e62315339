"""Run Nova's own scheduler filters and weighers in-process, over many hosts.

Just enough of Nova 26 (Zed) is set up to call the real filter and weight
handlers the way nova.scheduler.manager does: no config files, database,
RPC or placement. Only what a filter or weigher reads is faked, and it is
faked with Nova's real objects (HostState, PciDeviceStats, RequestSpec,
Flavor, InstancePCIRequests), built the way Nova builds them.

Run with Debian's interpreter, /usr/bin/python3 (python3-nova).

    fh, wh, filters, weighers = setup_nova(
        ["PciPassthroughFilter"], ["PCIWeigher", "RAMWeigher"],
        aliases=[{"name": "a100", "vendor_id": "10de", "product_id": "20b5",
                  "device_type": "type-PCI"}])
    hosts, invs = make_host_states(inventories, 1000)
    spec = make_request_spec({}, [("a100", 1)])
    best, t_filter, t_weigh = run(fh, filters, wh, weighers, hosts, spec)

Nova quirks this module works around (all verified against Nova 26.2):
* nova.conf registers every option when imported; CONF([]) is not needed to
  read or override them, and not calling it means no config file is read.
* available_filters is a MultiStrOpt and enabled_filters holds class names
  only; a filter outside nova.scheduler.filters must be added to the former.
* [pci] alias is a list of JSON strings, parsed lazily (on every request) by
  nova.pci.request._get_alias_from_config; "device_type" becomes the request
  spec's "dev_type". Aliases sharing a name are ORed, and must then all give
  a device_type (Nova reads aliases[name][1][0]['dev_type'] unguarded).
* The scheduler never sees PciDevice objects: it rebuilds PciDeviceStats from
  the compute node's PciDevicePoolList (HostState._update_from_compute_node),
  with dev_type kept as a pool tag. We do the same.
"""

import datetime
import gc
import json
import os
import random
import time
import uuid

import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import pci_device_pool
from nova.pci import request as pci_request
from nova.pci import stats as pci_stats
from nova.scheduler import filters as nova_filters
from nova.scheduler import host_manager
from nova.scheduler import weights as nova_weights

CONF = nova.conf.CONF
ALL_FILTERS = "nova.scheduler.filters.all_filters"
CELL_UUID = "8c6b3bc8-51c1-4bf4-8b6f-3b4fa2f0d1c5"   # one fake cell for all
_NS = uuid.UUID("5f2a6a43-5d3e-4bb2-9d0f-acce15c4ed01")  # for uuid5 names

objects.register_all()     # once, at import: Nova's object registry
_overrides = []            # (name, group) pairs set by the last setup_nova


def nova_version():
    """The installed Nova's version string, e.g. "26.2.2"."""
    from nova import version
    return version.version_string()


def _override(name, value, group):
    CONF.set_override(name, value, group)
    _overrides.append((name, group))


def _weigher_path(name):
    """A weigher's dotted path; a bare class name is looked up in Nova's."""
    if "." in name:
        return name
    for cls in nova_weights.HostWeightHandler().get_all_classes():
        if cls.__name__ == name:
            return "%s.%s" % (cls.__module__, cls.__name__)
    raise exception.ClassNotFound(class_name=name, exception="no such weigher")


def setup_nova(filters, weighers, aliases=(), extra_conf=None):
    """Configure nova.conf.CONF and load filters and weighers as Nova does.

    filters: class names of Nova's filters ("PciPassthroughFilter") or
        dotted paths of others ("pkg.mod.MyFilter", added to
        available_filters next to Nova's all_filters).
    weighers: dotted class paths as an operator writes weight_classes, or
        bare class names of Nova's weighers ("RAMWeigher").
    aliases: [pci] alias dicts (name, vendor_id, product_id, device_type,
        numa_policy), stored as the JSON strings Nova expects.
    extra_conf: {"group.option": value} ("DEFAULT.option" for the default
        group), e.g. {"filter_scheduler.ram_weight_multiplier": 2.0}.
        Weigher multipliers are left at Nova's defaults otherwise.

    May be called again with other settings: the previous call's overrides
    are cleared first. Returns (filter_handler, weight_handler,
    filter_objs, weigher_objs), the last two being instances, in order.
    """
    while _overrides:
        CONF.clear_override(*_overrides.pop())
    if any(k.startswith("accelsched.") for k in extra_conf or {}):
        # nova.conf [accelsched]: registered as the plugin registers it
        from accelsched.nova import conf as accel_conf
        accel_conf.register_opts(CONF)

    available, enabled = [ALL_FILTERS], []
    for f in filters:
        if "." in f:
            available.append(f)
        enabled.append(f.rsplit(".", 1)[-1])
    _override("available_filters", available, "filter_scheduler")
    _override("enabled_filters", enabled, "filter_scheduler")
    _override("weight_classes", [_weigher_path(w) for w in weighers],
              "filter_scheduler")
    _override("alias", [json.dumps(a) for a in aliases], "pci")
    for key, value in (extra_conf or {}).items():
        group, name = key.rsplit(".", 1)
        _override(name, value, None if group == "DEFAULT" else group)
    pci_request._get_alias_from_config()   # raises PciInvalidAlias now

    # HostManager.__init__ and _choose_host_filters, without the DB parts.
    filter_handler = nova_filters.HostFilterHandler()
    filter_classes = filter_handler.get_matching_classes(
        CONF.filter_scheduler.available_filters)
    cls_map = {cls.__name__: cls for cls in filter_classes}
    bad = [n for n in CONF.filter_scheduler.enabled_filters
           if n not in cls_map]
    if bad:
        raise exception.SchedulerHostFilterNotFound(filter_name=", ".join(bad))
    obj_map = {}   # like filter_obj_map: one instance per name
    filter_objs = [obj_map.setdefault(n, cls_map[n]())
                   for n in CONF.filter_scheduler.enabled_filters]

    weight_handler = nova_weights.HostWeightHandler()
    weigher_objs = [cls() for cls in weight_handler.get_matching_classes(
        CONF.filter_scheduler.weight_classes)]
    return filter_handler, weight_handler, filter_objs, weigher_objs


def _dev_type(dev, sriov_types):
    """Nova's dev_type for an inventory device.

    With sriov_types, as Nova's libvirt driver reports them: a VF is
    type-VF, a PF with VFs enabled type-PF. Otherwise every device is a
    plain type-PCI one, as accelsched itself treats them.
    """
    sriov = dev.get("sriov") or {}
    if sriov_types and sriov.get("physfn"):
        return "type-VF"
    if sriov_types and (sriov.get("num_vfs") or 0) > 0:
        return "type-PF"
    return "type-PCI"


def inventory_pools(inventory, sriov_types=False):
    """The pci_stats pools a compute node would report for an inventory.

    One pool per (vendor_id, product_id, numa_node, dev_type) with a count,
    for the devices that have a resource_class and are neither in use nor
    failed. Dicts in the form ComputeNode.pci_device_pools is built from.
    """
    counts = {}
    for dev in inventory["devices"]:
        if (not dev.get("resource_class") or dev.get("in_use") is True
                or dev.get("health") == "failed"):
            continue
        key = ("%04x" % int(dev["vendor_id"], 16),
               "%04x" % int(dev["device_id"], 16),
               dev.get("numa_node"), _dev_type(dev, sriov_types))
        counts[key] = counts.get(key, 0) + 1
    return [{"vendor_id": v, "product_id": p, "numa_node": n,
             "dev_type": t, "count": c}
            for (v, p, n, t), c in sorted(counts.items(), key=str)]


def make_host_states(inventories, n_hosts, seed=0, sriov_types=False):
    """n_hosts HostStates "host00000"... cycling through inventories.

    Compute fields are set as HostState._update_from_compute_node sets them
    from a ComputeNode, with RAM, vCPU and disk usage drawn from
    random.Random(seed) so that RAMWeigher has something to rank.
    Returns (host_states, used) where used[i] is the inventory dict of
    host_states[i] (write it out with write_host_inventories).
    """
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.timezone.utc)
    service = {"disabled": False, "disabled_reason": None, "forced_down":
               False, "binary": "nova-compute", "created_at": now,
               "updated_at": now, "last_seen_up": now}
    pools = [pci_device_pool.from_pci_stats(inventory_pools(inv, sriov_types))
             for inv in inventories]
    hosts, used = [], []
    for i in range(n_hosts):
        k = i % len(inventories)
        name = "host%05d" % i
        hs = host_manager.HostState(name, name, CELL_UUID)
        hs.uuid = str(uuid.uuid5(_NS, name))
        ram = rng.choice((256, 512, 1024, 2048)) * 1024
        hs.total_usable_ram_mb = ram
        hs.free_ram_mb = int(ram * rng.uniform(0.05, 0.95))
        hs.ram_allocation_ratio = 1.0
        hs.vcpus_total = rng.choice((64, 128, 256))
        hs.vcpus_used = rng.randint(0, hs.vcpus_total // 2)
        hs.cpu_allocation_ratio = 4.0
        hs.total_usable_disk_gb = 3800
        hs.disk_mb_used = rng.randint(0, 2000) * 1024
        hs.free_disk_mb = hs.total_usable_disk_gb * 1024 - hs.disk_mb_used
        hs.disk_allocation_ratio = 1.0
        hs.num_instances = rng.randint(0, 20)
        hs.host_ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        hs.hypervisor_type, hs.hypervisor_version = "QEMU", 7002000
        hs.hypervisor_hostname = name
        hs.supported_instances = [["x86_64", "kvm", "hvm"]]
        hs.stats, hs.limits, hs.aggregates, hs.instances = {}, {}, [], {}
        hs.metrics = objects.MonitorMetricList(objects=[])
        hs.service = host_manager.ReadOnlyDict(dict(service, host=name))
        hs.updated = now
        hs.numa_topology = None
        # What the scheduler does with compute.pci_device_pools:
        hs.pci_stats = pci_stats.PciDeviceStats(hs.numa_topology,
                                                stats=pools[k])
        hosts.append(hs)
        used.append(inventories[k])
    return hosts, used


def write_host_inventories(host_states, used, directory):
    """Write used[i] as <directory>/<host>.json, its "host" renamed."""
    os.makedirs(directory, exist_ok=True)
    for hs, inv in zip(host_states, used):
        with open(os.path.join(directory, hs.host + ".json"), "w") as f:
            json.dump(dict(inv, host=hs.host), f)


def make_request_spec(extra_specs, pci_alias_requests=(), memory_mb=8192,
                      vcpus=4, root_gb=40):
    """A RequestSpec as nova-api builds it for a one-instance boot.

    pci_alias_requests: (alias_name, count) pairs, added to the flavor as
    "pci_passthrough:alias" (after any the extra specs already hold) and
    turned into InstancePCIRequests by Nova's get_pci_requests_from_flavor.
    """
    extra_specs = dict(extra_specs)
    wanted = ["%s:%d" % (a, n) for a, n in pci_alias_requests]
    if wanted:
        old = extra_specs.get("pci_passthrough:alias")
        extra_specs["pci_passthrough:alias"] = ",".join(
            ([old] if old else []) + wanted)
    flavor = objects.Flavor(
        id=1, flavorid="accelsched-bench", name="accelsched-bench",
        memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb, ephemeral_gb=0,
        swap=0, rxtx_factor=1.0, vcpu_weight=0, disabled=False,
        is_public=True, description=None, extra_specs=extra_specs)
    # is_admin given: left None, RequestContext asks oslo.policy, which
    # needs CONF() to have parsed a command line first.
    ctx = nova_context.RequestContext(user_id="bench-user",
                                      project_id="bench-project",
                                      is_admin=False)
    pci_requests = pci_request.get_pci_requests_from_flavor(flavor)
    # compute.api.API._provision_instances does this, then sets is_bfv.
    spec = objects.RequestSpec.from_components(
        ctx, str(uuid.uuid4()), {"properties": {}}, flavor, None,
        pci_requests, {}, None, None)
    spec.is_bfv = False
    return spec


def run(filter_handler, filter_objs, weight_handler, weigher_objs,
        host_states, spec, no_gc=False):
    """Filter then weigh, as SchedulerManager._get_sorted_hosts does.

    Returns (weighed_hosts_best_first, t_filter_s, t_weigh_s). The
    WeighedHost list is Nova's own, sorted by get_weighed_objects. Nova's
    HostManager.get_filtered_hosts only adds ignore/force host handling,
    which make_request_spec leaves unset.

    no_gc: collect first and keep Python's cyclic garbage collector off
    while timing, as timeit does: with tens of thousands of HostStates
    alive, a collection that happens to fall inside one run costs more
    than a whole accelsched request.
    """
    if no_gc:
        gc.collect()
        gc.disable()
    try:
        t0 = time.perf_counter()
        hosts = filter_handler.get_filtered_objects(filter_objs, host_states,
                                                    spec, index=0)
        t1 = time.perf_counter()
        weighed = weight_handler.get_weighed_objects(
            weigher_objs, hosts or [], spec) if hosts else []
        t2 = time.perf_counter()
    finally:
        if no_gc:
            gc.enable()
    return weighed, t1 - t0, t2 - t1
