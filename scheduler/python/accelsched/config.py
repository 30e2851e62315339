# SPDX-License-Identifier: Apache-2.0
"""The Nova plugin's settings, as read from nova.conf [accelsched] by
accelsched.nova.conf (oslo.config). acceld's accelsched.conf is C's to
parse (common/config.c) and is not read from Python: one parser per file.
"""


class ConfigError(Exception):
    pass


class SchedulerConfig:
    """state_source: ("dir", PATH) or ("placement", None); path: where the
    settings came from, for messages."""

    def __init__(self, state_source, refresh_interval=10.0, weight_multiplier=1.0,
                 path=None):
        self.state_source = state_source
        self.refresh_interval = refresh_interval
        self.weight_multiplier = weight_multiplier
        self.path = path
