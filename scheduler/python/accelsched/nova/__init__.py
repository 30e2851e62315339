# SPDX-License-Identifier: Apache-2.0
"""The Nova plugin: AcceleratorFilter, AcceleratorWeigher and the
validators of the accelsched: extra specs.

In nova.conf, as an operator configures it:

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = accelsched.nova.filters.AcceleratorFilter
    enabled_filters = ...,AcceleratorFilter
    weight_classes = nova.scheduler.weights.all_weighers
    weight_classes = accelsched.nova.weighers.AcceleratorWeigher

    [accelsched]
    state_source = dir:/var/lib/accelsched/hosts
    refresh_interval = 10
    weight_multiplier = 1.0

The [accelsched] options are registered with oslo.config
(accelsched.nova.conf; etc/nova.conf.accelsched.sample).
"""
