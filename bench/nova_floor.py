# SPDX-License-Identifier: Apache-2.0
"""The floor of bench_nova: a filter and a weigher that do no work, only
hand back answers computed before the clock starts (the hosts that pass,
their weights). Timed through Nova's HostFilterHandler and
HostWeightHandler, they measure the handlers' own per-host bookkeeping,
which every filter and weigher pays: the least any pair can cost there."""
from nova.scheduler import filters
from nova.scheduler import weights


class FloorFilter(filters.BaseHostFilter):
    passing = []

    def filter_all(self, filter_obj_list, spec_obj):
        return FloorFilter.passing

    def host_passes(self, host_state, spec_obj):
        return True


class FloorWeigher(weights.BaseHostWeigher):
    weights = []

    def weigh_objects(self, weighed_obj_list, weight_properties):
        return FloorWeigher.weights

    def _weigh_object(self, host_state, weight_properties):
        return 0.0
