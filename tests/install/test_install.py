# SPDX-License-Identifier: Apache-2.0
"""`make install` into a DESTDIR: exactly the files of docs/deploy.md's
layout with their modes; public headers that stand alone; a pkg-config file
that builds and links a program, dynamically and statically; the systemd
unit accepted by systemd-analyze; and the installed tree at work: accelctl
list on a fixture, acceld --once against the real Keystone and Placement
(tests/integration/openstack.py), the installed completion. Then the
configuration kept over a reinstall and `make uninstall` leaving nothing.

Run by `make install-tests` (ACCEL_BUILD, ACCEL_FIXTURES, ACCEL_VERSION)."""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import unittest

from common import BUILD, FIXTURES, TOP, VERSION, make

sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import openstack as ostk  # noqa: E402


HEADERS = ["common.h", "config.h", "discovery.h", "events.h", "inventory.h", "kmod.h", "log.h",
           "metrics.h", "model.h", "placement.h", "sched.h", "telemetry.h", "uevent.h", "util.h"]
PYFILES = ["__init__.py", "_core" + sysconfig.get_config_var("EXT_SUFFIX"),
           "_kafka" + sysconfig.get_config_var("EXT_SUFFIX"), "config.py",
           "cyborg/__init__.py", "cyborg/_discovery" + sysconfig.get_config_var("EXT_SUFFIX"),
           "cyborg/driver.py", "nova/__init__.py", "nova/_shared.py", "nova/conf.py", "nova/filters.py",
           "nova/validators.py", "nova/weighers.py", "placement.py", "state.py"]
EGG = ["PKG-INFO", "SOURCES.txt", "dependency_links.txt", "entry_points.txt", "top_level.txt"]
SITE = "usr/lib/python3/dist-packages"

# What `make install` puts under DESTDIR with the default variables: file
# mode, or "-> target" for a symbolic link.
EXPECTED = {
    "usr/local/bin/accelctl": 0o755,
    "usr/local/sbin/acceld": 0o755,
    "usr/local/lib/libaccel.so.0": 0o644,
    "usr/local/lib/libaccel.so": "-> libaccel.so.0",
    "usr/local/lib/libaccel.a": 0o644,
    "usr/local/lib/libaccel-common.a": 0o644,
    "usr/local/lib/libaccel-discovery.a": 0o644,
    "usr/local/lib/libaccel-placement.a": 0o644,
    "usr/local/lib/libaccelsched.a": 0o644,
    "usr/local/lib/pkgconfig/accel.pc": 0o644,
    "usr/local/share/man/man1/accelctl.1": 0o644,
    "usr/local/share/man/man5/accelsched.conf.5": 0o644,
    "usr/local/share/man/man8/acceld.8": 0o644,
    "usr/local/share/bash-completion/completions/accelctl": 0o644,
    "usr/local/share/accelsched/accelsched.conf.sample": 0o644,
    "usr/local/share/accelsched/nova.conf.accelsched.sample": 0o644,
    "etc/accelsched/accelsched.conf": 0o600,
    "usr/local/lib/systemd/system/acceld.service": 0o644,
    "usr/local/lib/udev/rules.d/60-accelinv.rules": 0o644,
    "usr/local/lib/sysusers.d/accelsched.conf": 0o644,
    "usr/local/src/accelinv-%s/dkms.conf" % VERSION: 0o644,
    "usr/local/src/accelinv-%s/Kbuild" % VERSION: 0o644,
    "usr/local/src/accelinv-%s/Makefile" % VERSION: 0o644,
    "usr/local/src/accelinv-%s/accelinv.c" % VERSION: 0o644,
}
EXPECTED.update({"usr/local/include/accel/" + h: 0o644 for h in HEADERS})
EXPECTED.update({SITE + "/accelsched/" + f: 0o644 for f in PYFILES})
EXPECTED.update({SITE + "/accelsched.egg-info/" + f: 0o644 for f in EGG})

# What an installed header may include besides the other installed ones.
STD_HEADERS = {"stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdarg.h", "sys/types.h",
               "time.h", "limits.h"}


def tree(root):
    """{path under root: mode or "-> target"} of every file and link."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, root)
            out[rel] = ("-> " + os.readlink(p)) if os.path.islink(p) else \
                os.lstat(p).st_mode & 0o7777
    return out


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                    p.stderr))
    return p


class Installed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="accel-install-")
        cls.dest = os.path.join(cls.tmp, "dest")
        make("install", "DESTDIR=" + cls.dest)
        cls.prefix = os.path.join(cls.dest, "usr", "local")
        cls.env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(cls.prefix, "lib"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files_and_modes(self):
        got = tree(self.dest)
        self.assertEqual(sorted(set(got) - set(EXPECTED)), [], "installed, not expected")
        self.assertEqual(sorted(set(EXPECTED) - set(got)), [], "expected, not installed")
        def shown(m):
            return m if isinstance(m, str) else "%04o" % m

        self.assertEqual({p: shown(m) for p, m in got.items()},
                         {p: shown(m) for p, m in EXPECTED.items()})

    def test_versions_agree(self):
        """One version: the Makefile's, the C headers', the Python package's,
        the DKMS package's and the man pages'."""
        self.assertEqual(make("version").stdout.strip(), VERSION)
        with open(os.path.join(self.prefix, "include", "accel", "common.h")) as f:
            self.assertIn('#define ACCELSCHED_VERSION "%s"' % VERSION, f.read())
        with open(os.path.join(self.prefix, "src", "accelinv-" + VERSION, "dkms.conf")) as f:
            self.assertIn('PACKAGE_VERSION="%s"' % VERSION, f.read())
        with open(os.path.join(TOP, "kmod", "dkms.conf")) as f:
            self.assertIn('PACKAGE_VERSION="%s"' % VERSION, f.read())
        with open(os.path.join(self.dest, SITE, "accelsched.egg-info", "PKG-INFO")) as f:
            self.assertIn("Version: %s\n" % VERSION, f.read())
        for page in ("man8/acceld.8", "man5/accelsched.conf.5"):
            with open(os.path.join(self.prefix, "share", "man", page)) as f:
                self.assertIn('"accelsched %s"' % VERSION, f.readline())
        p = run([os.path.join(self.prefix, "bin", "accelctl"), "--version"])
        self.assertEqual(p.stdout, "accelctl %s\n" % VERSION)

    def test_shared_library_soname(self):
        lib = os.path.join(self.prefix, "lib", "libaccel.so.0")
        dyn = run(["readelf", "-d", lib]).stdout
        self.assertRegex(dyn, r"\(SONAME\)\s+Library soname: \[libaccel\.so\.0\]")

    def test_headers_public_and_standalone(self):
        """No installed header includes an internal or a json-c header, or
        anything but the other installed headers and the C library's; each
        compiles alone, as C and as C++."""
        inc = os.path.join(self.prefix, "include")
        for h in HEADERS:
            with self.subTest(header=h):
                with open(os.path.join(inc, "accel", h)) as f:
                    text = f.read()
                for m in re.finditer(r"^\s*#\s*include\s*[<\"]([^>\"]+)[>\"]", text, re.M):
                    name = m.group(1)
                    self.assertNotIn("internal", name)
                    self.assertNotIn("json", name)
                    self.assertTrue(name in STD_HEADERS or (
                        name.startswith("accel/") and name[len("accel/"):] in HEADERS),
                        "%s includes %s" % (h, name))
                self.assertIsNone(re.search(r"json_object|json-c", text))
                src = "#include <accel/%s>\n" % h
                for lang, cc, std in (("c", "cc", "-std=gnu11"), ("c++", "c++", "-std=gnu++17")):
                    p = subprocess.run([cc, std, "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                        "-I" + inc, "-x", lang, "-"], input=src,
                                       capture_output=True, text=True)
                    self.assertEqual((p.returncode, p.stderr), (0, ""), "%s as %s" % (h, lang))
        self.assertFalse(os.path.exists(os.path.join(inc, "accel", "internal")))

    PROGRAM = r"""
#include <stdio.h>
#include <accel/discovery.h>
#include <accel/inventory.h>
int main(int argc, char **argv)
{
	accel_ctx *ctx;
	accel_inventory *inv;

	(void)argc;
	if (accel_ctx_new(&ctx) || accel_ctx_set_sysfs_root(ctx, argv[1]) || accel_scan(ctx, &inv))
		return 1;
	printf("%zu\n", accel_inventory_n_devices(inv));
	accel_inventory_free(inv);
	accel_ctx_free(ctx);
	return 0;
}
"""

    def pkg_config(self, *args):
        """pkg-config on the installed accel.pc with its prefix moved to the
        DESTDIR (an option to pkg-config would move the system's too)."""
        with open(os.path.join(self.prefix, "lib", "pkgconfig", "accel.pc")) as f:
            pc = f.read()
        self.assertTrue(pc.startswith("prefix=/usr/local\n"), pc)
        d = os.path.join(self.tmp, "pc")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "accel.pc"), "w") as f:
            f.write("prefix=" + self.prefix + pc[len("prefix=/usr/local"):])
        env = dict(os.environ, PKG_CONFIG_PATH=d)
        return run(["pkg-config", *args, "accel"], env=env).stdout.split()

    def test_pkg_config_builds_a_program(self):
        """accel.pc: -I and -L into the install, -laccel; the program runs
        against libaccel.so.0 and sees the fixture's devices. Linked with
        libaccel.a, Requires.private and Libs.private are all it needs."""
        self.assertEqual(self.pkg_config("--modversion"), [VERSION])
        cflags, libs = self.pkg_config("--cflags"), self.pkg_config("--libs")
        # the headers need only -I of the install (test_headers_public_and_
        # standalone); pkg-config adds the cflags of Requires.private
        private = run(["pkg-config", "--cflags", "libpci", "libdrm", "json-c", "OpenCL",
                       "libcurl", "libcrypto"]).stdout.split()
        self.assertEqual(cflags[0], "-I" + os.path.join(self.prefix, "include"))
        self.assertEqual(sorted(set(cflags[1:])), sorted(set(private)))
        self.assertEqual(libs, ["-L" + os.path.join(self.prefix, "lib"), "-laccel"])
        src = os.path.join(self.tmp, "prog.c")
        with open(src, "w") as f:
            f.write(self.PROGRAM)
        sysfs = os.path.join(FIXTURES, "dgx2", "sys")
        want = len(json.loads(run([os.path.join(self.prefix, "bin", "accelctl"), "list", "-q",
                                   "-f", "json", "--sysfs-root", sysfs]).stdout)["devices"])
        self.assertGreater(want, 0)
        dyn = os.path.join(self.tmp, "prog-dyn")
        run(["cc", "-std=gnu11", "-o", dyn, src, *cflags, *libs])
        self.assertIn("libaccel.so.0", run(["readelf", "-d", dyn]).stdout)
        self.assertEqual(run([dyn, sysfs], env=self.env).stdout, "%d\n" % want)
        # libaccel.a with Requires.private's libraries (linked dynamically:
        # Debian ships no static libcurl dependencies) and Libs.private
        private = self.pkg_config("--print-requires-private")
        self.assertEqual(private, ["libpci", "libdrm", "json-c", "OpenCL", "libcurl",
                                   "libcrypto"])
        static_libs = [os.path.join(self.prefix, "lib", "libaccel.a")] + run(
            ["pkg-config", "--libs", *private]).stdout.split() + ["-lpthread"]
        sta = os.path.join(self.tmp, "prog-static")
        run(["cc", "-std=gnu11", "-o", sta, src, *cflags, *static_libs])
        self.assertNotIn("libaccel.so", run(["readelf", "-d", sta]).stdout)
        self.assertEqual(run([sta, sysfs]).stdout, "%d\n" % want)

    def test_pc_paths_follow_libdir(self):
        """A Debian-style LIBDIR is written relative to ${prefix}."""
        dest = os.path.join(self.tmp, "multiarch")
        make("install-dev", "DESTDIR=" + dest, "PREFIX=/usr", "LIBDIR=/usr/lib/x86_64-linux-gnu")
        with open(os.path.join(dest, "usr/lib/x86_64-linux-gnu/pkgconfig/accel.pc")) as f:
            pc = f.read()
        self.assertIn("prefix=/usr\n", pc)
        self.assertIn("libdir=${prefix}/lib/x86_64-linux-gnu\n", pc)
        self.assertIn("includedir=${prefix}/include\n", pc)
        self.assertTrue(os.path.islink(os.path.join(dest, "usr/lib/x86_64-linux-gnu/libaccel.so")))

    def test_systemd_unit(self):
        """systemd-analyze verify accepts the installed unit without a word
        (its ExecStart= is the installed acceld, its man pages the installed
        ones), and its hardening scores as OK (exposure 2.0 at most)."""
        unit = os.path.join(self.prefix, "lib", "systemd", "system", "acceld.service")
        with open(unit) as f:
            text = f.read()
        self.assertIn("ExecStart=/usr/local/sbin/acceld --config "
                      "/etc/accelsched/accelsched.conf\n", text)
        self.assertIsNone(re.search(r"@[A-Z]+@", text))
        for line in ("User=accelsched", "CapabilityBoundingSet=\n", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "StateDirectory=accelsched", "PrivateTmp=yes",
                     "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
                     # without a writable cache, OpenCL runtimes report nothing
                     "CacheDirectory=accelsched", "Environment=XDG_CACHE_HOME=%C/accelsched"):
            self.assertIn(line, text)
        # the root systemd-analyze sees: the install, and the host's own
        # units and /bin/kill (ExecReload=) copied beside it
        root = os.path.join(self.tmp, "root")
        shutil.copytree(self.dest, root, symlinks=True)
        shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"),
                        symlinks=True)
        os.makedirs(os.path.join(root, "usr/bin"))
        shutil.copy2("/usr/bin/kill", os.path.join(root, "usr/bin/kill"))
        os.symlink("usr/bin", os.path.join(root, "bin"))
        env = dict(os.environ, MANPATH=os.path.join(root, "usr/local/share/man"))
        p = subprocess.run(["systemd-analyze", "verify", "--root=" + root, "acceld.service"],
                           capture_output=True, text=True, env=env)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--root=" + root,
                            "--threshold=20", "--no-pager", "acceld.service"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        m = re.search(r"Overall exposure level for acceld.service: ([\d.]+)", p.stdout)
        self.assertTrue(m, p.stdout)
        self.assertLessEqual(float(m.group(1)), 2.0, p.stdout)

    def test_systemd_analyze_refuses_a_broken_unit(self):
        """The check above can fail: a misspelt key is reported."""
        root = os.path.join(self.tmp, "broken")
        unitdir = os.path.join(root, "etc/systemd/system")
        os.makedirs(unitdir)
        with open(os.path.join(self.prefix, "lib/systemd/system/acceld.service")) as f:
            text = f.read().replace("ProtectSystem=strict", "ProtectSystem=strictly")
        with open(os.path.join(unitdir, "acceld.service"), "w") as f:
            f.write(text)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no",
                            os.path.join(unitdir, "acceld.service")],
                           capture_output=True, text=True)
        self.assertIn("acceld.service:%d: Failed to parse protect system value, ignoring: "
                      "strictly" % (text[:text.index("strictly")].count("\n") + 1),
                      p.stdout + p.stderr)

    def test_sysusers_and_udev_rule(self):
        """systemd-sysusers reads the installed file from its /usr/local
        folder and would create accelsched; the udev rule gives
        /dev/accelinv to that group."""
        p = run(["systemd-sysusers", "--root=" + self.dest, "--dry-run"])
        self.assertIn("Creating user 'accelsched' (accelsched node agent)", p.stdout + p.stderr)
        with open(os.path.join(self.prefix, "lib/udev/rules.d/60-accelinv.rules")) as f:
            rules = [x for x in f.read().splitlines() if x and not x.startswith("#")]
        self.assertEqual(rules, ['SUBSYSTEM=="misc", KERNEL=="accelinv", GROUP="accelsched", '
                                 'MODE="0640"'])

    def test_accelctl_lists_a_fixture(self):
        accelctl = os.path.join(self.prefix, "bin", "accelctl")
        sysfs = os.path.join(FIXTURES, "esc8000a", "sys")
        p = run([accelctl, "list", "-q", "--sysfs-root", sysfs], env=self.env)
        self.assertIn("RTX 6000 Ada", p.stdout)
        built = run([os.path.join(BUILD, "bin", "accelctl"), "list", "-q", "--sysfs-root",
                     sysfs]).stdout
        self.assertEqual(p.stdout, built)

    def test_discovery_needs_no_privilege(self):
        """This machine's own inventory (the real /sys and /dev, OpenCL
        asked) is the same for the installed accelctl run as the unit runs
        acceld (no capability, another user, a cache of its own) as for
        this user: the unit gives acceld all that discovery needs."""
        accelctl = os.path.join(self.prefix, "bin", "accelctl")
        pre, uid = unprivileged()
        os.chmod(self.tmp, 0o755)
        out = []
        for name, prefix in (("self", []), ("unprivileged", pre)):
            cache = os.path.join(self.tmp, "cache-" + name)
            os.makedirs(cache)
            if prefix:
                os.chown(cache, uid, uid)
            env = dict(self.env, HOME="/nonexistent", XDG_CACHE_HOME=cache)
            inv = json.loads(run(prefix + [accelctl, "list", "-f", "json", "--host", "h"],
                                 env=env).stdout)
            inv.pop("collected_at", None)
            for d in inv.get("host_opencl", []):
                d.pop("global_mem_mb", None)  # a CPU runtime's: the memory free now
            out.append(inv)
        self.assertEqual(out[1], out[0])

    def test_completion_installed(self):
        script = os.path.join(self.prefix, "share", "bash-completion", "completions", "accelctl")
        p = subprocess.run([sys.executable, "-m", "unittest", "-q", "test_completion"],
                           cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True,
                           text=True, env=dict(os.environ, ACCEL_COMPLETION=script))
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_python_package_entry_points(self):
        """The installed package imports from the install and its egg-info
        declares the entry points Nova and oslo-config-generator look up."""
        site = os.path.join(self.dest, SITE)
        code = ("import importlib.metadata as m, accelsched, accelsched._core, "
                "accelsched.nova.filters;"
                "print(accelsched.__file__);"
                "print(sorted((e.group, e.name, e.value) for e in m.distribution('accelsched')"
                ".entry_points))")
        p = run(["/usr/bin/python3", "-I", "-c", "import sys; sys.path.insert(0, %r); %s"
                 % (site, code)])
        first, second = p.stdout.splitlines()
        self.assertTrue(first.startswith(site), first)
        self.assertIn("('nova.api.extra_spec_validators', 'accelsched', "
                      "'accelsched.nova.validators')", second)
        self.assertIn("('oslo.config.opts', 'accelsched', 'accelsched.nova.conf:list_opts')",
                      second)
        self.assertIn("('cyborg.accelerator.driver', 'accelsched', "
                      "'accelsched.cyborg.driver:AccelschedDriver')", second)


class InstalledAgainstPlacement(unittest.TestCase):
    """acceld and accelctl report of the install, configured through the
    installed configuration file, against the real Keystone and Placement."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="accel-install-pl-")
        cls.dest = os.path.join(cls.tmp, "dest")
        make("install-bin", "install-data", "DESTDIR=" + cls.dest)
        cls.ks = ostk.Keystone(cls.tmp)
        cls.pl = ostk.Placement(cls.tmp, keystone=cls.ks)
        ostk.start_all(cls.ks, cls.pl)

    @classmethod
    def tearDownClass(cls):
        cls.pl.stop()
        cls.ks.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def configure(self, host, sysfs, conf=None, state=None):
        """The installed configuration (or CONF, a copy), edited as an
        operator would: the installed sample with options set below their
        commented defaults, mode and owner kept."""
        installed = os.path.join(self.dest, "etc", "accelsched", "accelsched.conf")
        if conf is None:
            conf = installed
        else:
            shutil.copy2(installed, conf)
        with open(os.path.join(self.dest, "usr/local/share/accelsched/accelsched.conf.sample")) as f:
            text = f.read()
        values = {
            "DEFAULT": {"host": host, "state_dir": state or os.path.join(self.tmp, "state")},
            "discovery": {"sysfs_root": sysfs},
            "placement": {"auth_url": self.ks.url, "username": ostk.ADMIN_USER,
                          "password": self.ks.admin_password, "user_domain_name": "Default",
                          "project_name": ostk.ADMIN_PROJECT,
                          "project_domain_name": "Default", "region_name": ostk.REGION},
        }
        for section, opts in values.items():
            for k, v in opts.items():
                text, n = re.subn(r"(?m)^\[%s\]\n" % section,
                                  lambda m: m.group(0) + "%s = %s\n" % (k, v), text, count=1)
                self.assertEqual(n, 1, section)
        with open(conf, "w") as f:
            f.write(text)
        self.assertEqual(os.stat(conf).st_mode & 0o777, 0o600)
        return conf

    def test_acceld_once_and_report(self):
        host = "installed-host"
        sysfs = os.path.join(FIXTURES, "esc8000a", "sys")
        conf = self.configure(host, sysfs)
        s = self.pl.session()
        try:
            ostk.create_compute_node_provider(s, host)
        finally:
            s.close()
        acceld = os.path.join(self.dest, "usr", "local", "sbin", "acceld")
        accelctl = os.path.join(self.dest, "usr", "local", "bin", "accelctl")
        plan = run([accelctl, "report", "-q", "--config", conf, "--sysfs-root", sysfs])
        self.assertIn('POST /resource_providers {"name":"%s_' % host, plan.stdout)
        self.assertRegex(plan.stdout, r"\n\d+ writes for %s " % host)
        p = subprocess.run([acceld, "--config", conf, "--once"], capture_output=True, text=True,
                           timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        inv = json.loads(run([accelctl, "list", "-q", "-f", "json", "--sysfs-root", sysfs,
                              "--host", host]).stdout)
        s = self.pl.session()
        try:
            rps = s.get("/resource_providers").json["resource_providers"]
        finally:
            s.close()
        names = sorted(r["name"] for r in rps if r["name"].startswith(host + "_"))
        # one provider per device with a resource class (not the BMC's display)
        want = sorted("%s_%s" % (host, d["address"]) for d in inv["devices"]
                      if d["kind"] != "display" and d["resource_class"])
        self.assertEqual(len(want), 4)
        self.assertEqual(names, want)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "state",
                                                    "placement-%s.json" % host)))
        # in sync now: a second run writes nothing
        p = subprocess.run([acceld, "--config", conf, "--once"], capture_output=True, text=True,
                           timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"placement sync: \d+ requests \(\d+ reads, 0 writes")


    def test_acceld_unprivileged(self):
        """acceld as the unit runs it: a user of its own, no capability, no
        new privileges, a private cache (as root here, as 65534 through
        setpriv; as any other user, as that user). It syncs; and a
        configuration it cannot read is an error that says what to do."""
        host = "unprivileged-host"
        sysfs = os.path.join(FIXTURES, "hgx-a100-vfio", "sys")
        d = os.path.join(self.tmp, "unpriv")
        os.makedirs(os.path.join(d, "state"))
        os.makedirs(os.path.join(d, "cache"))
        conf = self.configure(host, sysfs, os.path.join(d, "accelsched.conf"),
                              state=os.path.join(d, "state"))
        pre, uid = unprivileged()
        if pre:
            for p in (d, os.path.join(d, "state"), os.path.join(d, "cache"), conf):
                os.chown(p, uid, uid)
        os.chmod(self.tmp, 0o755)  # the installed acceld, reached through it
        s = self.pl.session()
        try:
            ostk.create_compute_node_provider(s, host)
        finally:
            s.close()
        acceld = os.path.join(self.dest, "usr", "local", "sbin", "acceld")
        env = dict(os.environ, HOME="/nonexistent", XDG_CACHE_HOME=os.path.join(d, "cache"))
        p = subprocess.run(pre + [acceld, "--config", conf, "--once"], capture_output=True,
                           text=True, timeout=180, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"placement sync: .* 8 created")
        self.assertTrue(os.path.isfile(os.path.join(d, "state", "placement-%s.json" % host)))
        # a file it may not read: root's (as 65534), or one without r (as a user)
        if pre:
            os.chown(conf, 0, 0)
        else:
            os.chmod(conf, 0)
        p = subprocess.run(pre + [acceld, "--config", conf, "--once"], capture_output=True,
                           text=True, timeout=180, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s: Permission denied (this is uid %d; a file with a secret belongs to "
                      "the user that reads it: chown %d %s)" % (conf, uid, uid, conf), p.stderr)


def unprivileged():
    """The command prefix that runs a program as the unit runs acceld, and
    its uid: as root, setpriv to uid 65534 with no capability at all."""
    if os.geteuid() != 0:
        return [], os.getuid()
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs"], 65534


class Uninstall(unittest.TestCase):
    def test_config_kept_then_everything_removed(self):
        """A changed configuration survives a reinstall and an uninstall;
        once it is gone, uninstall leaves no file behind."""
        tmp = tempfile.mkdtemp(prefix="accel-uninstall-")
        try:
            dest = os.path.join(tmp, "dest")
            make("install", "DESTDIR=" + dest)
            conf = os.path.join(dest, "etc", "accelsched", "accelsched.conf")
            with open(conf, "a") as f:
                f.write("[DEFAULT]\nhost = kept\n")
            os.chmod(conf, 0o640)
            p = make("install-data", "DESTDIR=" + dest)
            self.assertIn("KEEP", p.stdout)
            with open(conf) as f:
                self.assertIn("host = kept", f.read())
            self.assertEqual(os.stat(conf).st_mode & 0o777, 0o640)
            p = make("uninstall", "DESTDIR=" + dest)
            self.assertIn("changed from the sample", p.stdout)
            self.assertEqual(sorted(tree(dest)), ["etc/accelsched/accelsched.conf"])
            os.unlink(conf)
            make("install", "DESTDIR=" + dest)
            make("uninstall", "DESTDIR=" + dest)
            self.assertEqual(tree(dest), {})
            self.assertFalse(os.path.exists(os.path.join(dest, "etc", "accelsched")))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
