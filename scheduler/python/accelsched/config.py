# SPDX-License-Identifier: Apache-2.0
"""The Nova plugin's settings, as read from nova.conf [accelsched] by
accelsched.nova.conf (oslo.config). acceld's accelsched.conf is C's to
parse (common/config.c) and is not read from Python: one parser per file.
"""


class ConfigError(Exception):
    pass


class KafkaConfig:
    """state_source = kafka: the brokers, the topics (metrics_topic None:
    not read), librdkafka properties (security.protocol, ssl.*, sasl.*)
    and how long to wait at start for the full host table."""

    def __init__(self, bootstrap_servers, inventory_topic="accelsched.inventory",
                 metrics_topic="accelsched.metrics.info", options=None, startup_timeout=30):
        self.bootstrap_servers = bootstrap_servers
        self.inventory_topic = inventory_topic
        self.metrics_topic = metrics_topic
        self.options = dict(options or {})
        self.startup_timeout = startup_timeout


class SchedulerConfig:
    """state_source: ("dir", PATH), ("placement", None) or ("kafka",
    BOOTSTRAP_SERVERS) with kafka a KafkaConfig; path: where the settings
    came from, for messages."""

    def __init__(self, state_source, refresh_interval=10.0, weight_multiplier=1.0,
                 path=None, kafka=None):
        self.state_source = state_source
        self.refresh_interval = refresh_interval
        self.weight_multiplier = weight_multiplier
        self.path = path
        self.kafka = kafka
