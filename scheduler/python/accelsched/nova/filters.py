# SPDX-License-Identifier: Apache-2.0
"""AcceleratorFilter: a host passes iff some set of free devices meets the
flavor's accelerator request (device constraints, NUMA and PCIe locality),
decided for every candidate host in one call into C.

On Nova 2023.1 and later with PCI devices in Placement, each host also
carries its allocation candidates (host_state.allocation_candidates), and
the scheduler claims the first one left after the filters. The filter
prunes them to those whose accelerator allocations are a set of devices
it would choose (its choice, or one scoring the same), so the claim, and
the devices nova-compute attaches, are accelsched's choice. On Zed, which
has no candidates, the choice stays the weigher's advice."""
import logging

from nova.scheduler import filters
from nova.scheduler import utils

from accelsched.nova import _shared

LOG = logging.getLogger(__name__)


class AcceleratorFilter(filters.BaseHostFilter):
    """Filter on accelerators: accelsched: extra specs and resources/traits."""

    # Device state can change between the instances of one request.
    run_filter_once_per_request = False
    RUN_ON_REBUILD = False

    def __init__(self):
        super().__init__()
        # a broken config stops nova-scheduler here, with the reason
        _shared.source()

    def filter_all(self, filter_obj_list, spec_obj):
        hosts = list(filter_obj_list)
        if utils.request_is_rebuild(spec_obj):
            return hosts
        specs = _shared.extra_specs(spec_obj)
        try:
            rq = _shared.request(specs)
        except ValueError as e:
            LOG.error("AcceleratorFilter: flavor extra specs: %s; no host can pass", e)
            return []
        if not rq.active:
            return hosts
        src = _shared.source()
        src.refresh()
        result = src.table.evaluate(rq, hosts)
        _shared.remember(spec_obj, specs, result)
        passing = result.passing()
        if any(getattr(h, "allocation_candidates", None) for h in passing):
            passing = [h for h in passing if _bind(src.table, rq, h)]
        if LOG.isEnabledFor(logging.DEBUG):
            for h in hosts:
                why = result.reason(h)
                if why:
                    LOG.debug("AcceleratorFilter: %s rejected: %s", h.host, why)
        return passing

    def host_passes(self, host_state, spec_obj):
        """One host (filter_all does them all at once)."""
        return bool(self.filter_all([host_state], spec_obj))


def _providers(host_state):
    """rp_uuid -> PCI address of the host's device providers, from the
    PCI pools Nova's scheduler keeps per host (each pool of a device in
    Placement names its provider and the device's, or its PF's, address)."""
    out = {}
    stats = getattr(host_state, "pci_stats", None)
    for pool in getattr(stats, "pools", None) or ():
        rp, addr = pool.get("rp_uuid"), pool.get("address")
        if rp and addr:
            out[rp] = addr
    return out


def _names(host_state):
    for attr in ("host", "nodename"):
        name = getattr(host_state, attr, None)
        if isinstance(name, str):
            yield name


def _bind(table, rq, host_state):
    """Keep the host's allocation candidates whose devices accelsched
    would choose; False when none is left (the host then fails)."""
    cands = getattr(host_state, "allocation_candidates", None)
    if not cands:
        return True
    by_rp = _providers(host_state)
    for name in _names(host_state):
        try:
            keep = [c for c in cands
                    if table.acceptable(rq, name, [by_rp[rp] for rp in c.get("allocations", {})
                                                   if rp in by_rp])]
        except LookupError:
            continue
        host_state.allocation_candidates = keep
        if not keep:
            LOG.debug("AcceleratorFilter: %s rejected: none of its %d allocation candidates "
                      "holds the devices accelsched chooses", name, len(cands))
        return bool(keep)
    return False
