#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Scenarios in a QEMU guest with Debian's kernel: discovery through the
real sysfs and libdrm, accelinv.ko's snapshot and events under hot-plug
(QMP device_add/device_del) and driver rebinds, the uevent source without
the module, rmmod while a reader blocks, load/unload cycles under churn,
and a kernel log free of WARN, BUG and oops.

    ACCEL_BIN=build/bin ACCEL_KMOD=kmod/accelinv.ko \
        /usr/bin/python3 -m unittest discover -s tests/vm -p 'test_*.py' -v
"""
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vm as V  # noqa: E402

BIN = os.environ.get("ACCEL_BIN", os.path.join(V.TOP, "build", "bin"))
KMOD = os.environ.get("ACCEL_KMOD", os.path.join(V.TOP, "kmod", "accelinv.ko"))
# test-only: makes accelinv's kvmalloc calls fail (tests/vm/failalloc)
FAILALLOC = os.environ.get("ACCEL_FAILALLOC",
                           os.path.join(V.TOP, "tests", "vm", "failalloc", "failalloc.ko"))
EDU = "1234:11e8"
INSMOD = "insmod /lib/modules/accelinv.ko ids=%s" % EDU

_work = None
_initrd = None
_kver = None


def setUpModule():
    global _work, _initrd, _kver
    _kver = V.kernel_version()
    _work = tempfile.mkdtemp(prefix="accel-vm-test-")
    _initrd = V.build_initramfs(os.path.join(_work, "initrd.gz"), _kver, BIN, KMOD,
                                [FAILALLOC] if os.path.exists(FAILALLOC) else [])


def tearDownModule():
    if _work and not os.environ.get("ACCEL_VM_KEEP"):
        shutil.rmtree(_work, ignore_errors=True)


def records(text):
    """accelinv records as dicts, in order."""
    out = []
    for line in text.replace("\r", "").splitlines():
        if line.startswith("v=1 "):
            out.append(dict(f.split("=", 1) for f in line.split()))
    return out


class Guest(unittest.TestCase):
    """One VM per test class."""
    APPEND = ""   # more kernel command line

    @classmethod
    def setUpClass(cls):
        d = tempfile.mkdtemp(dir=_work)
        cls.vm = V.VM(_initrd, _kver, d, append=cls.APPEND)
        cls.vm.start()
        cls.n_hot = 0

    @classmethod
    def tearDownClass(cls):
        try:
            problems = cls.vm.dmesg_problems()
        finally:
            cls.vm.close()
        if problems:
            raise AssertionError("kernel log:\n" + "\n".join(problems))

    def inventory(self):
        out = self.vm.check("accelctl list -q --opencl off -f json")
        return {d["address"]: d for d in json.loads(out.replace("\r", ""))["devices"]}

    def hot_add(self, driver, port):
        """device_add on a root port; returns the QEMU id."""
        type(self).n_hot += 1
        qid = "hot%d" % self.n_hot
        self.vm.qmp.cmd("device_add", driver=driver, id=qid, bus=port)
        return qid

    def wait_guest(self, command, pattern, timeout=30):
        """Run command until its output matches; the output."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.vm.run(command)[1]
            if re.search(pattern, out):
                return out
            if time.monotonic() > deadline:
                self.fail("guest: %s: no %r within %d s; got:\n%s"
                          % (command, pattern, timeout, out))
            time.sleep(0.2)


class Discovery(Guest):
    def test_drm_devices_with_nodes_and_drivers(self):
        inv = self.inventory()
        virtio = inv["0000:00:02.0"]
        self.assertEqual(virtio["drm"]["driver"], "virtio_gpu")
        self.assertRegex(virtio["drm"]["card"], r"^card\d+$")
        self.assertRegex(virtio["drm"]["render"], r"^renderD\d+$")
        self.assertEqual(virtio["driver"], "virtio-pci")
        bochs = inv["0000:00:03.0"]
        self.assertEqual(bochs["drm"]["driver"], "bochs-drm")
        self.assertEqual(bochs["driver"], "bochs-drm")
        self.assertRegex(bochs["drm"]["card"], r"^card\d+$")
        for d in inv.values():
            self.assertEqual(d["kind"], "display")   # never given a resource class
            self.assertIsNone(d["resource_class"])


class Kmod(Guest):
    def setUp(self):
        self.vm.check(INSMOD)
        self.addCleanup(self.vm.run, "kill %s 2>/dev/null; sleep 0.2; rmmod accelinv"
                        % "$(cat /tmp/reader.pid 2>/dev/null)")

    def start_reader(self):
        self.vm.check("rm -f /tmp/ev; (cat /dev/accelinv >/tmp/ev & echo $! >/tmp/reader.pid)")
        self.wait_guest("cat /tmp/ev", r"type=end")

    def test_snapshot_then_hotplug_and_rebind(self):
        self.start_reader()
        snap = records(self.vm.check("cat /tmp/ev"))
        self.assertEqual(snap[0]["type"], "begin")
        end = [r for r in snap if r["type"] == "end"][0]
        devs = {r["addr"]: r for r in snap if r["type"] == "dev"}
        self.assertEqual(int(end["count"]), len(devs))
        self.assertEqual(devs["0000:00:03.0"]["driver"], "bochs-drm")
        self.assertEqual(devs["0000:00:02.0"]["class"], "038000")
        gen = int(end["gen"])

        bochs = self.hot_add("bochs-display", "rp1")
        edu = self.hot_add("edu", "rp2")
        self.wait_guest("cat /tmp/ev", r"type=bind \S+ addr=0000:01:00\.0 .*driver=bochs-drm")
        out = self.wait_guest("cat /tmp/ev", r"type=add \S+ addr=0000:02:00\.0 vendor=1234 "
                              r"device=11e8 class=00ff00")
        evs = [r for r in records(self.vm.check("cat /tmp/ev")) if "seq" in r]
        self.assertEqual([int(r["seq"]) for r in evs], list(range(gen, gen + len(evs))))
        got = {(r["type"], r["addr"]) for r in evs}
        self.assertIn(("add", "0000:01:00.0"), got)
        self.assertIn(("bind", "0000:01:00.0"), got)
        self.assertIn(("add", "0000:02:00.0"), got, out)
        inv = self.inventory()
        self.assertEqual(inv["0000:01:00.0"]["drm"]["driver"], "bochs-drm")

        self.vm.qmp.cmd("device_del", id=bochs)
        self.vm.qmp.cmd("device_del", id=edu)
        self.wait_guest("cat /tmp/ev", r"type=del \S+ addr=0000:01:00\.0")
        self.wait_guest("cat /tmp/ev", r"type=del \S+ addr=0000:02:00\.0")
        self.assertNotIn("0000:01:00.0", self.inventory())

        self.vm.check("echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/unbind")
        self.wait_guest("cat /tmp/ev", r"type=unbind \S+ addr=0000:00:03\.0")
        self.assertIsNone(self.inventory()["0000:00:03.0"]["driver"])
        self.vm.check("echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind")
        self.wait_guest("cat /tmp/ev", r"type=bind \S+ addr=0000:00:03\.0 .*driver=bochs-drm")
        self.assertEqual(self.inventory()["0000:00:03.0"]["driver"], "bochs-drm")
        evs = [r for r in records(self.vm.check("cat /tmp/ev")) if "seq" in r]
        self.assertEqual([int(r["seq"]) for r in evs], list(range(gen, gen + len(evs))))

    def test_failed_probe_is_an_unbind_and_no_driver(self):
        # a real probe that fails: virtio-pci's probe refuses a device
        # outside virtio's ids (-ENODEV); bochs is handed to it through
        # driver_override and bind
        self.start_reader()
        dev = "/sys/bus/pci/devices/0000:00:03.0"
        self.addCleanup(self.vm.run, "echo >%s/driver_override; "
                        "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind" % dev)
        self.vm.check("echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/unbind")
        self.wait_guest("cat /tmp/ev", r"type=unbind \S+ addr=0000:00:03\.0")
        self.vm.check("echo virtio-pci >%s/driver_override" % dev)
        self.vm.run("echo 0000:00:03.0 >/sys/bus/pci/drivers/virtio-pci/bind")
        self.assertEqual(self.vm.run("test -e %s/driver" % dev)[0], 1, "virtio-pci bound bochs")
        # the failed probe shows as a second unbind, never as a bind
        self.wait_guest("cat /tmp/ev", r"(?s)type=unbind \S+ addr=0000:00:03\.0.*"
                        r"type=unbind \S+ addr=0000:00:03\.0")
        evs = [r for r in records(self.vm.check("cat /tmp/ev")) if r.get("addr") == "0000:00:03.0"]
        self.assertEqual([r["type"] for r in evs], ["dev", "unbind", "unbind"], evs)
        self.assertNotIn("driver", evs[-1])
        # a new snapshot: the device without a driver
        snap = records(self.vm.check("dd if=/dev/accelinv bs=65536 count=1 2>/dev/null"))
        bochs = [r for r in snap if r.get("addr") == "0000:00:03.0"]
        self.assertEqual(len(bochs), 1, snap)
        self.assertNotIn("driver", bochs[0])
        # bound again, the snapshot has the driver's name as copied at bind
        self.vm.check("echo >%s/driver_override; "
                      "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind" % dev)
        self.wait_guest("cat /tmp/ev", r"type=bind \S+ addr=0000:00:03\.0 .*driver=bochs-drm")
        snap = records(self.vm.check("dd if=/dev/accelinv bs=65536 count=1 2>/dev/null"))
        bochs = [r for r in snap if r.get("addr") == "0000:00:03.0"]
        self.assertEqual(bochs[0].get("driver"), "bochs-drm", snap)

    def test_snapshot_without_memory_fails_the_read_then_recovers(self):
        if not os.path.exists(FAILALLOC):
            self.skipTest("no %s: make -C tests/vm/failalloc" % FAILALLOC)
        # accelinv's core, where failalloc fails the next kvmalloc call
        base, size = self.vm.check(
            "awk '$1 == \"accelinv\" { print $6, $2 }' /proc/modules").split()
        lo = int(base, 16)
        self.assertNotEqual(lo, 0, "/proc/modules hides addresses")
        self.vm.check("insmod /lib/modules/failalloc.ko lo=%d hi=%d fail=1"
                      % (lo, lo + int(size)))
        self.addCleanup(self.vm.run, "rmmod failalloc")
        # one open file: the first read has no memory for the snapshot, the
        # next one gets it (not a stream that blocks for events forever: a
        # killer that does not hold the file ends it after 5 s)
        self.vm.check("rm -f /tmp/a /tmp/b; (exec 3</dev/accelinv; "
                      "dd bs=65536 count=1 <&3 >/tmp/a 2>/tmp/aerr; "
                      "dd bs=65536 count=1 <&3 >/tmp/b 2>/dev/null & r=$!; exec 3<&-; "
                      "(sleep 5; kill $r 2>/dev/null) & k=$!; wait $r; kill $k; true)")
        self.assertEqual(self.vm.check("cat /sys/module/failalloc/parameters/failed").strip(),
                         "1")
        self.assertIn("Cannot allocate memory", self.vm.check("cat /tmp/aerr"))
        self.assertEqual(self.vm.check("cat /tmp/a"), "")
        snap = records(self.vm.check("cat /tmp/b"))
        self.assertTrue(snap, "no snapshot on the read after the one that failed")
        self.assertEqual([snap[0]["type"], snap[-1]["type"]], ["begin", "end"], snap)
        devs = [r for r in snap if r["type"] == "dev"]
        self.assertEqual(int(snap[-1]["count"]), len(devs))
        self.assertIn("0000:00:03.0", [r["addr"] for r in devs])

    def test_whole_records_and_small_buffer(self):
        # a 100-byte buffer cannot hold a record: EINVAL; a 300-byte one
        # gets whole records only (busybox dd, one read each)
        out = self.vm.run("dd if=/dev/accelinv bs=100 count=1 2>&1")[1]
        self.assertIn("Invalid argument", out)
        out = self.vm.check("dd if=/dev/accelinv bs=300 count=1 2>/dev/null")
        self.assertTrue(out.endswith("\n"), out)
        self.assertEqual(records(out)[0]["type"], "begin")
        out = self.vm.check("dd if=/dev/accelinv bs=65536 count=1 2>/dev/null")
        self.assertEqual(records(out)[-1]["type"], "end", out)

    def test_rmmod_while_a_reader_blocks(self):
        self.start_reader()
        rc, out = self.vm.run("rmmod accelinv")
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"in use|busy|Resource temporarily unavailable")
        self.vm.check("kill $(cat /tmp/reader.pid); sleep 0.3")
        self.vm.check("rmmod accelinv")
        self.vm.check(INSMOD)   # for the cleanup's rmmod

    def test_reader_behind_the_ring_gets_overflow_and_snapshot(self):
        self.vm.check("rmmod accelinv && %s ring_size=16" % INSMOD)
        # one open file: read the snapshot, fall 20 events behind (10
        # unbind+bind pairs), read again
        self.vm.check("exec 3</dev/accelinv; dd bs=65536 count=1 <&3 >/tmp/a 2>/dev/null; "
                      "for i in $(seq 10); do "
                      "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/unbind; "
                      "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind; done; "
                      "dd bs=65536 count=1 <&3 >/tmp/b 2>/dev/null; exec 3<&-")
        first = records(self.vm.check("cat /tmp/a"))
        gen = int(first[-1]["gen"])
        again = records(self.vm.check("cat /tmp/b"))
        self.assertEqual(again[0], {"v": "1", "type": "overflow", "lost": "4"})
        self.assertEqual(again[1], {"v": "1", "type": "begin", "gen": str(gen + 20)})
        self.assertEqual(again[-1]["type"], "end")
        self.assertEqual(again[-1]["gen"], str(gen + 20))
        devs = [r for r in again if r["type"] == "dev"]
        self.assertEqual(int(again[-1]["count"]), len(devs))
        self.assertIn("driver", [r for r in devs if r["addr"] == "0000:00:03.0"][0])

    def test_bad_parameters_refused(self):
        for params, msg in (("ids=12345:1", "ids: '12345:1' is not vvvv:dddd"),
                            ("ring_size=8", "ring_size: 8 is not within 16..65536"),
                            ("ring_size=100", "ring_size: 100 is not a power of two"),
                            ("classes=0x30000", "classes: 0x30000 is more than 16 bits")):
            self.vm.check("rmmod accelinv")
            rc, out = self.vm.run("insmod /lib/modules/accelinv.ko %s" % params)
            self.assertNotEqual(rc, 0, params)
            self.assertIn(msg, self.vm.check("dmesg | tail -3"), params)
            self.vm.check(INSMOD)

    def test_device_is_root_only(self):
        rc, out = self.vm.run("ls -l /dev/accelinv")
        self.assertTrue(out.startswith("crw-------"), out)


class Watch(Guest):
    """accelctl watch in the guest, with the module and with uevents only."""

    def watch(self, source):
        self.vm.check("rm -f /tmp/w; (accelctl watch -q --opencl off --source %s >/tmp/w 2>&1 "
                      "& echo $! >/tmp/watch.pid)" % source)
        self.addCleanup(self.vm.run, "kill $(cat /tmp/watch.pid); sleep 0.3")
        self.wait_guest("cat /tmp/w", r"INVENTORY generation=0 devices=2")

    def scenario(self, port, bus, events):
        """Hot-add a bochs-display on port (it lands on bus), rebind the
        built-in one, hot-remove the new one: each shows as events (when
        events) and as an inventory change."""
        addr = "0000:%02x:00.0" % bus
        qid = self.hot_add("bochs-display", port)
        if events:
            self.wait_guest("cat /tmp/w", r"EVENT add %s" % re.escape(addr))
        self.wait_guest("cat /tmp/w", r"INVENTORY \+%s display .*driver=bochs-drm"
                        % re.escape(addr))
        self.vm.check("echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/unbind")
        self.wait_guest("cat /tmp/w", r"INVENTORY ~0000:00:03\.0 driver=bochs-drm->")
        self.vm.check("echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind")
        self.wait_guest("cat /tmp/w", r"INVENTORY ~0000:00:03\.0 driver=\S*->bochs-drm")
        self.vm.qmp.cmd("device_del", id=qid)
        self.wait_guest("cat /tmp/w", r"INVENTORY -%s" % re.escape(addr))
        return self.vm.check("cat /tmp/w")

    def test_kmod_source(self):
        self.vm.check(INSMOD)
        self.addCleanup(self.vm.run, "rmmod accelinv")
        self.watch("kmod")
        out = self.scenario("rp1", 1, events=True)
        self.assertRegex(out, r"SNAPSHOT gen=\d+ devices=2")
        self.assertRegex(out, r"EVENT bind 0000:01:00\.0 driver=bochs-drm")
        self.assertRegex(out, r"EVENT unbind 0000:00:03\.0")
        self.assertRegex(out, r"EVENT del 0000:01:00\.0")
        self.assertNotIn("accelctl: watch:", out)   # no malformed record, no gap

    def test_uevent_source_without_the_module(self):
        self.assertEqual(self.vm.check("lsmod | grep -c accelinv || true").strip(), "0")
        self.watch("uevent")
        out = self.scenario("rp2", 2, events=False)
        self.assertRegex(out, r"EVENT add \S*0000:02:00\.0")
        self.assertRegex(out, r"EVENT unbind \S*0000:00:03\.0")


class Churn(Guest):
    # slab allocations remember their caller: what accelinv still holds
    # shows in debugfs's alloc_traces
    APPEND = "slub_debug=U"

    def test_readers_leave_nothing_behind(self):
        self.vm.check("mount -t debugfs none /sys/kernel/debug 2>/dev/null || true; " + INSMOD)
        self.addCleanup(self.vm.run, "rmmod accelinv")
        self.vm.check("cat /dev/accelinv >/dev/null & pid=$!; sleep 0.3; "
                      "for i in $(seq 100); do "
                      "dd if=/dev/accelinv of=/dev/null bs=4096 count=1 2>/dev/null || exit 1; "
                      "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/unbind; "
                      "echo 0000:00:03.0 >/sys/bus/pci/drivers/bochs-drm/bind; done; "
                      "kill $pid; sleep 0.3", timeout=300)
        held = self.vm.check("grep -h 'accelinv' /sys/kernel/debug/slab/*/alloc_traces || true")
        self.assertEqual([line for line in held.splitlines() if line.strip()], [],
                         "accelinv still holds slab objects after its readers closed")
    def test_100_load_unload_cycles_under_hotplug(self):
        self.vm.send("for i in $(seq 100); do %s || exit 1; "
                     "dd if=/dev/accelinv of=/dev/null bs=4096 count=1 2>/dev/null || exit 3; "
                     "rmmod accelinv || exit 2; done; echo CYCLES-DONE" % INSMOD)
        # edu devices come and go on four ports; bochs-display is added
        # once per port (QEMU 7.2 aborts when a bochs-display comes back to
        # a slot soon after one left it: its VRAM RAMBlock is still
        # registered)
        added = []
        for i in range(24):
            port = 1 + i % 4
            added.append(self.hot_add("edu", "rp%d" % port))
            if len(added) >= 3:
                self.vm.qmp.cmd("device_del", id=added.pop(0))
            if i % 6 == 5:
                self.hot_add("bochs-display", "rp%d" % (5 + i // 6))
            time.sleep(0.5)
        self.vm.expect(r"CYCLES-DONE", 600)
        m = self.vm.expect(r"@@ACCEL-END (\d+)", 60)
        self.assertEqual(m.group(1), b"0")
        self.assertEqual(self.vm.check("lsmod | grep -c accelinv || true").strip(), "0")


if __name__ == "__main__":
    unittest.main()
