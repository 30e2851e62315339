# SPDX-License-Identifier: Apache-2.0
"""The Cyborg driver (accelsched.cyborg.driver) on the sysfs fixtures,
building Cyborg 2025.1's own driver objects: run in the Debian 13 root
(make cyborg-tests), where python3-cyborg 14 is installed.

ACCEL_FIXTURES names the built fixtures (make fixtures).
"""
import json
import os
import shutil
import tempfile
import unittest

from oslo_config import cfg

from cyborg.common import constants
from cyborg.objects.driver_objects.driver_device import DriverDevice

from accelsched import _core
from accelsched.cyborg import driver as drv

FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")


def make_driver(sysfs_root, **opts):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt("host", default="node1"))
    conf([], project="cyborg-test", default_config_files=[])
    d = drv.AccelschedDriver(conf)
    conf.set_override("sysfs_root", sysfs_root, group="accelsched")
    conf.set_override("config_file", "", group="accelsched")
    for k, v in opts.items():
        conf.set_override(k, v, group="accelsched")
    return d


def fixture(name):
    root = os.path.join(FX, name, "sys")
    if not os.path.isdir(root):
        raise unittest.SkipTest("%s is not built (make fixtures)" % root)
    return root


def attrs(dep):
    return {a.key: a.value for a in dep.attribute_list}


def traits(dep):
    return [a.value for a in dep.attribute_list if a.key.startswith("trait")]


def pci(address):
    dom, bus, rest = address.split(":")
    dev, fn = rest.split(".")
    return {"domain": dom, "bus": bus, "device": dev, "function": fn}


class DriverTest(unittest.TestCase):
    def check_objects(self, devs):
        """Cyborg's own validation: every field set with its declared type
        (the setters coerce or raise), and the rules its conductor relies
        on (exactly one rc, unique deployable names)."""
        names = []
        for d in devs:
            self.assertIsInstance(d, DriverDevice)
            for f in ("vendor", "model", "type", "std_board_info", "controlpath_id",
                      "deployable_list", "stub"):
                self.assertTrue(d.obj_attr_is_set(f), f)
            self.assertIn(d.type, constants.DEVICE_TYPE)
            # the obj fields round-trip through Cyborg's primitive form
            again = DriverDevice.obj_from_primitive(d.obj_to_primitive())
            self.assertEqual(again.controlpath_id.cpid_info, d.controlpath_id.cpid_info)
            self.assertEqual(d.controlpath_id.cpid_type, "PCI")
            for dep in d.deployable_list:
                names.append(dep.name)
                self.assertEqual(sum(1 for a in dep.attribute_list if a.key == "rc"), 1)
                self.assertEqual(len(dep.attach_handle_list), dep.num_accelerators)
                self.assertEqual(traits(dep)[0], "OWNER_CYBORG")
                # the resource class is one of accelsched's vocabulary
                self.assertNotEqual(_core.rc_kind(attrs(dep)["rc"]), None)
        self.assertEqual(len(names), len(set(names)), names)

    def test_hgx_whole_gpus(self):
        devs = make_driver(fixture("hgx-a100-sriov")).discover()
        self.check_objects(devs)
        self.assertEqual(len(devs), 8)
        d = devs[0]
        self.assertEqual((d.vendor, d.model, d.type), ("10de", "A100 SXM4 80GB", "GPU"))
        info = json.loads(d.std_board_info)
        self.assertEqual(info["memory_mb"], 81920)
        self.assertEqual(info["health"], "ok")
        self.assertIsNotNone(info["numa_node"])
        self.assertTrue(info["pcie"]["speed"])
        self.assertEqual(json.loads(d.controlpath_id.cpid_info), pci(info["address"]))
        (dep,) = d.deployable_list
        self.assertEqual(dep.name, "node1_" + info["address"])
        self.assertEqual(attrs(dep)["rc"], "PGPU")
        t = traits(dep)
        self.assertIn("CUSTOM_ACCEL_MODEL_A100_SXM4_80GB", t)
        self.assertIn("CUSTOM_ACCEL_PRODUCT_10DE_20B2", t)
        # the traits decode back to the device with accelsched's vocabulary
        dec = _core.decode_traits(t)
        self.assertEqual(dec["vendor"], "nvidia")
        (ah,) = dep.attach_handle_list
        self.assertEqual(ah.attach_type, "PCI")
        self.assertEqual(json.loads(ah.attach_info), pci(info["address"]))

    def test_vgpu_sriov_vfs_not_pf(self):
        devs = make_driver(fixture("a100-vgpu-sriov")).discover()
        self.check_objects(devs)
        self.assertEqual(len(devs), 1)  # one card: the VFs are its units
        (d,) = devs
        names = [dep.name for dep in d.deployable_list]
        self.assertNotIn("node1_0000:41:00.0", names)  # never the PF with its VFs
        self.assertFalse(any(n.startswith("node1_0000:41:00.0_") for n in names))
        # 16 VFs, each with its types: VF .4 offers 8, the others one
        self.assertEqual(len(names), 8 + 15)
        for dep in d.deployable_list:
            self.assertEqual(attrs(dep)["rc"], "VGPU")
            for ah in dep.attach_handle_list:
                self.assertEqual(ah.attach_type, "MDEV")
                info = json.loads(ah.attach_info)
                self.assertTrue(dep.name.endswith("_" + info["asked_type"]))
        dep = [x for x in d.deployable_list if x.name == "node1_0000:41:01.0_nvidia-699"][0]
        self.assertIn("CUSTOM_ACCEL_VGPU_TYPE_GRID_A100D_1_10C", traits(dep))
        self.assertIn("CUSTOM_ACCEL_SRIOV_VF", traits(dep))

    def test_vgpu_types_option(self):
        devs = make_driver(fixture("a100-vgpu-sriov"), vgpu_types=["nvidia-692"]).discover()
        self.assertEqual([dep.name for dep in devs[0].deployable_list],
                         ["node1_0000:41:00.4_nvidia-692"])

    def test_edge_mixed_types(self):
        devs = make_driver(fixture("edge-mixed")).discover()
        self.check_objects(devs)
        by_model = {d.model: d for d in devs}
        self.assertNotIn("ASPEED Graphics Family", by_model)  # display only
        self.assertEqual(by_model["Alveo U250"].type, "FPGA")
        self.assertEqual(by_model["PAC N3000"].type, "FPGA")
        self.assertEqual(by_model["Gaudi2"].type, "AICHIP")
        self.assertEqual(by_model["Meteor Lake NPU"].type, "AICHIP")
        self.assertEqual(by_model["Data Center GPU Flex 170"].type, "GPU")
        rcs = {d.model: attrs(d.deployable_list[0])["rc"] for d in devs}
        self.assertEqual(rcs["Alveo U250"], "FPGA")
        self.assertEqual(rcs["Gaudi2"], "CUSTOM_ACCEL")
        self.assertEqual(rcs["Ascend 310P"], "CUSTOM_NPU")

    def test_failed_device_has_no_deployable(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        root = os.path.join(tmp, "sys")
        shutil.copytree(fixture("hgx-a100-sriov"), root, symlinks=True)
        cfgfile = os.path.join(root, "bus/pci/devices/0000:5b:00.0/config")
        size = os.path.getsize(cfgfile)
        os.unlink(os.path.realpath(cfgfile))
        with open(os.path.realpath(cfgfile), "wb") as f:
            f.write(b"\xff" * size)
        devs = make_driver(root).discover()
        self.check_objects(devs)
        failed = [d for d in devs if json.loads(d.std_board_info)["address"] == "0000:5b:00.0"]
        self.assertEqual(len(failed), 1, "the failed card is still listed")
        info = json.loads(failed[0].std_board_info)
        self.assertEqual(info["health"], "failed")
        self.assertTrue(info["health_reasons"])
        self.assertEqual(failed[0].deployable_list, [])
        self.assertEqual(sum(len(d.deployable_list) for d in devs), 7)

    def test_missing_config_file_names_it(self):
        d = make_driver(fixture("edge-mixed"), config_file="/nonexistent/accelsched.conf")
        with self.assertRaisesRegex(ValueError, "/nonexistent/accelsched.conf"):
            d.discover()

    def test_config_file_sysfs_root(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "accelsched.conf")
        with open(path, "w") as f:
            f.write("[discovery]\nsysfs_root = %s\n" % os.path.abspath(fixture("edge-mixed")))
        d = make_driver(None, config_file=path)
        self.assertEqual(len(d.discover()), 6)

    def test_config_warnings_are_logged(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "accelsched.conf")
        with open(path, "w") as f:
            f.write("[discovery]\nsysfs_root = %s\nsysfs_rot = /sys\n"
                    % os.path.abspath(fixture("edge-mixed")))
        d = make_driver(None, config_file=path)
        with self.assertLogs("accelsched.cyborg.driver", "WARNING") as logs:
            self.assertEqual(len(d.discover()), 6)
        said = "\n".join(logs.output)
        self.assertIn(path, said)
        self.assertIn("sysfs_rot", said)

    def test_bad_sysfs_root_names_it(self):
        d = make_driver("/nonexistent/sys")
        with self.assertRaisesRegex(OSError, "/nonexistent/sys"):
            d.discover()

    def test_get_stats(self):
        stats = make_driver(fixture("edge-mixed")).get_stats()
        self.assertIn("0000:02:00.1", stats)
        self.assertEqual(stats["0000:02:00.1"]["health"], "ok")

    def test_vanished_while_in_use_is_a_stub_until_released(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        root = shutil.copytree(fixture("edge-mixed"), os.path.join(tmp, "sys"), symlinks=True)
        d = make_driver(root)
        in_use = {"node1_0000:02:00.1"}
        asked = []
        d._in_use = lambda name: asked.append(name) or name in in_use
        before = {x.controlpath_id.cpid_info: x for x in d.discover()}
        self.assertEqual(asked, [], "nothing lost, Placement not asked")
        link = os.path.join(root, "bus/pci/devices/0000:02:00.1")
        os.rename(link, os.path.join(tmp, "u250"))
        os.rename(os.path.join(root, "bus/pci/devices/0000:00:0b.0"),
                  os.path.join(tmp, "npu"))
        with self.assertLogs("accelsched.cyborg.driver", "WARNING") as logs:
            devs = d.discover()
        self.assertIn("0000:02:00.1 vanished while bound", logs.output[0])
        self.check_objects(devs)
        stubs = [x for x in devs if x.stub]
        self.assertEqual(len(stubs), 1)
        self.assertEqual(json.loads(stubs[0].std_board_info)["address"], "0000:02:00.1")
        self.assertEqual([x.name for x in stubs[0].deployable_list],
                         ["node1_0000:02:00.1"])
        self.assertEqual(stubs[0].controlpath_id.cpid_info,
                         before[stubs[0].controlpath_id.cpid_info].controlpath_id.cpid_info)
        self.assertEqual(len(devs), 5)  # the NPU, not in use, is gone
        # still in use at the next cycle: still a stub
        with self.assertLogs("accelsched.cyborg.driver", "WARNING"):
            self.assertEqual(sum(1 for x in d.discover() if x.stub), 1)
        # released: reported as gone
        in_use.clear()
        devs = d.discover()
        self.assertEqual([x for x in devs if x.stub], [])
        self.assertEqual(len(devs), 4)

    def test_failed_while_in_use_is_a_stub_until_released(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        root = shutil.copytree(fixture("edge-mixed"), os.path.join(tmp, "sys"), symlinks=True)
        d = make_driver(root)
        in_use = {"node1_0000:09:00.0"}
        d._in_use = lambda name: name in in_use
        d.discover()
        cfgfile = os.path.realpath(os.path.join(root, "bus/pci/devices/0000:09:00.0/config"))
        size = os.path.getsize(cfgfile)
        os.unlink(cfgfile)
        with open(cfgfile, "wb") as f:
            f.write(b"\xff" * size)
        with self.assertLogs("accelsched.cyborg.driver", "WARNING"):
            (gpu,) = [x for x in d.discover() if x.type == "GPU"]
        self.assertTrue(gpu.stub)
        self.assertEqual([x.name for x in gpu.deployable_list], ["node1_0000:09:00.0"])
        in_use.clear()
        (gpu,) = [x for x in d.discover() if x.type == "GPU"]
        self.assertFalse(gpu.stub)
        self.assertEqual(gpu.deployable_list, [])
        self.assertEqual(json.loads(gpu.std_board_info)["health"], "failed")

    def test_placement_unreachable_keeps_the_card(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        root = shutil.copytree(fixture("edge-mixed"), os.path.join(tmp, "sys"), symlinks=True)
        d = make_driver(root)

        class Down:
            def get(self, url):
                raise ConnectionError("placement down")

        d._placement = Down()
        d.discover()
        os.rename(os.path.join(root, "bus/pci/devices/0000:02:00.1"), os.path.join(tmp, "x"))
        with self.assertLogs("accelsched.cyborg.driver", "WARNING") as logs:
            self.assertEqual(sum(1 for x in d.discover() if x.stub), 1)
        self.assertIn("placement down", logs.output[0])


class EntryPointTest(unittest.TestCase):
    def test_registered_for_cyborg(self):
        from stevedore.extension import ExtensionManager
        names = ExtensionManager(namespace="cyborg.accelerator.driver").names()
        self.assertIn("accelsched", names)


if __name__ == "__main__":
    unittest.main()
