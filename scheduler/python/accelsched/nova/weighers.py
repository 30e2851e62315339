# SPDX-License-Identifier: Apache-2.0
"""AcceleratorWeigher: best fit for the flavor's accelerators. With
accelsched:policy=pack (default) the smallest sufficient device memory and
the host left with the fewest free matching devices weigh most; spread the
reverse; tighter PCIe locality weighs more, utilization less. Hosts where
only degraded devices fit rank below every healthy one, hosts that do not
fit below those.

Raw weights, normalized by Nova; multiplied by nova.conf [accelsched]
weight_multiplier."""
from nova.scheduler import weights

from accelsched.nova import _shared


class AcceleratorWeigher(weights.BaseHostWeigher):

    def __init__(self):
        super().__init__()
        self._multiplier = _shared.settings().weight_multiplier

    def weight_multiplier(self, host_state):
        return self._multiplier

    def _weigh_object(self, host_state, weight_properties):
        return self.weigh_objects([_Wrapped(host_state)], weight_properties)[0]

    def weigh_objects(self, weighed_obj_list, weight_properties):
        hosts = [w.obj for w in weighed_obj_list]
        if not hosts:
            return []
        specs = _shared.extra_specs(weight_properties)
        try:
            rq = _shared.request(specs)
        except ValueError:
            return [0.0] * len(hosts)
        if not rq.active:
            return [0.0] * len(hosts)
        result = _shared.recall(weight_properties, specs)
        if result is None:
            src = _shared.source()
            src.refresh()
            result = src.table.evaluate(rq, hosts)
        # degraded hosts below every healthy one, without squeezing the
        # healthy ones (see _core.Result.nova_weights)
        return result.nova_weights(hosts)


class _Wrapped:
    def __init__(self, obj):
        self.obj = obj
