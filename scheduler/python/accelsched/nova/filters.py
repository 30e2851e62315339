# SPDX-License-Identifier: Apache-2.0
"""AcceleratorFilter: a host passes iff some set of free devices meets the
flavor's accelerator request (device constraints, NUMA and PCIe locality),
decided for every candidate host in one call into C."""
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
        if LOG.isEnabledFor(logging.DEBUG):
            for h in hosts:
                why = result.reason(h)
                if why:
                    LOG.debug("AcceleratorFilter: %s rejected: %s", h.host, why)
        return passing

    def host_passes(self, host_state, spec_obj):
        """One host (filter_all does them all at once)."""
        return bool(self.filter_all([host_state], spec_obj))
