# SPDX-License-Identifier: Apache-2.0
"""The plugin's options: nova.conf, section [accelsched], read by
oslo.config like every Nova filter's (nova-scheduler does not read
acceld's accelsched.conf, which holds Placement credentials and is
root's). Registered on Nova's CONF when the filter or the weigher starts;
listed for oslo-config-generator through the oslo.config.opts entry point
(`oslo-config-generator --namespace accelsched`).

nova.conf follows oslo.config's rules: a comment is a line of its own
starting with '#' or ';'; there are no inline comments. A state_source
holding '#' after a blank (the comment an operator meant) is refused with
that reason rather than read as part of a path.
"""
import re

from oslo_config import cfg

from accelsched import config

GROUP = cfg.OptGroup(
    "accelsched", title="accelsched Nova plugin",
    help="AcceleratorFilter and AcceleratorWeigher "
         "(accelsched.nova.filters / accelsched.nova.weighers).")

OPTS = [
    cfg.StrOpt(
        "state_source",
        sample_default="dir:/var/lib/accelsched/hosts",
        help="""
Where the hosts' accelerator state comes from. Required.

* dir:PATH -- a folder of accelsched.inventory/v1 files, one per host
  (<anything>.json; "host" inside is the name Nova gives the compute node,
  HostState.host or .nodename), written by acceld or the Kafka consumer.
* placement -- the accelsched-owned resource providers in Placement, read
  with Nova's own report client and this file's [placement] credentials.
  Placement holds no PCIe topology or NUMA node: with it, accelsched:p2p
  tighter than SYS and accelsched:numa=strict pass no host.
* kafka -- acceld's Kafka stream, consumed by nova-scheduler itself: the
  inventory topic from its beginning (every host's last snapshot), the
  metrics topic from now (utilization); the kafka_* options below say
  where. The whole topology, NUMA nodes and utilization, live.

A bad value stops nova-scheduler with the reason.
"""),
    cfg.IntOpt(
        "refresh_interval", default=10, min=0, max=86400,
        help="Seconds between looks for changed state (changed files are "
             "re-read; Placement is read again), at most once per request."),
    cfg.FloatOpt(
        "weight_multiplier", default=1.0, min=-1e6, max=1e6,
        help="Multiplies AcceleratorWeigher's normalized weight, like Nova's "
             "*_weight_multiplier options."),
    cfg.StrOpt(
        "kafka_bootstrap_servers", default="",
        sample_default="kafka-1.example.org:9092,kafka-2.example.org:9092",
        help="state_source = kafka: the brokers, host:port[,host:port...] (the "
             "same cluster as acceld's [kafka] bootstrap_servers). Required there."),
    cfg.StrOpt(
        "kafka_inventory_topic", default="accelsched.inventory",
        help="acceld's inventory topic ([kafka] topic_inventory), read from its "
             "beginning: a compacted topic holds every host's last snapshot."),
    cfg.StrOpt(
        "kafka_metrics_topic", default="accelsched.metrics.info",
        help="acceld's metrics topic ([kafka] topic_metrics), read from the end: "
             "utilization for accelsched:max_utilization and the weigher. Empty: "
             "not read (utilization then comes from the inventory records alone)."),
    cfg.IntOpt(
        "kafka_startup_timeout", default=30, min=0, max=3600,
        help="Seconds nova-scheduler waits at start, at most, for the inventory "
             "topic to be read up to its end (the full host table); after that "
             "it schedules with the hosts read so far, saying so in its log."),
    cfg.StrOpt(
        "kafka_security_protocol", default="plaintext",
        choices=["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"],
        help="librdkafka's security.protocol."),
    cfg.StrOpt("kafka_ssl_ca_location", default="",
               help="librdkafka's ssl.ca.location: the CA bundle of the brokers."),
    cfg.StrOpt("kafka_ssl_certificate_location", default="",
               help="librdkafka's ssl.certificate.location: a client certificate."),
    cfg.StrOpt("kafka_ssl_key_location", default="",
               help="librdkafka's ssl.key.location: the client certificate's key."),
    cfg.StrOpt("kafka_ssl_key_password", default="", secret=True,
               help="librdkafka's ssl.key.password."),
    cfg.StrOpt("kafka_sasl_mechanism", default="",
               help="librdkafka's sasl.mechanism (PLAIN, SCRAM-SHA-256, "
                    "SCRAM-SHA-512, GSSAPI, OAUTHBEARER)."),
    cfg.StrOpt("kafka_sasl_username", default="", help="librdkafka's sasl.username."),
    cfg.StrOpt("kafka_sasl_password", default="", secret=True,
               help="librdkafka's sasl.password."),
]

# nova.conf option -> librdkafka property, passed as they are
KAFKA_PROPERTIES = (
    ("kafka_security_protocol", "security.protocol"),
    ("kafka_ssl_ca_location", "ssl.ca.location"),
    ("kafka_ssl_certificate_location", "ssl.certificate.location"),
    ("kafka_ssl_key_location", "ssl.key.location"),
    ("kafka_ssl_key_password", "ssl.key.password"),
    ("kafka_sasl_mechanism", "sasl.mechanism"),
    ("kafka_sasl_username", "sasl.username"),
    ("kafka_sasl_password", "sasl.password"),
)
# Kafka's own rule for a topic name
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_SERVER = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")

_INLINE_COMMENT = re.compile(r"\s[#;]")


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    """For oslo-config-generator (entry point oslo.config.opts: accelsched)."""
    return [(GROUP, OPTS)]


def _where(conf):
    files = list(getattr(conf, "config_file", None) or [])
    return "nova.conf (%s)" % ", ".join(files) if files else "nova.conf"


def load(conf=None):
    """The plugin's settings from conf (default: Nova's CONF), checked.

    Raises accelsched.config.ConfigError naming the file and option."""
    if conf is None:
        import nova.conf
        conf = nova.conf.CONF
    register_opts(conf)
    where = _where(conf)
    try:
        group = conf.accelsched
        raw, interval, multiplier = (group.state_source, group.refresh_interval,
                                     group.weight_multiplier)
    except (cfg.ConfigFileValueError, ValueError) as e:
        raise config.ConfigError("%s: [accelsched]: %s" % (where, e)) from e
    if raw is None or not raw.strip():
        raise config.ConfigError("%s: [accelsched] state_source is not set "
                                 "(dir:PATH, placement or kafka)" % where)
    raw = raw.strip()
    if _INLINE_COMMENT.search(raw):
        raise config.ConfigError(
            "%s: [accelsched] state_source: '%s': '#' or ';' after a blank; "
            "nova.conf has no inline comments, put the comment on a line of its own"
            % (where, raw))
    kafka = None
    if raw == "placement":
        source = ("placement", None)
    elif raw.startswith("dir:/"):
        source = ("dir", raw[4:])
    elif raw == "kafka":
        kafka = _kafka(group, where)
        source = ("kafka", kafka.bootstrap_servers)
    else:
        raise config.ConfigError("%s: [accelsched] state_source: '%s' is not dir:PATH "
                                 "(an absolute path), placement or kafka" % (where, raw))
    return config.SchedulerConfig(source, refresh_interval=interval,
                                  weight_multiplier=multiplier, path=where, kafka=kafka)


def _kafka(group, where):
    """The kafka_* options, checked (state_source = kafka)."""
    def bad(opt, value, why):
        return config.ConfigError("%s: [accelsched] %s: '%s': %s" % (where, opt, value, why))

    try:
        values = {o.name: getattr(group, o.name) for o in OPTS if o.name.startswith("kafka_")}
    except (cfg.ConfigFileValueError, ValueError) as e:
        raise config.ConfigError("%s: [accelsched]: %s" % (where, e)) from e
    servers = (values["kafka_bootstrap_servers"] or "").strip()
    if not servers:
        raise config.ConfigError("%s: [accelsched] kafka_bootstrap_servers is not set "
                                 "(host:port[,host:port...]; state_source = kafka needs "
                                 "it)" % where)
    for s in servers.split(","):
        m = _SERVER.match(s.strip())
        if not m or not 0 < int(m.group(2)) < 65536:
            raise bad("kafka_bootstrap_servers", servers,
                      "'%s' is not host:port (a port of 1 to 65535)" % s.strip())
    inv = (values["kafka_inventory_topic"] or "").strip()
    met = (values["kafka_metrics_topic"] or "").strip()
    for opt, topic, empty_ok in (("kafka_inventory_topic", inv, False),
                                 ("kafka_metrics_topic", met, True)):
        if (topic or not empty_ok) and not _TOPIC.match(topic):
            raise bad(opt, topic, "not a Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -)")
    options = {prop: values[opt].strip() for opt, prop in KAFKA_PROPERTIES
               if values[opt] and values[opt].strip()}
    if options.get("sasl.mechanism") and not values["kafka_security_protocol"].startswith(
            "sasl_"):
        raise bad("kafka_sasl_mechanism", options["sasl.mechanism"],
                  "needs kafka_security_protocol = sasl_plaintext or sasl_ssl")
    return config.KafkaConfig(servers, inv, met or None, options,
                              values["kafka_startup_timeout"])
