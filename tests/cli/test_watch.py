# SPDX-License-Identifier: Apache-2.0
"""accelctl watch as a test harness runs it: its usage errors, a missing
source, and the kmod record stream fed through a FIFO (--kmod-path), with
the fixture tree changed underneath between the events so that the rescan
has something to report.

Run by `make cli-tests` with ACCEL_BIN and ACCEL_FIXTURES set.
"""
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("ACCEL_BIN", "build/bin")
FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")
ACCELCTL = os.path.join(BIN, "accelctl")

# docs/internals/kmod.md's example
SNAPSHOT = (
    "v=1 type=begin gen=3\n"
    "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000 driver=bochs-drm\n"
    "v=1 type=dev addr=0000:00:02.0 vendor=1af4 device=1050 class=038000 driver=virtio-pci\n"
    "v=1 type=end gen=3 count=2\n")
ADD = "v=1 type=add seq=%d addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
BIND = ("v=1 type=bind seq=%d addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
        "driver=bochs-drm\n")


def run(*args, timeout=30):
    return subprocess.run([ACCELCTL, *args], capture_output=True, text=True, timeout=timeout)


class Lines:
    """The lines of a child's stdout as they come: select() on the pipe
    itself, never on a buffered reader that may already hold the next
    line."""

    def __init__(self, p):
        self.p = p
        self.fd = p.stdout.fileno()
        self.buf = b""

    def line(self, timeout=10):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.fd], [], [], max(left, 0))
            if not r:
                self.p.kill()
                raise AssertionError("no line from accelctl watch within %ss; stderr:\n%s"
                                     % (timeout, self.p.communicate()[1]))
            chunk = os.read(self.fd, 4096)
            if not chunk:
                return None  # the end: accelctl exited
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def rest(self, timeout=20):
        """Wait for the exit: (status, the lines not read yet, stderr)."""
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, (self.buf + out).decode().splitlines(), err.decode()


class Watcher:
    """accelctl watch reading a FIFO; the test writes what the kernel would."""

    def __init__(self, tmp, *args, sysfs=None, dev_root=False):
        self.fifo = os.path.join(tmp, "accelinv")
        os.mkfifo(self.fifo)
        sysfs = sysfs or os.path.join(FX, "edge-mixed", "sys")
        # the FIFO as --kmod-path, or as DEV_ROOT/accelinv for the default source
        where = ["--dev-root", tmp] if dev_root else ["--kmod-path", self.fifo]
        self.p = subprocess.Popen(
            [ACCELCTL, "watch", "-q", *where, "--sysfs-root", sysfs, "--timeout", "30", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = Lines(self.p)
        # blocks until accelctl has opened its end
        self.w = open(self.fifo, "w", buffering=1)

    def put(self, text):
        self.w.write(text)
        self.w.flush()

    def line(self, timeout=10):
        """The next stdout line, which must come within timeout: watch
        flushes every line."""
        return self.lines.line(timeout)

    def finish(self, timeout=20):
        try:
            return self.lines.rest(timeout)
        finally:
            self.w.close()

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.communicate()
        if not self.w.closed:
            try:
                self.w.close()
            except BrokenPipeError:
                pass


class Usage(unittest.TestCase):
    def test_bad_options(self):
        for args, msg in [
                (["--source", "udev"], "--source: expected kmod, uevent or poll, got 'udev'"),
                (["--source", "poll", "--interval", "0"], "--interval: '0' is not a number"),
                (["--source", "poll", "--interval", "x"], "--interval: 'x' is not a number"),
                (["--interval", "5"], "--interval goes with --source poll"),
                (["--source", "uevent", "--interval", "5"], "--interval goes with --source poll"),
                (["--source", "poll", "--kmod-path", "x"], "--kmod-path goes with --source kmod"),
                (["--count", "0"], "--count: '0' is not a number of events"),
                (["--count", "x"], "--count: 'x' is not a number of events"),
                (["--timeout", "-1"], "--timeout: '-1' is not a number of seconds"),
                (["--timeout", "nan"], "--timeout: 'nan' is not a number of seconds"),
                (["--timeout", "5s"], "--timeout: '5s' is not a number of seconds"),
                (["-f", "json"], "-f json does not go with it"),
                (["--lspci-dump", "x"], "--lspci-dump"),
                (["--source", "uevent", "--kmod-path", "x"], "--kmod-path goes with --source kmod"),
                (["extra"], "unexpected argument 'extra'"),
                (["--count"], "--count: missing argument")]:
            p = run("watch", *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(msg, p.stderr, args)
            self.assertEqual(p.stdout, "", args)

    def test_watch_options_only_with_watch(self):
        for opt in (["--count", "1"], ["--timeout", "1"], ["--source", "kmod"],
                    ["--kmod-path", "x"], ["--interval", "1"]):
            p = run("list", *opt)
            self.assertEqual(p.returncode, 2, opt)
            self.assertIn("goes with watch and events only" if opt[0] == "--timeout"
                          else "go with watch only", p.stderr)

    def test_help_names_watch(self):
        out = run("--help").stdout
        for s in ("watch", "--source", "--kmod-path", "--count", "--timeout"):
            self.assertIn(s, out)


class Sources(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-watch-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_missing_device(self):
        path = os.path.join(self.tmp, "accelinv")
        p = run("watch", "--source", "kmod", "--kmod-path", path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("kmod: %s: No such file or directory" % path, p.stderr)
        self.assertEqual(p.stdout, "")
        # --dev-root DIR: the device is DIR/accelinv
        p = run("watch", "--source", "kmod", "--dev-root", self.tmp)
        self.assertEqual(p.returncode, 1)
        self.assertIn("kmod: %s: No such file or directory" % path, p.stderr)

    def test_missing_sysfs_root(self):
        os.mkfifo(os.path.join(self.tmp, "accelinv"))
        p = run("watch", "--dev-root", self.tmp, "--sysfs-root", "/nonexistent/root")
        self.assertEqual(p.returncode, 1)
        self.assertIn("/nonexistent/root", p.stderr)

    def test_default_source(self):
        """kmod when DEV_ROOT/accelinv exists, else uevent."""
        sysfs = os.path.join(FX, "edge-mixed", "sys")
        # no accelinv there: netlink uevents, which a container may refuse
        p = run("watch", "-q", "--dev-root", self.tmp, "--sysfs-root", sysfs, "--timeout", "0.3")
        if p.returncode == 1:
            self.assertIn("uevent: netlink socket:", p.stderr)
        else:
            self.assertEqual((p.returncode, p.stdout), (0, "INVENTORY generation=0 devices=7\n"))
        # a FIFO named accelinv there: kmod, and its records
        w = Watcher(self.tmp, "--count", "1", sysfs=sysfs, dev_root=True)
        try:
            self.assertEqual(w.line(), "INVENTORY generation=0 devices=7")
            w.put(SNAPSHOT + ADD % 3)
            rc, out, err = w.finish()
        finally:
            w.close()
        self.assertEqual(rc, 0, err)
        self.assertEqual(out[:2], ["SNAPSHOT gen=3 devices=2", "EVENT add 0000:01:00.0"])

    def test_poll_rescans_every_interval(self):
        sysfs = os.path.join(FX, "edge-mixed", "sys")
        t = time.monotonic()
        p = run("watch", "-q", "--source", "poll", "--interval", "0.3", "--sysfs-root", sysfs,
                "--timeout", "1.05")
        took = time.monotonic() - t
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "INVENTORY generation=0 devices=7")
        # rescans at 0.3, 0.6 and 0.9 s: nothing changed, so no +/-/~ lines
        self.assertGreaterEqual(len(lines), 3, p.stdout)
        for line in lines[1:]:
            self.assertRegex(line, r"^INVENTORY generation=\d+ devices=7$")
        self.assertGreaterEqual(took, 1.0)

    def test_timeout(self):
        sysfs = os.path.join(FX, "edge-mixed", "sys")
        os.mkfifo(os.path.join(self.tmp, "accelinv"))
        t = time.monotonic()
        p = run("watch", "-q", "--dev-root", self.tmp, "--sysfs-root", sysfs,
                "--timeout", "0.5")
        took = time.monotonic() - t
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (0, "INVENTORY generation=0 devices=7\n", ""))
        self.assertGreaterEqual(took, 0.5)
        self.assertLess(took, 10)

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            w = Watcher(self.tmp)
            try:
                self.assertEqual(w.line(), "INVENTORY generation=0 devices=7")
                w.p.send_signal(sig)
                rc, out, err = w.finish()
            finally:
                w.close()
                os.unlink(w.fifo)
            self.assertEqual((rc, out, err), (0, [], ""), sig)

    def test_uevent_real(self):
        """A synthetic "change" uevent on a real PCI device (root only)."""
        devs = "/sys/bus/pci/devices"
        names = sorted(os.listdir(devs)) if os.path.isdir(devs) else []
        if not names or not os.access(os.path.join(devs, names[0], "uevent"), os.W_OK):
            self.skipTest("no writable PCI uevent file here")
        p = subprocess.Popen([ACCELCTL, "watch", "-q", "--source", "uevent", "--timeout", "20",
                              "--sysfs-root", os.path.join(FX, "edge-mixed", "sys")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lines = Lines(p)
        try:
            first = lines.line(timeout=30)
            if first is None and p.wait(timeout=30) == 1:
                self.skipTest("no netlink uevents here: " + p.stderr.read().decode().strip())
            self.assertEqual(first, "INVENTORY generation=0 devices=7")
            with open(os.path.join(devs, names[0], "uevent"), "w") as f:
                f.write("change")
            # the device's own address, not its devpath; then the rescan
            # (other devices of the host may speak too)
            want = "EVENT change %s subsystem=pci" % names[0]
            seen = []
            while "INVENTORY generation=1 devices=7" not in seen or want not in seen:
                line = lines.line(timeout=10)
                self.assertIsNotNone(line, "accelctl ended: %r" % seen)
                seen.append(line)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0)
        finally:
            if p.poll() is None:
                p.kill()
            p.communicate()


class KmodStream(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-watch-")
        self.watchers = []

    def tearDown(self):
        for w in self.watchers:
            w.close()
        shutil.rmtree(self.tmp)

    def watch(self, *args, sysfs=None):
        w = Watcher(self.tmp, *args, sysfs=sysfs)
        self.watchers.append(w)
        return w

    def test_snapshot_and_events(self):
        w = self.watch("--count", "3")
        self.assertEqual(w.line(), "INVENTORY generation=0 devices=7")
        w.put(SNAPSHOT)
        self.assertEqual(w.line(), "SNAPSHOT gen=3 devices=2")
        # several records in one write, then one split across writes
        w.put(ADD % 3 + BIND % 4)
        self.assertEqual(w.line(), "EVENT add 0000:01:00.0")
        self.assertEqual(w.line(), "EVENT bind 0000:01:00.0 driver=bochs-drm")
        # 100 ms of quiet: a rescan; the tree did not change, so no difference
        self.assertEqual(w.line(), "INVENTORY generation=1 devices=7")
        unbind = ("v=1 type=unbind seq=5 addr=0000:01:00.0 vendor=1234 device=1111 "
                  "class=030000 driver=bochs-drm\n")
        w.put(unbind[:30])
        time.sleep(0.2)
        w.put(unbind[30:] + "v=1 type=del seq=6 addr=0000:01:00.0 vendor=1234 "
              "device=1111 class=030000\n")
        rc, out, err = w.finish()
        self.assertEqual(rc, 0, err)
        # the third event ends it, after the rescan it calls for
        self.assertEqual(out, ["EVENT unbind 0000:01:00.0 driver=bochs-drm",
                               "INVENTORY generation=2 devices=7"])
        self.assertEqual(err, "")

    def test_bad_records_named_and_skipped(self):
        w = self.watch("--count", "2")
        w.put(SNAPSHOT
              + "v=1 type=add seq=3 addr=0000:01:00.0 vendor=12x4 device=1111 class=030000\n"
              + "v=1 type=add seq=3 addr=0000:1:00.0 vendor=1234 device=1111 class=030000\n"
              + "v=2 type=add seq=3\n"
              + ADD % 3
              + "v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
              + "driver=bochs-drm  \n"
              + BIND % 4)
        rc, out, err = w.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, ["INVENTORY generation=0 devices=7",
                               "SNAPSHOT gen=3 devices=2",
                               "EVENT add 0000:01:00.0",
                               "EVENT bind 0000:01:00.0 driver=bochs-drm",
                               "INVENTORY generation=1 devices=7"])
        err = err.splitlines()
        self.assertEqual(len(err), 4, err)
        self.assertEqual(err[0],
                         "accelctl: watch: kmod: %s: record 5 'v=1 type=add seq=3 "
                         "addr=0000:01:00.0 vendor=12x4 device=1111 class=030000': "
                         "vendor: '12x4' is not 4 hex digits; skipped" % w.fifo)
        self.assertIn("record 6 'v=1 type=add seq=3 addr=0000:1:00.0 ", err[1])
        self.assertIn("addr: '0000:1:00.0' is not a PCI address", err[1])
        self.assertIn("record 7 'v=2 type=add seq=3': v: version 2 is not supported", err[2])
        self.assertIn("record 9 ", err[3])
        self.assertIn("two spaces at offset", err[3])

    def test_seq_gap_reported_and_rescanned(self):
        w = self.watch("--count", "2")
        w.put(SNAPSHOT + ADD % 3 + BIND % 7)
        rc, out, err = w.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(out[-3:], ["EVENT add 0000:01:00.0",
                                    "EVENT bind 0000:01:00.0 driver=bochs-drm",
                                    "INVENTORY generation=1 devices=7"])
        self.assertIn("record 6 ", err)
        self.assertIn("seq gap: expected seq=4, got seq=7 (3 events missing); rescanning", err)

    def test_overflow_then_snapshot(self):
        w = self.watch("--count", "2")
        w.put(SNAPSHOT + ADD % 3
              + "v=1 type=overflow lost=512\n"
              + "v=1 type=begin gen=520\n"
              + "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n"
              + "v=1 type=end gen=520 count=1\n"
              + "v=1 type=del seq=520 addr=0000:00:01.0 vendor=1234 device=1111 "
              + "class=030000\n")
        rc, out, err = w.finish()
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, ["INVENTORY generation=0 devices=7",
                               "SNAPSHOT gen=3 devices=2",
                               "EVENT add 0000:01:00.0",
                               "OVERFLOW lost=512",
                               "SNAPSHOT gen=520 devices=1",
                               "EVENT del 0000:00:01.0",
                               "INVENTORY generation=1 devices=7"])

    def test_end_of_stream(self):
        w = self.watch()
        w.put(SNAPSHOT + ADD % 3 + "v=1 type=del seq=4")
        w.w.close()
        rc, out, err = w.finish()
        self.assertEqual(rc, 1)
        self.assertEqual(out[:3], ["INVENTORY generation=0 devices=7",
                                   "SNAPSHOT gen=3 devices=2", "EVENT add 0000:01:00.0"])
        self.assertIn("record 6 'v=1 type=del seq=4': cut short by the end of the stream", err)
        self.assertIn("%s: end of stream" % w.fifo, err)

    def test_inventory_differences(self):
        """The tree changes under the watch; the rescan after the events
        says what discovery now sees: a device back, one gone, one
        rebound to vfio-pci."""
        src = os.path.join(FX, "edge-mixed", "sys")
        sysfs = os.path.join(self.tmp, "sys")
        shutil.copytree(src, sysfs, symlinks=True)
        devs = os.path.join(sysfs, "bus", "pci", "devices")
        # 08:00.0 (Ascend 310P) is away at start
        hidden = os.readlink(os.path.join(devs, "0000:08:00.0"))
        os.unlink(os.path.join(devs, "0000:08:00.0"))

        w = self.watch("--count", "3", sysfs=sysfs)
        self.assertEqual(w.line(), "INVENTORY generation=0 devices=6")
        w.put(SNAPSHOT)
        self.assertEqual(w.line(), "SNAPSHOT gen=3 devices=2")

        os.symlink(hidden, os.path.join(devs, "0000:08:00.0"))
        os.unlink(os.path.join(devs, "0000:05:00.0"))
        drv = os.path.join(devs, "0000:09:00.0", "driver")
        target = os.readlink(drv)
        os.unlink(drv)
        os.symlink(os.path.join(os.path.dirname(target), "vfio-pci"), drv)
        os.mkdir(os.path.join(sysfs, "bus", "pci", "drivers", "vfio-pci"))

        w.put("v=1 type=add seq=3 addr=0000:08:00.0 vendor=19e5 device=d500 class=120000\n"
              "v=1 type=del seq=4 addr=0000:05:00.0 vendor=8086 device=0b30 class=120000\n"
              "v=1 type=bind seq=5 addr=0000:09:00.0 vendor=8086 device=56c0 class=038000 "
              "driver=vfio-pci\n")
        rc, out, err = w.finish()
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, [
            "EVENT add 0000:08:00.0",
            "EVENT del 0000:05:00.0",
            "EVENT bind 0000:09:00.0 driver=vfio-pci",
            "INVENTORY -0000:05:00.0",
            "INVENTORY +0000:08:00.0 npu Ascend 310P driver=devdrv_device_driver",
            "INVENTORY ~0000:09:00.0 driver=i915->vfio-pci",
            "INVENTORY generation=1 devices=6"])

    def test_debounce_one_rescan_per_burst(self):
        """Events closer than 100 ms apart make one rescan; a pause, another."""
        w = self.watch("--count", "4")
        w.put(SNAPSHOT)
        self.assertEqual(w.line(), "INVENTORY generation=0 devices=7")
        self.assertEqual(w.line(), "SNAPSHOT gen=3 devices=2")
        w.put(ADD % 3)
        time.sleep(0.03)
        w.put(BIND % 4)
        self.assertEqual(w.line(), "EVENT add 0000:01:00.0")
        self.assertEqual(w.line(), "EVENT bind 0000:01:00.0 driver=bochs-drm")
        self.assertEqual(w.line(), "INVENTORY generation=1 devices=7")
        w.put(ADD % 5 + BIND % 6)
        rc, out, err = w.finish()
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, ["EVENT add 0000:01:00.0",
                               "EVENT bind 0000:01:00.0 driver=bochs-drm",
                               "INVENTORY generation=2 devices=7"])

    def test_debounce_bounded(self):
        """Events that never pause for 100 ms still get a rescan: at the
        latest 1 s (ten debounce windows) after the first of them."""
        w = self.watch("--count", "40")
        w.put(SNAPSHOT)
        self.assertEqual(w.line(), "INVENTORY generation=0 devices=7")
        self.assertEqual(w.line(), "SNAPSHOT gen=3 devices=2")
        t0 = time.monotonic()
        for i in range(40):
            w.put(ADD % (3 + i))
            time.sleep(0.04)
        took = time.monotonic() - t0
        rc, out, err = w.finish()
        self.assertEqual((rc, err), (0, ""))
        self.assertGreater(took, 1.5)
        events = 0
        for line in out:
            if line.startswith("EVENT add"):
                events += 1
            elif line.startswith("INVENTORY generation=1 "):
                break
        # 1 s is 25 events of 40 ms; a slow machine sees fewer
        self.assertLess(events, 32, out)


if __name__ == "__main__":
    unittest.main()
