# SPDX-License-Identifier: Apache-2.0
"""accelinv.ko through DKMS, as a node gets it: `make install-dkms-src`
puts the source where dkms takes it, then dkms add, build (against Debian's
kernel headers, KDIR: /usr/src/linux-headers-VERSION-amd64), status and
remove --all, in a DKMS tree, source tree, install tree and signing key of
the test's own: nothing is left in /var/lib/dkms, /usr/src or /lib/modules,
and nothing is loaded.

Run by `make dkms-test` (as root: dkms wants it)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from common import VERSION, make

KDIR = os.environ.get("KDIR", "")


class Dkms(unittest.TestCase):
    def setUp(self):
        if not shutil.which("dkms"):
            self.fail("dkms is not installed (scripts/install-deps.sh installs it)")
        self.assertTrue(KDIR and os.path.isfile(os.path.join(KDIR, "Makefile")),
                        "KDIR=%r: no kernel headers (linux-headers-amd64)" % KDIR)
        self.kver = re.sub(r"^linux-headers-", "", os.path.basename(KDIR.rstrip("/")))
        self.tmp = tempfile.mkdtemp(prefix="accel-dkms-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        trees = {"--dkmstree": "dkms", "--sourcetree": "src", "--installtree": "modules"}
        self.opts = []
        for opt, d in trees.items():
            os.makedirs(os.path.join(self.tmp, d))
            self.opts += [opt, os.path.join(self.tmp, d)]
        # dkms signs with mok_signing_key/mok_certificate, made when missing;
        # the environment's are taken (framework.conf would set them for all)
        self.env = dict(os.environ, mok_signing_key=os.path.join(self.tmp, "mok.key"),
                        mok_certificate=os.path.join(self.tmp, "mok.pub"))

    def dkms(self, *args):
        p = subprocess.run(["dkms", *args, *self.opts], capture_output=True, text=True,
                           env=self.env)
        if p.returncode:
            self.fail("dkms %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout,
                                                  p.stderr))
        return p.stdout

    def test_add_build_remove(self):
        dest = os.path.join(self.tmp, "dest")
        make("install-dkms-src", "DESTDIR=" + dest)
        src = os.path.join(dest, "usr", "local", "src", "accelinv-" + VERSION)
        mv = "accelinv/" + VERSION
        self.dkms("add", src)
        # dkms add copies a source from elsewhere into its source tree, where
        # remove leaves it (docs/deploy.md: removed by hand)
        self.assertEqual(os.listdir(os.path.join(self.tmp, "src")), ["accelinv-" + VERSION])
        self.assertEqual(self.dkms("status"), "%s: added\n" % mv)
        self.dkms("build", mv, "-k", self.kver, "--kernelsourcedir", KDIR)
        status = self.dkms("status")
        self.assertRegex(status, r"accelinv/%s, %s, x86_64: built" % (re.escape(VERSION),
                                                                       re.escape(self.kver)))
        ko = os.path.join(self.tmp, "dkms", "accelinv", VERSION, self.kver, "x86_64", "module",
                          "accelinv.ko")
        if not os.path.exists(ko):
            ko += ".xz"
        info = subprocess.run(["modinfo", ko], capture_output=True, text=True, check=True).stdout
        self.assertRegex(info, r"(?m)^vermagic:\s+%s " % re.escape(self.kver))
        self.assertRegex(info, r"(?m)^license:\s+GPL$")
        if os.path.exists(self.env["mok_certificate"]):  # signed, with the test's key
            self.assertRegex(info, r"(?m)^signer:\s+DKMS module signing key$")
        self.dkms("remove", mv, "--all")
        self.assertEqual(self.dkms("status"), "")
        self.assertEqual(os.listdir(os.path.join(self.tmp, "dkms")), [])
        self.assertEqual(os.listdir(os.path.join(self.tmp, "modules")), [])


if __name__ == "__main__":
    unittest.main()
