# SPDX-License-Identifier: Apache-2.0
"""The Debian packages (debian/) as an operator gets them: built with
dpkg-buildpackage from a clean copy of the tree, checked by lintian,
installed on this machine with apt-get, used, then removed and purged.

Run by `make package-tests` as root with Debian's /usr/bin/python3,
ACCEL_FIXTURES set (a built fixture tree) and ACCEL_SRC the repository.
This installs into the real machine: it refuses to start over files of a
`make install` into /usr, and at the end (failed or not) purges the
packages, the packages apt-get pulled in for them, and the accelsched user
when it created it.
"""
import glob
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

SRC = os.path.abspath(os.environ.get("ACCEL_SRC", "."))
FX = os.path.abspath(os.environ.get("ACCEL_FIXTURES", "build/fixtures"))
FIXTURE = "hgx-a100-vfio"
VERSION = "0.1.0"
PACKAGES = ("accelsched", "libaccel0", "libaccel-dev", "python3-accelsched", "accelinv-dkms")
CONF = "/etc/accelsched/accelsched.conf"
STATE = "/var/lib/accelsched"
WANTS = "/etc/systemd/system/multi-user.target.wants/acceld.service"
DSH = "/var/lib/systemd/deb-systemd-helper-enabled"
# Paths a `make install` into /usr would have left unowned, which dpkg would
# silently take over and then delete on purge.
FOREIGN = ("/usr/lib/python3/dist-packages/accelsched", "/usr/sbin/acceld", "/usr/bin/accelctl",
           "/usr/src/accelinv-" + VERSION, "/lib/systemd/system/acceld.service")
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=900", "--no-install-recommends"]
ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def run(*args, check=True, **kw):
    p = subprocess.run(args, capture_output=True, text=True, env=kw.pop("env", ENV), **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: rc %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def installed(pkg):
    p = run("dpkg-query", "-W", "-f=${db:Status-Status}", pkg, check=False)
    return p.returncode == 0 and p.stdout.strip() not in ("", "not-installed")


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def dsh_mentions(unit):
    """deb-systemd-helper's records of unit, as paths."""
    out = []
    for root, _, files in os.walk(DSH):
        out += [os.path.join(root, f) for f in files if unit in f]
    return out


class PackageTest(unittest.TestCase):
    """One sequence: build, lintian, install, use, remove, purge (the test
    methods run in the order of their numbers, each on the state the one
    before left)."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("package-tests installs packages: run it as root")
        if not os.path.isdir(os.path.join(FX, FIXTURE, "sys")):
            raise AssertionError("%s: no fixture tree; run `make fixtures` (ACCEL_FIXTURES)"
                                 % os.path.join(FX, FIXTURE))
        # a run stopped half-way left its packages: start from none
        cls.purge_ours()
        foreign = [p for p in FOREIGN if os.path.lexists(p)]
        if foreign:
            raise AssertionError("files of another install are where the packages go: %s; "
                                 "remove them (a `make install PREFIX=/usr`?) before "
                                 "make package-tests" % ", ".join(foreign))
        cls.user_before = user_exists("accelsched")
        cls.state_before = os.path.exists(STATE) or os.path.exists("/etc/accelsched")
        if cls.state_before:
            raise AssertionError("%s or /etc/accelsched exists without the packages; a purge "
                                 "removes them, so this test will not run over them" % STATE)
        cls.extra = []
        cls.tmp = tempfile.mkdtemp(prefix="accel-pkg-")
        cls.debs = []

    @classmethod
    def tearDownClass(cls):
        cls.purge_ours()
        if cls.extra:
            run(*APT, "purge", *cls.extra, check=False)
        # setUpClass made sure neither was here: what a faulty purge left
        shutil.rmtree(STATE, ignore_errors=True)
        shutil.rmtree("/etc/accelsched", ignore_errors=True)
        if not cls.user_before and user_exists("accelsched"):
            run("deluser", "--quiet", "--system", "accelsched", check=False)
            run("delgroup", "--quiet", "--system", "accelsched", check=False)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def purge_ours(cls):
        present = [p for p in PACKAGES if installed(p)]
        if present:
            run(*APT, "purge", *present)

    def need(self, *attrs):
        for a in attrs:
            if not getattr(type(self), a, None):
                self.skipTest("an earlier step failed")

    def test_1_build(self):
        """dpkg-buildpackage -us -uc (source and binaries) from a copy of the
        tree as git has it (tracked and untracked, never ignored build/)."""
        tree = os.path.join(self.tmp, "accelsched-" + VERSION)
        os.mkdir(tree)
        files = run("git", "-C", SRC, "ls-files", "-z", "-co", "--exclude-standard").stdout
        with subprocess.Popen(["tar", "-C", SRC, "--null", "-T", "-", "-cf", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) as tar:
            untar = subprocess.Popen(["tar", "-C", tree, "-xf", "-"], stdin=tar.stdout)
            tar.stdin.write(files.encode())
            tar.stdin.close()
            self.assertEqual(untar.wait(), 0)
        self.assertEqual(tar.returncode, 0)
        # as Debian builds it: with the unit tests (debian/rules)
        env = dict(ENV, DEB_BUILD_OPTIONS="parallel=2")
        with open(os.path.join(self.tmp, "build.log"), "w") as log:
            p = subprocess.run(["dpkg-buildpackage", "-us", "-uc"], cwd=tree, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            with open(os.path.join(self.tmp, "build.log")) as f:
                self.fail("dpkg-buildpackage failed:\n" + f.read()[-6000:])
        debs = {os.path.basename(d).split("_")[0]: d
                for d in glob.glob(os.path.join(self.tmp, "*.deb"))
                if "-dbgsym_" not in d}
        self.assertEqual(sorted(debs), sorted(PACKAGES))
        type(self).debs = [debs[p] for p in PACKAGES]
        type(self).changes = glob.glob(os.path.join(self.tmp, "*.changes"))[0]

    def test_2_lintian(self):
        """No errors; warnings and the rest are printed for people."""
        self.need("debs")
        p = run("lintian", "--info", "--display-info", self.changes, check=False)
        tags = [line for line in p.stdout.splitlines() if line[:2] in ("E:", "W:", "I:")]
        if tags:
            print("\nlintian:\n  " + "\n  ".join(tags), file=sys.stderr)
        errors = [t for t in tags if t.startswith("E:")]
        self.assertEqual(errors, [], "lintian errors")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_3_install(self):
        """apt-get install ./*.deb, with what they depend on from Debian."""
        self.need("debs")
        # what the packages hold, and which of those paths were here before
        paths = set()
        for deb in self.debs:
            tar = run("sh", "-c", 'dpkg-deb --fsys-tarfile "$1" | tar -t', "-", deb).stdout
            for line in tar.splitlines():
                path = line[1:].rstrip("/") if line.startswith("./") else None
                if path:
                    paths.add(path)
        type(self).paths = sorted(paths)
        type(self).before = {p for p in paths if os.path.lexists(p)}
        sim = run(*APT, "-s", "install", *self.debs).stdout
        type(self).extra = [line.split()[1] for line in sim.splitlines()
                            if line.startswith("Inst ") and line.split()[1] not in PACKAGES]
        run(*APT, "install", *self.debs)
        for p in PACKAGES:
            self.assertTrue(installed(p), p)
        type(self).installed_ok = True

    def test_4_service(self):
        """The user, the state directory, the configuration from the sample,
        and the unit enabled (no systemd as PID 1 here: its symlink and
        deb-systemd-helper's record), pointing at the installed daemon."""
        self.need("installed_ok")
        u = pwd.getpwnam("accelsched")
        self.assertLess(u.pw_uid, 1000, "accelsched is a system user")
        self.assertEqual(u.pw_dir, STATE)
        st = os.stat(STATE)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        st = os.stat(CONF)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, CONF)
        with open(CONF) as a, open("/usr/share/accelsched/accelsched.conf.sample") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(os.readlink(WANTS), "/lib/systemd/system/acceld.service")
        # deb-systemd-helper's record that the package enabled it (which a
        # later `systemctl disable` by the operator is kept against)
        self.assertTrue(os.path.exists(os.path.join(DSH, "acceld.service.dsh-also")),
                        dsh_mentions("acceld"))
        with open("/lib/systemd/system/acceld.service") as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/sbin/acceld ", unit)
        # acceld runs as the unit's user and reads its configuration as it
        user = ([line[5:] for line in unit.splitlines() if line.startswith("User=")] or
                ["root"])[-1]
        self.assertEqual(os.stat(CONF).st_uid, pwd.getpwnam(user).pw_uid)
        p = run("/usr/sbin/acceld", "--help")
        self.assertIn("usage: acceld", p.stdout)
        # configuring again (a reinstall, an upgrade) keeps the operator's
        # configuration and the user
        with open(CONF, "a") as f:
            f.write("# the operator's edit\n")
        uid = u.pw_uid
        run(*APT, "install", "--reinstall", self.debs[PACKAGES.index("accelsched")])
        with open(CONF) as f:
            self.assertTrue(f.read().endswith("# the operator's edit\n"), CONF)
        self.assertEqual(pwd.getpwnam("accelsched").pw_uid, uid)
        self.assertEqual(stat.S_IMODE(os.stat(CONF).st_mode), 0o600, CONF)

    def test_5_accelctl_list(self):
        """The installed accelctl reads a capture's tree: every accelerator
        of the capture's facts (expect.json), at its address."""
        self.need("installed_ok")
        p = run("/usr/bin/accelctl", "list", "-q", "-f", "json", "--sysfs-root",
                os.path.join(FX, FIXTURE, "sys"), cwd="/")
        inv = json.loads(p.stdout)
        with open(os.path.join(SRC, "tests", "fixtures", FIXTURE, "expect.json")) as f:
            want = {a["address"] for a in json.load(f)["accelerators"]}
        got = {d["address"] for d in inv["devices"]}
        self.assertTrue(want and want <= got, "missing: %s" % sorted(want - got))
        p = run("/usr/bin/accelctl", "list", "--sysfs-root", os.path.join(FX, FIXTURE, "sys"))
        self.assertIn(sorted(want)[0], p.stdout)
        # the shared library and its link for -dev users
        lib = glob.glob("/usr/lib/*/libaccel.so.0")
        self.assertEqual(len(lib), 1)
        self.assertEqual(os.readlink(os.path.join(os.path.dirname(lib[0]), "libaccel.so")),
                         "libaccel.so.0")
        self.assertIn("-laccel", run("pkg-config", "--libs", "accel").stdout)

    def test_6_python(self):
        """Debian's python3 imports the installed package, outside the tree,
        and Nova's API finds the extra spec validators by entry point."""
        self.need("installed_ok")
        env = {k: v for k, v in ENV.items() if k != "PYTHONPATH"}
        code = ("import accelsched, accelsched._core as c; print(accelsched.__file__); "
                "from nova.api.validation.extra_specs import validators as v; "
                "assert 'accelsched' in v.NAMESPACES, sorted(v.NAMESPACES); "
                "assert 'accelsched:p2p' in v.VALIDATORS; print('validators ok')")
        p = run("/usr/bin/python3", "-c", code, cwd="/", env=env)
        self.assertTrue(p.stdout.startswith("/usr/lib/python3/dist-packages/accelsched/"),
                        p.stdout)
        self.assertIn("validators ok", p.stdout)

    def test_7_dkms(self):
        """accelinv added to DKMS, built and installed for every kernel whose
        headers are installed (Debian's linux-headers-amd64 here)."""
        self.need("installed_ok")
        kernels = [os.path.basename(k) for k in glob.glob("/lib/modules/*")
                   if os.path.exists(os.path.join(k, "build", "Makefile"))]
        self.assertTrue(kernels, "no kernel headers in /lib/modules/*/build: install "
                        "linux-headers-amd64 (scripts/install-deps.sh)")
        status = run("dkms", "status", "accelinv/" + VERSION).stdout
        self.assertIn("accelinv/" + VERSION, status)
        for k in kernels:
            with self.subTest(kernel=k):
                self.assertRegex(status, r"accelinv/%s, %s, [^:]*: installed" % (VERSION, k))
                self.assertTrue(glob.glob("/lib/modules/%s/updates/dkms/accelinv.ko*" % k))
        type(self).kernels = kernels

    def test_8_remove_purge(self):
        """Removing keeps the configuration and state; purging then leaves no
        file of the packages, of DKMS, of deb-systemd-helper or of the
        maintainer scripts behind (the system user stays, as Debian keeps
        them)."""
        self.need("installed_ok")
        run(*APT, "remove", *PACKAGES)
        self.assertFalse(os.path.exists("/usr/bin/accelctl"))
        self.assertTrue(os.path.exists(CONF), "remove keeps the configuration")
        self.assertTrue(os.path.isdir(STATE), "remove keeps the state")
        # apt-get knows no more the packages that had nothing to keep
        run(*APT, "purge", *[p for p in PACKAGES if installed(p)])
        for p in PACKAGES:
            self.assertFalse(installed(p), p)
        left = [p for p in self.paths if p not in self.before and os.path.lexists(p)]
        self.assertEqual(left, [], "left behind by the purge")
        for path in (CONF, "/etc/accelsched", STATE, WANTS, "/var/lib/dkms/accelinv"):
            self.assertFalse(os.path.lexists(path), path)
        self.assertEqual(dsh_mentions("acceld"), [])
        self.assertEqual(glob.glob("/lib/modules/*/updates/dkms/accelinv.ko*"), [])
        self.assertTrue(user_exists("accelsched"), "the system user stays after a purge")


if __name__ == "__main__":
    unittest.main()
