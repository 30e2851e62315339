# SPDX-License-Identifier: Apache-2.0
"""The Nova extension (accelsched._core) depends on the scheduler and the
model layer only: it links none of discovery's libraries (libpci, libdrm,
OpenCL) nor the Placement client's (libcurl, libcrypto), carries no code of
either, and decodes what discovery encoded with the same vocabulary.

Checked on the built module with the tools an operator would use: ldd for
what it loads, nm for what it leaves undefined and what it holds. And the
design's dependency rules, on the sources: scripts/check-layers.sh.

Run by `make nova-tests` with PYTHONPATH=build/python.
"""
import importlib.util
import json
import os
import re
import subprocess
import unittest

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("ACCEL_BIN", "build/bin")
FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")

# what must not be loaded: discovery's and the Placement client's libraries,
# and librdkafka (the Kafka consumer is accelsched._kafka's)
FORBIDDEN_LIBS = ("libpci", "libdrm", "libOpenCL", "libcurl", "libcrypto", "libssl",
                  "libaccel.so", "librdkafka")
# their symbols, had a static piece of them come along
FORBIDDEN_UNDEF = re.compile(r"^(pci_|drm[A-Z_]|cl[A-Z][a-z]|curl_|EVP_|HMAC|SHA\d|"
                             r"CRYPTO_|OPENSSL_|RAND_|ERR_|rd_kafka_)")
# code of discovery (drivers/) and of the Placement client (placement-client/)
FORBIDDEN_DEFINED = re.compile(r"^(accel_scan|accel_ctx_new|accel_classify|accel_topology|"
                               r"scan_fail|accel_vendor_drivers|accel_placement_new|pc_\w+)$")


def module_path(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise unittest.SkipTest("%s is not built (make python)" % name)
    return spec.origin


def core_path():
    return module_path("accelsched._core")


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise AssertionError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p.stdout


class LinkTest(unittest.TestCase):
    def test_loads_no_discovery_or_placement_library(self):
        out = run("ldd", core_path())
        loaded = [l.split()[0] for l in out.splitlines() if l.strip()]
        bad = [l for l in loaded if l.startswith(FORBIDDEN_LIBS)]
        self.assertEqual(bad, [], "accelsched._core loads %s:\n%s" % (bad, out))
        self.assertTrue(any(l.startswith("libjson-c") for l in loaded), out)

    def test_no_undefined_symbol_of_those_libraries(self):
        out = run("nm", "-D", "--undefined-only", core_path())
        names = [l.split()[-1].split("@")[0] for l in out.splitlines() if l.strip()]
        bad = sorted(n for n in names if FORBIDDEN_UNDEF.match(n))
        self.assertEqual(bad, [], "accelsched._core needs %s" % bad)

    def test_holds_no_discovery_or_placement_code(self):
        # the full symbol table: the libraries' functions are hidden, so
        # only nm without -D sees what was linked in
        out = run("nm", "--defined-only", core_path())
        names = [l.split()[-1] for l in out.splitlines() if len(l.split()) == 3]
        self.assertIn("accel_model_by_id", names)  # the check can see
        bad = sorted(n for n in names if FORBIDDEN_DEFINED.match(n))
        self.assertEqual(bad, [], "accelsched._core holds %s" % bad)

    def test_dependency_rules(self):
        p = subprocess.run([os.path.join(TOP, "scripts", "check-layers.sh")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class KafkaLinkTest(unittest.TestCase):
    """accelsched._kafka links librdkafka and none of the scheduler: it
    applies records through _core's capsule, so there is one copy of the
    scheduler code and one table."""

    def test_loads_librdkafka(self):
        out = run("ldd", module_path("accelsched._kafka"))
        loaded = [l.split()[0] for l in out.splitlines() if l.strip()]
        self.assertTrue(any(l.startswith("librdkafka") for l in loaded), out)

    def test_holds_no_scheduler_code(self):
        out = run("nm", "--defined-only", module_path("accelsched._kafka"))
        names = [l.split()[-1] for l in out.splitlines() if len(l.split()) == 3]
        self.assertIn("PyInit__kafka", names)  # the check can see
        bad = sorted(n for n in names if n.startswith(("accel_", "sched_")))
        self.assertEqual(bad, [], "accelsched._kafka holds %s" % bad)

    def test_capsule(self):
        from accelsched import _core, _kafka
        self.assertIn("accelsched._core._C_API", repr(_core._C_API))
        self.assertRaisesRegex(TypeError, "expected an accelsched._core.Table",
                               _kafka.Consumer, object(), "127.0.0.1:9")
        self.assertRaisesRegex(ValueError, "kafka option no.such.option",
                               _kafka.Consumer, _core.Table(), "127.0.0.1:9",
                               options={"no.such.option": "1"})


class VocabularyTest(unittest.TestCase):
    """What discovery encodes into traits, the extension decodes: every
    accelerator of the fixtures, through the real accelctl."""

    FIXTURES = ("dgx2", "esc8000a", "hgx-a100-vfio", "edge-mixed", "hwloc-xeonphi",
                "a100-vgpu-sriov")

    def test_decode_what_discovery_encoded(self):
        from accelsched import _core
        n = 0
        for name in self.FIXTURES:
            p = subprocess.run([os.path.join(BIN, "accelctl"), "list", "-q", "-f", "json",
                                "--host", name, "--sysfs-root", os.path.join(FX, name, "sys")],
                               capture_output=True, text=True, check=True)
            for d in json.loads(p.stdout)["devices"]:
                if not d.get("resource_class"):
                    continue
                n += 1
                where = "%s %s" % (name, d["address"])
                t = _core.decode_traits(d["traits"])
                self.assertEqual((t["vendor_id"], t["device_id"]),
                                 (d["vendor_id"], d["device_id"]), where)
                if d["vendor"] != "generic":
                    self.assertEqual(t["vendor"], d["vendor"], where)
                self.assertEqual(t["compute_capability"], d.get("compute_capability"), where)
                self.assertEqual(t["health"], d["health"], where)
                self.assertEqual(_core.rc_kind(d["resource_class"]), d["kind"], where)
                info = _core.describe(int(d["vendor_id"], 16), int(d["device_id"], 16))
                if info:
                    self.assertEqual(info["vendor"], d["vendor"], where)
        self.assertGreater(n, 20)

    def test_decode_rules(self):
        from accelsched import _core
        t = _core.decode_traits(["CUSTOM_ACCEL_PRODUCT_10DE_20B5", "CUSTOM_ACCEL_VENDOR_NVIDIA",
                                 "CUSTOM_ACCEL_VENDOR_OTHER", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7_0",
                                 "CUSTOM_ACCEL_CUDA_COMPUTE_CAPABILITY_V12_10",
                                 "CUSTOM_ACCEL_HEALTH_DEGRADED"])
        self.assertEqual(t, {"vendor_id": "10de", "device_id": "20b5", "vendor": "nvidia",
                             "compute_capability": "12.10", "health": "degraded"})
        t = _core.decode_traits(["CUSTOM_ACCEL_PRODUCT_10de_20b5", "CUSTOM_ACCEL_PRODUCT_10DE",
                                 "CUSTOM_ACCEL_VENDOR_", "CUSTOM_ACCEL_VENDOR_nv",
                                 "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7", "CUSTOM_ACCEL_UNAVAILABLE",
                                 "CUSTOM_OWNER_ACCELSCHED"])
        self.assertEqual(t, {"vendor_id": None, "device_id": None, "vendor": None,
                             "compute_capability": None, "health": "failed"})
        self.assertEqual(_core.rc_kind("VGPU"), "gpu")
        self.assertEqual(_core.rc_kind("CUSTOM_ACCEL"), "accel")
        self.assertIsNone(_core.rc_kind("CUSTOM_FOO"))
        self.assertRaises(TypeError, _core.decode_traits, [1])


if __name__ == "__main__":
    unittest.main()
