# SPDX-License-Identifier: Apache-2.0
"""The Debian 13 root is what issues 12 and 13 build on: OpenStack 2025.1
(Nova 31, Placement 13, Keystone 27, Cyborg 14) importable by the root's
/usr/bin/python3, accelsched's extension built for that interpreter, and
the filter loaded by Nova 31's own HostFilterHandler by dotted path.

Run inside the root by `make debian13-tests`:
    scripts/debian13-root.sh run -- env PYTHONPATH=build/debian13/python \\
        python3 -m unittest tests/debian13/test_smoke.py
"""
import os
import shutil
import sys
import sysconfig
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "nova"))
import novaenv  # noqa: E402  (sets up Nova's objects)

from nova.scheduler import filters as nova_filters  # noqa: E402
from nova.scheduler import host_manager  # noqa: E402

from accelsched.nova import _shared  # noqa: E402

FILTER = "accelsched.nova.filters.AcceleratorFilter"
# the release series of OpenStack 2025.1 ("Epoxy") in Debian 13
# (Python distribution names as Debian installs them)
SERIES = {"nova": 31, "openstack-placement": 13, "keystone": 27,
          "openstack-cyborg": 14}


def dist_version(name):
    from importlib import metadata
    return metadata.version(name)


class RootTest(unittest.TestCase):
    def test_debian_13(self):
        with open("/etc/debian_version") as f:
            self.assertTrue(f.read().startswith("13."), "not a Debian 13 root")
        self.assertTrue(os.path.exists("/etc/accelsched-root"),
                        "not the root of scripts/debian13-root.sh")

    def test_openstack_2025_1(self):
        for name, major in SERIES.items():
            with self.subTest(name=name):
                v = dist_version(name)
                print("%s %s" % (name, v), file=sys.stderr)
                self.assertEqual(int(v.split(".")[0]), major,
                                 "%s %s is not OpenStack 2025.1's" % (name, v))
        self.assertEqual(novaenv.nova_version().split(".")[0], "31")
        # the services' modules import, not only their metadata (quietly:
        # Keystone 27 and Placement 13 still use SQLAlchemy 1.x names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import cyborg.objects  # noqa: F401
            import keystone.server.wsgi  # noqa: F401
            import placement.wsgi  # noqa: F401

    def test_extension_built_for_this_python(self):
        import accelsched
        from accelsched import _core
        build = os.path.realpath("build/debian13/python")
        self.assertTrue(os.path.realpath(_core.__file__).startswith(build + os.sep),
                        "_core from %s, not from %s" % (_core.__file__, build))
        # the extension's ABI tag is this interpreter's (cpython-313-...)
        self.assertTrue(_core.__file__.endswith(sysconfig.get_config_var("EXT_SUFFIX")))
        self.assertEqual(accelsched.__version__, _core.VERSION)


class FilterOnNova31Test(unittest.TestCase):
    """The filter through HostFilterHandler, as nova-scheduler loads it from
    [filter_scheduler] available_filters, on HostStates that carry
    allocation candidates the way Nova 31's SchedulerManager sets them."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-debian13-")
        _shared.reset()
        # no host inventories: every host is unknown to accelsched
        self.fh, _, self.filters, _ = novaenv.setup_nova(
            [FILTER], [], aliases=[],
            extra_conf={"accelsched.state_source": "dir:" + self.tmp,
                        "accelsched.refresh_interval": 0})

    def tearDown(self):
        _shared.reset()
        shutil.rmtree(self.tmp)

    def hosts(self):
        out = []
        for i in range(3):
            hs = host_manager.HostState("h%d" % i, "h%d" % i, novaenv.CELL_UUID)
            hs.uuid = "00000000-0000-4000-8000-00000000000%d" % i
            hs.allocation_candidates = [{
                "allocations": {hs.uuid: {"resources": {"VCPU": 1}}},
                "mappings": {"": [hs.uuid]}}]
            out.append(hs)
        return out

    def test_loaded_by_dotted_path(self):
        self.assertEqual(len(self.filters), 1)
        f = self.filters[0]
        self.assertEqual("%s.%s" % (type(f).__module__, type(f).__name__), FILTER)
        self.assertIsInstance(f, nova_filters.BaseHostFilter)
        # what issue 12 builds on: Nova 31's candidate pruning helper
        self.assertTrue(hasattr(nova_filters, "CandidateFilterMixin"))

    def test_no_accelerator_request_passes_every_host(self):
        hosts = self.hosts()
        spec = novaenv.make_request_spec({})
        out = list(self.fh.get_filtered_objects(self.filters, hosts, spec))
        self.assertEqual([h.host for h in out], ["h0", "h1", "h2"])
        for h in out:
            self.assertEqual(len(h.allocation_candidates), 1)

    def test_accelerator_request_rejects_unknown_hosts(self):
        specs = {"resources:PGPU": "1", "accelsched:min_memory_mb": "16384"}
        # a valid, active request: the hosts fail for having no devices
        self.assertTrue(_shared.request(specs).active)
        spec = novaenv.make_request_spec(specs)
        out = self.fh.get_filtered_objects(self.filters, self.hosts(), spec)
        self.assertEqual(list(out or []), [])


if __name__ == "__main__":
    unittest.main()
