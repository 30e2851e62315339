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
]

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
                                 "(dir:PATH or placement)" % where)
    raw = raw.strip()
    if _INLINE_COMMENT.search(raw):
        raise config.ConfigError(
            "%s: [accelsched] state_source: '%s': '#' or ';' after a blank; "
            "nova.conf has no inline comments, put the comment on a line of its own"
            % (where, raw))
    if raw == "placement":
        source = ("placement", None)
    elif raw.startswith("dir:/"):
        source = ("dir", raw[4:])
    else:
        raise config.ConfigError("%s: [accelsched] state_source: '%s' is not dir:PATH "
                                 "(an absolute path) or placement" % (where, raw))
    return config.SchedulerConfig(source, refresh_interval=interval,
                                  weight_multiplier=multiplier, path=where)
