# SPDX-License-Identifier: Apache-2.0
"""AcceleratorFilter: a host passes iff some set of free devices meets the
flavor's accelerator request (device constraints, NUMA and PCIe locality),
decided for every candidate host in one call into C.

On Nova 2023.1 and later with PCI devices in Placement, each host also
carries its allocation candidates (host_state.allocation_candidates), and
the scheduler claims the first one left after the filters. The filter
puts first the candidates whose accelerator allocations are a set of
devices it would choose (its choice, or one scoring the same), and fails
a host that has none, so the claim, and the devices nova-compute
attaches, are accelsched's choice. (It orders rather than drops the
others because Nova filters the same lists again for the next instance
of a multi-instance request; so it goes last in enabled_filters.) On Zed, which
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
    """rp_uuid -> PCI address of the host's device providers, and the
    addresses of its free devices, from the PCI pools Nova's scheduler
    keeps per host: with [pci] report_in_placement each device is a pool
    of its own naming its provider and the device's (or its PF's) address,
    and a device taken by an earlier instance of the same request has left
    the pools (consumed in pci_stats, as Nova's PCI filter reads them)."""
    by_rp, free = {}, []
    stats = getattr(host_state, "pci_stats", None)
    for pool in getattr(stats, "pools", None) or ():
        rp, addr = pool.get("rp_uuid"), pool.get("address")
        if rp and addr:
            by_rp[rp] = addr
            if pool.get("count", 0) > 0:
                free.append(addr)
    return by_rp, free


def _names(host_state):
    for attr in ("host", "nodename"):
        name = getattr(host_state, attr, None)
        if isinstance(name, str):
            yield name


def _bind(table, rq, host_state):
    """Put first the host's allocation candidates whose devices accelsched
    would choose; False when there is none (the host then fails, its list
    emptied). A host
    whose PCI devices are not in Placement (no pool names a provider)
    keeps its candidates: they allocate no device Nova will attach."""
    cands = getattr(host_state, "allocation_candidates", None)
    if not cands:
        return True
    by_rp, free = _providers(host_state)
    if not by_rp:
        return True
    for name in _names(host_state):
        try:
            ok = [table.acceptable(rq, name, [by_rp[rp] for rp in c.get("allocations", {})
                                              if rp in by_rp], free)
                  for c in cands]
        except LookupError:
            continue
        keep = [c for c, y in zip(cands, ok) if y]
        # the chosen sets first: the scheduler claims the first candidate.
        # The others stay behind them, for the next instances of the same
        # request: Nova filters the same host states (and lists) again for
        # each, and its PCI filter then drops the candidates holding
        # devices an earlier instance took, before this filter picks again.
        host_state.allocation_candidates = keep + [c for c, y in zip(cands, ok) if not y] \
            if keep else []
        if not keep:
            LOG.debug("AcceleratorFilter: %s rejected: none of its %d allocation candidates "
                      "holds the devices accelsched chooses", name, len(cands))
        return bool(keep)
    return False
