# SPDX-License-Identifier: Apache-2.0
"""What the tests of tests/install/ share: the repository, the build, and
`make` run on a private DESTDIR."""
import os
import subprocess

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# relative paths are the repository's
BUILD = os.path.join(TOP, os.environ.get("ACCEL_BUILD", "build"))
FIXTURES = os.path.join(TOP, os.environ.get("ACCEL_FIXTURES", os.path.join(BUILD, "fixtures")))
VERSION = os.environ.get("ACCEL_VERSION", "0.1.0")
PYTHON = "/usr/bin/python3"


def make(*args, check=True):
    """`make ARGS` in the repository with this build folder; a child of
    `make install-tests` gets none of its parent's make state."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    p = subprocess.run(["make", "-s", "BUILD=" + BUILD, *args], cwd=TOP, env=env,
                       capture_output=True, text=True)
    if check and p.returncode:
        raise AssertionError("make %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout,
                                                         p.stderr))
    return p


def man_pages():
    """docs/NAME.SECTION: every man page of the repository."""
    d = os.path.join(TOP, "docs")
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.rsplit(".", 1)[-1] in "12345678" and "." in f)
