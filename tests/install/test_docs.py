# SPDX-License-Identifier: Apache-2.0
"""The man pages: each renders without a warning, and each says what the
code does: accelsched.conf(5) holds every option of common/config.c's
table, in its section, with its default, range and values (taken from the
code by optdump.c), and nothing else; the sample configuration shows the
same; acceld(8) and accelctl(1) document every option of their --help.

Run by `make install-tests` (ACCEL_BUILD: the build folder)."""
import os
import re
import subprocess
import tempfile
import unittest

from common import BUILD, TOP, man_pages

BIN = os.path.join(BUILD, "bin")


def roff_text(line):
    """A roff source line as text: macro name and font escapes gone."""
    line = re.sub(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+", "", line)
    line = re.sub(r'"', "", line)
    line = re.sub(r"\\f[BIRP]", "", line)
    line = line.replace("\\-", "-").replace("\\(bu", "*").replace("\\&", "")
    if line.startswith("."):
        return ""
    return line


def option_entries(path):
    """{(section, option): paragraph text} of a page whose sections (.SH)
    are configuration sections like [DEFAULT], or {(heading, tag): text}."""
    entries, section, tag, para = {}, None, None, []

    def flush():
        if section and tag:
            entries[(section, tag)] = " ".join(p for p in para if p)

    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".SH"):
            flush()
            section, tag, para = line[3:].strip().strip('"'), None, []
        elif line.startswith(".TP"):
            flush()
            i += 1
            tag, para = roff_text(lines[i]).strip(), []
        elif tag is not None:
            para.append(roff_text(line).strip())
        i += 1
    flush()
    return entries


def optdump():
    """[(section, name, default, min, max, values)] from common/config.c."""
    libs = subprocess.run(["pkg-config", "--libs", "json-c"], capture_output=True, text=True,
                          check=True).stdout.split()
    with tempfile.TemporaryDirectory(prefix="accel-optdump-") as d:
        exe = os.path.join(d, "optdump")
        subprocess.run(["cc", "-std=gnu11", "-D_GNU_SOURCE", "-I" + os.path.join(TOP, "include"),
                        "-o", exe, os.path.join(TOP, "tests", "install", "optdump.c"),
                        os.path.join(BUILD, "lib", "libaccel-common.a"), *libs, "-lpthread"],
                       check=True)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


class Render(unittest.TestCase):
    def test_every_page_renders_without_warning(self):
        pages = man_pages()
        self.assertEqual([os.path.basename(p) for p in pages],
                         ["accelctl.1", "acceld.8", "accelsched.conf.5"])
        env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
        for page in pages:
            with self.subTest(page=os.path.basename(page)):
                g = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True,
                                   text=True)
                self.assertEqual((g.returncode, g.stderr), (0, ""))
                m = subprocess.run(["man", "--warnings", "-l", page], capture_output=True,
                                   text=True, env=env)
                self.assertEqual((m.returncode, m.stderr), (0, ""))
                self.assertIn("NAME", m.stdout)


class ConfigPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.opts = optdump()
        cls.page = option_entries(os.path.join(TOP, "docs", "accelsched.conf.5"))

    def test_table_is_read(self):
        names = {(s, n) for s, n, *_ in self.opts}
        self.assertIn(("discovery", "rescan_interval"), names)
        self.assertGreater(len(names), 30)

    def test_every_option_documented_in_its_section(self):
        documented = {(s.strip("[]"), n) for s, n in self.page if s.startswith("[")}
        table = {(s, n) for s, n, *_ in self.opts}
        self.assertEqual(sorted(table - documented), [], "options missing from the page")
        self.assertEqual(sorted(documented - table), [], "options the code does not have")

    def test_defaults_ranges_and_values(self):
        for section, name, default, lo, hi, values in self.opts:
            text = self.page[("[%s]" % section, name)]
            with self.subTest(option="[%s] %s" % (section, name)):
                if name == "host":  # the machine's FQDN, not a constant
                    self.assertIn("Default: this machine's fully qualified domain name", text)
                else:
                    self.assertRegex(text, r"Default: %s[ .(]" % re.escape(default))
                if lo != "-":
                    self.assertIn("Range: %s to %s." % (lo, hi), text)
                else:
                    self.assertNotIn("Range:", text)
                if " or " in values and values != "true or false":
                    for v in re.split(r", | or ", values):
                        self.assertRegex(text, r"\b%s\b" % re.escape(v))


class Sample(unittest.TestCase):
    def test_sample_shows_every_option_and_its_default(self):
        """etc/accelsched.conf.sample: each option commented in its section,
        with its default where it has one (an example where it has none)."""
        sample, section = {}, None
        with open(os.path.join(TOP, "etc", "accelsched.conf.sample"), encoding="utf-8") as f:
            lines = f.readlines()
        for line in lines:
            # "#[kafka]": a section whose line itself turns a feature on
            m = re.match(r"^#?\[(\w+)\]$", line.strip())
            if m:
                section = m.group(1)
                continue
            m = re.match(r"^#(\w+) = ?(.*)$", line.rstrip("\n"))
            if m:
                sample[(section, m.group(1))] = m.group(2)
        opts = optdump()
        self.assertEqual(sorted(sample), sorted((s, n) for s, n, *_ in opts))
        for section, name, default, *_ in opts:
            if default != "none" and name != "host":
                self.assertEqual(sample[(section, name)], default, "[%s] %s" % (section, name))


def help_options(exe):
    """The options --help lists, one or two at the start of a line."""
    text = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    found = set()
    for m in re.finditer(r"^ +((?:-[a-z], )?--[a-z][a-z-]*)", text, re.M):
        found.update(m.group(1).split(", "))
    return sorted(found)


def page_options(page):
    """The options an OPTIONS section's tags name."""
    tags = " ".join(t for (s, t) in option_entries(os.path.join(TOP, "docs", page))
                    if s == "OPTIONS")
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b", tags)))


class ToolPages(unittest.TestCase):
    def test_acceld_page_has_every_option(self):
        self.assertEqual(page_options("acceld.8"), help_options(os.path.join(BIN, "acceld")))

    def test_accelctl_page_has_every_option(self):
        self.assertEqual(page_options("accelctl.1"), help_options(os.path.join(BIN, "accelctl")))


if __name__ == "__main__":
    unittest.main()
