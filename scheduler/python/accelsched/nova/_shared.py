# SPDX-License-Identifier: Apache-2.0
"""What the filter and the weigher share in one nova-scheduler process:
the host table (its state source), parsed requests, and the outcome of
the filter's call for the weigher of the same request."""
import collections
import logging
import threading

from accelsched import _core, state
from accelsched.nova import conf

LOG = logging.getLogger("accelsched.nova")

_lock = threading.Lock()
_source = None
_cfg = None
# id(spec_obj) -> (spec_obj, extra specs items, Result); a few requests
_results = collections.OrderedDict()
_RESULTS_MAX = 32


def source():
    """The process's state source, made once from nova.conf [accelsched]."""
    global _source, _cfg
    with _lock:
        if _source is None:
            _cfg = conf.load()
            _source = state.make_source(_cfg)
            n = _source.refresh(force=True)
            LOG.info("accelsched: %d hosts from %s (%s)", n, _cfg.path,
                     ":".join(x for x in _cfg.state_source if x))
        return _source


def settings():
    source()
    return _cfg


def reset():
    """Forget the source and the results (tests, a config change)."""
    global _source, _cfg
    with _lock:
        _source = None
        _cfg = None
        _results.clear()


def extra_specs(spec_obj):
    flavor = getattr(spec_obj, "flavor", None)
    specs = getattr(flavor, "extra_specs", None) if flavor is not None else None
    return dict(specs or {})


def request(specs):
    """A parsed request; ValueError names a bad extra spec."""
    return _core.Request(specs)


def remember(spec_obj, specs, result):
    with _lock:
        _results[id(spec_obj)] = (spec_obj, tuple(sorted(specs.items())), result)
        while len(_results) > _RESULTS_MAX:
            _results.popitem(last=False)


def recall(spec_obj, specs):
    with _lock:
        hit = _results.get(id(spec_obj))
    if hit and hit[0] is spec_obj and hit[1] == tuple(sorted(specs.items())):
        return hit[2]
    return None
