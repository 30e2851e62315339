#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A QEMU test bed with a real kernel, real PCI and DRM, and hot-plug.

Builds an initramfs (busybox-static, accelctl and acceld with their shared libraries,
accelinv.ko, the DRM and virtio modules of Debian's kernel) and boots
Debian's kernel (linux-image-amd64) in qemu-system-x86_64 as a q35 machine
with PCIe root ports, a virtio-gpu-pci and a bochs-display. The host drives
the guest through a shell on the serial console (commands framed with
markers) and QEMU through QMP (device_add, device_del).

KVM is used only when a probe boot with it answers; otherwise TCG (a
guest hung under KVM on this kind of machine).

    /usr/bin/python3 tests/vm/vm.py --bin build/bin --kmod kmod/accelinv.ko
        boots the VM, runs `accelctl list` inside, and exits.
"""
import argparse
import glob
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))

# Guest kernel modules the scenarios need, by module name; their
# dependencies are added from modules.dep.
MODULES = ["virtio_pci", "virtio-gpu", "bochs"]
END = "@@ACCEL-END"


def kernel_version():
    """The newest Debian kernel whose image and headers are both present."""
    for path in sorted(glob.glob("/boot/vmlinuz-*-amd64"), reverse=True):
        kver = path[len("/boot/vmlinuz-"):]
        if os.path.isdir("/lib/modules/%s/kernel" % kver) and \
                os.path.isdir("/usr/src/linux-headers-%s" % kver):
            return kver
    raise RuntimeError("no Debian kernel with headers: apt-get install linux-image-amd64 "
                       "linux-headers-amd64")


def module_closure(kver, names):
    """Paths of the modules and what they depend on, dependencies first."""
    base = "/lib/modules/%s" % kver
    deps, by_name = {}, {}
    with open(os.path.join(base, "modules.dep")) as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()
            name = os.path.basename(mod).split(".ko")[0]
            by_name[name] = mod
            by_name[name.replace("-", "_")] = mod
    order, seen = [], set()

    def visit(mod):
        if mod in seen:
            return
        seen.add(mod)
        for d in deps.get(mod, []):
            visit(d)
        order.append(os.path.join(base, mod))

    for n in names:
        if n not in by_name:
            raise RuntimeError("module %s not in %s/modules.dep" % (n, base))
        visit(by_name[n])
    return order


def shared_libs(binary):
    """The shared libraries (and loader) a binary needs, from ldd."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"(/\S+)", line.split("=>")[-1])
        if m and os.path.exists(m.group(1)):
            libs.append(m.group(1))
    return libs


INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /run
dmesg -n 1
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null; done
stty -F /dev/ttyS0 -echo -icanon 2>/dev/null
echo "@@ACCEL-READY $(uname -r)" >/dev/ttyS0
# commands from the host, one per line; each answered with its output and
# an end marker carrying the exit status
while read -r line; do
    sh -c "$line" </dev/null >/tmp/out 2>&1
    rc=$?
    cat /tmp/out
    echo "@@ACCEL-END $rc"
done </dev/ttyS0 >/dev/ttyS0 2>&1
poweroff -f
"""


def build_initramfs(out, kver, bindir, kmod, extra_kmods=()):
    """A newc cpio (gzip) with busybox, accelctl and acceld and their libraries, the
    modules, accelinv.ko and extra_kmods (test modules, in /lib/modules,
    not loaded at boot); returns its path."""
    root = tempfile.mkdtemp(prefix="accel-vm-root-")
    try:
        for d in ("bin", "sbin", "proc", "sys", "dev", "lib/modules", "usr/share/misc",
                  "usr/bin", "etc"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy2("/bin/busybox", os.path.join(root, "bin", "busybox"))
        tools = [os.path.join(bindir, t) for t in ("accelctl", "acceld")]
        for t in tools:
            shutil.copy2(t, os.path.join(root, "usr", "bin"))
            for lib in shared_libs(t):
                dst = os.path.join(root, lib.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(lib, dst)
        for ids in ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"):
            if os.path.exists(ids):
                dst = os.path.join(root, ids.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(ids, dst)
        order = []
        for path in module_closure(kver, MODULES):
            shutil.copy2(path, os.path.join(root, "lib", "modules"))
            order.append(os.path.basename(path))
        with open(os.path.join(root, "modules.order"), "w") as f:
            f.write("\n".join(order) + "\n")
        if kmod:
            shutil.copy2(kmod, os.path.join(root, "lib", "modules", "accelinv.ko"))
        for extra in extra_kmods:
            shutil.copy2(extra, os.path.join(root, "lib", "modules"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        files = subprocess.run(["find", ".", "-print0"], cwd=root, check=True,
                               capture_output=True).stdout
        cpio = subprocess.run(["cpio", "--null", "-o", "-H", "newc", "--quiet"], cwd=root,
                              input=files, check=True, capture_output=True).stdout
        with open(out, "wb") as f:
            subprocess.run(["gzip", "-1"], input=cpio, stdout=f, check=True)
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


class QMP:
    """QEMU's machine protocol over a unix socket: commands (the events it
    sends between answers are not used here and are dropped)."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self._recv()   # greeting
        self.cmd("qmp_capabilities")

    def _recv(self, timeout=30):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError("QMP: no answer")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QMP: QEMU closed the socket")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._recv()
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (name, r["error"].get("desc")))
            return r.get("return")

    def close(self):
        self.sock.close()


def kvm_usable():
    """KVM only if /dev/kvm opens; the boot itself is the real probe (VM
    falls back to TCG when a KVM guest does not answer)."""
    return os.access("/dev/kvm", os.R_OK | os.W_OK) and os.environ.get("ACCEL_VM_KVM") != "0"


class VM:
    """One guest. Use as a context manager; run(cmd) returns (rc, output)."""

    def __init__(self, initrd, kver, workdir, accel=None, extra_devices=(), mem=512, append=""):
        self.workdir = workdir
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.kver = kver
        self.accel = accel or ("kvm" if kvm_usable() else "tcg")
        self.log = open(os.path.join(workdir, "console.log"), "ab")
        cmd = ["qemu-system-x86_64", "-M", "q35", "-m", str(mem), "-smp", "1",
               "-accel", self.accel, "-cpu", "host" if self.accel == "kvm" else "max",
               "-kernel", "/boot/vmlinuz-%s" % kver, "-initrd", initrd,
               "-append", ("console=ttyS0 panic=-1 quiet loglevel=4 " + append).strip(),
               "-display", "none", "-vga", "none", "-no-reboot",
               "-serial", "stdio", "-monitor", "none",
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
               "-device", "virtio-gpu-pci,id=vgpu0",
               "-device", "bochs-display,id=bochs0"]
        for i in range(1, 9):
            cmd += ["-device", "pcie-root-port,id=rp%d,chassis=%d,slot=%d,mem-reserve=8M,pref32-reserve=32M" % (i, i, i)]
        for d in extra_devices:
            cmd += ["-device", d]
        self.cmd = cmd
        self.proc = None
        self.qmp = None
        self.buf = b""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, timeout=None):
        if timeout is None:
            timeout = 20 if self.accel == "kvm" else 120
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        try:
            self.expect(r"@@ACCEL-READY (\S+)\r?\n", timeout)
        except (TimeoutError, ConnectionError) as e:
            if self.accel == "kvm":
                # the probe: KVM guests hung or QEMU failed here; go on with TCG
                print("vm: KVM boot failed (%s); using TCG" % str(e).splitlines()[0],
                      file=sys.stderr)
                self.stop()
                self.accel = "tcg"
                self.cmd[self.cmd.index("-accel") + 1] = "tcg"
                self.cmd[self.cmd.index("-cpu") + 1] = "max"
                return self.start(timeout)
            raise
        self.qmp = QMP(self.qmp_path)

    def stop(self):
        if self.qmp:
            try:
                self.qmp.cmd("quit")
            except Exception:
                pass
            self.qmp.close()
            self.qmp = None
        if self.proc:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None

    def close(self):
        self.stop()
        self.log.close()

    def _read(self, timeout):
        fd = self.proc.stdout.fileno()
        if not select.select([fd], [], [], max(0, timeout))[0]:
            return False
        chunk = os.read(fd, 65536)
        if not chunk:
            raise ConnectionError("QEMU exited: %s" % self.tail())
        self.log.write(chunk)
        self.log.flush()
        self.buf += chunk
        return True

    def tail(self):
        return self.buf[-2000:].decode(errors="replace")

    def expect(self, pattern, timeout=30):
        """Wait for a regex in the console output; consume through it."""
        rx = re.compile(pattern.encode())
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %r on the console within %ss; last output:\n%s"
                                   % (pattern, timeout, self.tail()))
            self._read(left)

    def readline(self, timeout=30):
        """One console line (without the newline), or None on timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                if time.monotonic() >= deadline:
                    return None
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace").rstrip("\r")

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def run(self, command, timeout=60):
        """Run a shell command in the guest; (exit status, output)."""
        self.send(command)
        m = self.expect(r"(?s)(.*?)%s (\d+)\r?\n" % END, timeout)
        return int(m.group(2)), m.group(1).decode(errors="replace")

    def check(self, command, timeout=60):
        rc, out = self.run(command, timeout)
        if rc:
            raise AssertionError("guest: %s: exit %d\n%s" % (command, rc, out))
        return out

    def dmesg_problems(self):
        """Lines of the kernel log that say WARN, BUG or oops."""
        out = self.check("dmesg")
        return [line for line in out.splitlines()
                if re.search(r"WARNING:|BUG:|Oops|Call Trace|general protection", line)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "bin"))
    ap.add_argument("--kmod", default=os.path.join(TOP, "kmod", "accelinv.ko"))
    args = ap.parse_args(argv)
    kver = kernel_version()
    work = tempfile.mkdtemp(prefix="accel-vm-")
    initrd = build_initramfs(os.path.join(work, "initrd.gz"), kver, args.bin, args.kmod)
    t0 = time.monotonic()
    with VM(initrd, kver, work) as vm:
        print("booted %s (%s) in %.1f s" % (kver, vm.accel, time.monotonic() - t0))
        print(vm.check("accelctl list --opencl off"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
