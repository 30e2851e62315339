# SPDX-License-Identifier: Apache-2.0
"""Validators of the accelsched: extra specs for Nova's API, registered
through the nova.api.extra_spec_validators entry point. The check itself
is the scheduler core's, so the API refuses exactly what the filter would.
"""
import dataclasses

from nova.api.validation.extra_specs import base
from nova import exception

from accelsched import _core


@dataclasses.dataclass
class AccelschedValidator(base.ExtraSpecValidator):

    def validate(self, name, value):
        super().validate(name, value)
        try:
            _core.validate(name, value)
        except ValueError as e:
            raise exception.ValidationError("Validation failed; %s." % e)


def _v(key, description, value):
    return AccelschedValidator(name="accelsched:" + key, description=description,
                               value=value)


VALIDATORS = [
    _v("kind", "The kind of accelerator.",
       {"type": str, "enum": ["gpu", "fpga", "npu", "accel"]}),
    _v("vendor", "The vendor: the inventory's short name (nvidia, amd, intel, xilinx, "
       "habana, huawei) or the PCI vendor id (10de).", {"type": str}),
    _v("model", "The model, a case-insensitive glob ('A100*').", {"type": str}),
    _v("count", "How many devices (default: the resources amount, else 1).",
       {"type": int, "min": 1, "max": 16}),
    _v("min_memory_mb", "Device memory at least this many MiB.", {"type": int, "min": 0}),
    _v("min_compute_capability", "CUDA compute capability at least this (8.0).",
       {"type": str, "pattern": r"[0-9]{1,3}\.[0-9]{1,2}"}),
    _v("numa", "All chosen devices on one NUMA node: strict, preferred or any.",
       {"type": str, "enum": ["strict", "preferred", "any"]}),
    _v("p2p", "The worst PCIe link class allowed between any two chosen devices.",
       {"type": str, "enum": ["PIX", "PXB", "PHB", "NODE", "SYS"]}),
    _v("policy", "pack: the smallest device that fits; spread: the largest.",
       {"type": str, "enum": ["pack", "spread"]}),
    _v("max_utilization", "Only devices at most this busy (percent; devices without "
       "telemetry pass).", {"type": int, "min": 0, "max": 100}),
]


def register():
    return VALIDATORS
