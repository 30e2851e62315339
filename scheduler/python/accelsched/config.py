# SPDX-License-Identifier: Apache-2.0
"""The [scheduler] section of the accelsched configuration file.

The file is the one acceld reads (DESIGN.md): ACCELSCHED_CONFIG in the
environment, else /etc/accelsched/accelsched.conf. A bad value is an error
naming the file, the option and what is allowed.
"""
import configparser
import os

DEFAULT_PATH = "/etc/accelsched/accelsched.conf"


class ConfigError(Exception):
    pass


class SchedulerConfig:
    """state_source: ("dir", PATH) or ("placement", None)."""

    def __init__(self, state_source, refresh_interval=10.0, weight_multiplier=1.0,
                 path=None):
        self.state_source = state_source
        self.refresh_interval = refresh_interval
        self.weight_multiplier = weight_multiplier
        self.path = path


def config_path():
    return os.environ.get("ACCELSCHED_CONFIG") or DEFAULT_PATH


def _number(cp, path, key, default, low, high, kind=float):
    raw = cp.get("scheduler", key, fallback=None)
    if raw is None:
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError("%s: [scheduler] %s: '%s' is not %s from %g to %g"
                          % (path, key, raw, "an integer" if kind is int else "a number",
                             low, high))
    return value


def load(path=None):
    """Read [scheduler] from path (default: config_path())."""
    path = path or config_path()
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        with open(path) as f:
            cp.read_file(f)
    except OSError as e:
        raise ConfigError("%s: %s" % (path, e.strerror or e))
    except configparser.Error as e:
        raise ConfigError("%s: %s" % (path, str(e).splitlines()[0]))
    raw = cp.get("scheduler", "state_source", fallback=None)
    if raw is None:
        raise ConfigError("%s: [scheduler] state_source is not set (dir:PATH or placement)"
                          % path)
    raw = raw.strip()
    if raw == "placement":
        source = ("placement", None)
    elif raw.startswith("dir:") and len(raw) > 4:
        source = ("dir", raw[4:])
    else:
        raise ConfigError("%s: [scheduler] state_source: '%s' is not dir:PATH or placement"
                          % (path, raw))
    return SchedulerConfig(
        source,
        refresh_interval=_number(cp, path, "refresh_interval", 10, 0, 86400, int),
        weight_multiplier=_number(cp, path, "weight_multiplier", 1.0, -1e6, 1e6),
        path=path)
