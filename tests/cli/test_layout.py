# SPDX-License-Identifier: Apache-2.0
"""The shape of the built libraries, read from their symbol tables (nm):
what calls what between the files of a library.

Run by `make cli-tests` with ACCEL_BIN set; the archives are in ../lib.
"""
import glob
import os
import re
import subprocess
import unittest

BIN = os.environ.get("ACCEL_BIN", "build/bin")
LIB = os.path.normpath(os.path.join(BIN, "..", "lib"))
TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCE_DIRS = ("agent", "cli", "common", "drivers", "include", "kmod", "placement-client",
               "scheduler")


def member_graph(archive):
    """{member: set of the other members whose global symbols it uses}."""
    def nm(*flags):
        p = subprocess.run(["nm", "-A", *flags, archive], capture_output=True, text=True,
                           check=True)
        prefix = archive + ":"
        for line in p.stdout.splitlines():
            # "lib.a:member.o:0000000000000000 T name", "lib.a:member.o:   U name"
            if not line.startswith(prefix):
                continue
            member, _, rest = line[len(prefix):].partition(":")
            fields = rest.split()
            if len(fields) >= 2:
                yield member, fields[-2], fields[-1]

    defined = {sym: member for member, kind, sym in nm("--defined-only") if kind.isupper()}
    graph = {member: set() for member, _, _ in nm("--defined-only")}
    for member, _, sym in nm("--undefined-only"):
        owner = defined.get(sym)
        if owner and owner != member:
            graph.setdefault(member, set()).add(owner)
    return graph


def find_cycle(graph):
    """One cycle as a list of members, or None."""
    state, path = {}, []

    def visit(n):
        state[n] = "open"
        path.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == "open":
                return path[path.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        path.pop()
        state[n] = "done"
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


class Discovery(unittest.TestCase):
    def setUp(self):
        self.graph = member_graph(os.path.join(LIB, "libaccel-discovery.a"))

    def test_scan_only_orchestrates(self):
        """drivers/scan.c runs the stages; no stage calls back into it (the
        helpers every stage needs are below them, in drivers/scanctx.c)."""
        callers = sorted(m for m, uses in self.graph.items() if "scan.o" in uses)
        self.assertEqual(callers, [], "members that call into scan.o")
        self.assertIn("scanctx.o", self.graph["scan.o"])

    def test_no_circle_between_files(self):
        self.assertIsNone(find_cycle(self.graph))


class Installed(unittest.TestCase):
    """What `make install` ships: include/accel/*.h, libaccel.so, libaccel.a
    and the per-library archives."""

    def test_public_headers_do_not_need_json_c(self):
        """json-c is an implementation detail: no installed header includes
        it or names its types (the libraries' shared JSON helpers are in
        include/accel/internal/, which is not installed)."""
        headers = sorted(glob.glob(os.path.join(TOP, "include", "accel", "*.h")))
        self.assertTrue(headers)
        for h in headers:
            with open(h, encoding="utf-8") as f:
                text = f.read()
            m = re.search(r"json-c|\bjson_(object|type|bool)\b", text)
            self.assertIsNone(m, "%s names %s" % (os.path.relpath(h, TOP), m and m.group(0)))

    def test_static_and_shared_library_hold_the_same(self):
        """-laccel links the same API statically as dynamically: every
        symbol libaccel.so exports is defined in libaccel.a."""
        def syms(*args):
            p = subprocess.run(["nm", *args], capture_output=True, text=True, check=True)
            # "name@@ACCEL_0": the name without its version node
            return {f[-1].split("@")[0] for f in (line.split() for line in p.stdout.splitlines())
                    if len(f) >= 2 and f[-2] in "TDBRV"}

        exported = syms("-D", "--defined-only", os.path.join(LIB, "libaccel.so"))
        static = syms("--defined-only", os.path.join(LIB, "libaccel.a"))
        self.assertIn("accel_scan", exported)
        self.assertIn("accel_inventory_new", exported)
        self.assertEqual(sorted(exported - static), [])
        # the internal JSON helpers are not part of the ABI
        self.assertEqual(sorted(s for s in exported if s.startswith("accel_json_")), [])


def sources():
    for d in SOURCE_DIRS:
        for ext in ("c", "h"):
            yield from glob.glob(os.path.join(TOP, d, "**", "*." + ext), recursive=True)


class Abi(unittest.TestCase):
    """libaccel.so's ABI is recorded (abi/) and checked: a changed struct fails."""
    SO = os.path.join(LIB, "libaccel.so")
    CHECK = os.path.join(TOP, "scripts", "check-abi.sh")
    RECORD = os.path.join(TOP, "abi", "libaccel.so.0.abi")

    def test_exports_are_versioned_accel_names(self):
        p = subprocess.run(["objdump", "-T", self.SO], capture_output=True, text=True,
                           check=True)
        syms = [l.split() for l in p.stdout.splitlines() if " DF .text" in l]
        self.assertGreater(len(syms), 100)
        # ACCEL_0, or a later node of the version script (abi/README.md:
        # a function added goes into a new node)
        with open(os.path.join(TOP, "abi", "libaccel.map")) as m:
            nodes = set(re.findall(r"^(ACCEL_[0-9.]+) \{", m.read(), re.M))
        self.assertIn("ACCEL_0", nodes)
        for f in syms:
            self.assertIn(f[-2], nodes, f)
            self.assertTrue(f[-1].startswith("accel_"), f)

    def test_the_record_matches(self):
        p = subprocess.run([self.CHECK, self.SO, self.RECORD], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_a_changed_struct_fails(self):
        """The record says accel_err is smaller with msg further on: the
        check names the struct and says to bump the SONAME."""
        with open(self.RECORD) as f:
            rec = f.read()
        m = re.search(r"<class-decl name='accel_err' size-in-bits='(\d+)'", rec)
        self.assertIsNotNone(m)
        changed = rec.replace(m.group(0), m.group(0).replace(m.group(1), "2080"), 1)
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".abi") as t:
            t.write(changed)
            t.flush()
            p = subprocess.run([self.CHECK, self.SO, t.name], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("struct accel_err", p.stderr)
        self.assertIn("bump the SONAME", p.stderr)


class Comments(unittest.TestCase):
    def test_tables_named_in_comments_exist(self):
        """A comment that names a table (`name[]`) names one the code defines."""
        text = {p: open(p, encoding="utf-8").read() for p in sources()}
        code = re.sub(r"/\*.*?\*/", "", "\n".join(text.values()), flags=re.S)
        for path, t in text.items():
            for comment in re.findall(r"/\*.*?\*/", t, re.S):
                for name in re.findall(r"\b([A-Za-z_]\w*)\[\]", comment):
                    with self.subTest(file=os.path.relpath(path, TOP), table=name):
                        self.assertTrue(re.search(r"\b%s\s*\[[^\]]*\]\s*[=;]" % name, code),
                                        "no table %s[] outside comments" % name)

    def test_no_promise_of_a_later_issue(self):
        """What exists is described as it is; what does not yet is named as
        not built (docs/architecture.md), not as 'a later issue'."""
        for path in sources():
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    self.assertNotRegex(line, r"(?i)later issue",
                                        "%s:%d" % (os.path.relpath(path, TOP), n))


class Docs(unittest.TestCase):
    DOCS = ["README.md", "docs/architecture.md"] + sorted(
        os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, "docs", "internals", "*.md")))

    def test_no_reference_outside_the_repository(self):
        """Users of the repository have no ../shared: the design lives in
        docs/architecture.md."""
        for root, dirs, files in os.walk(TOP):
            dirs[:] = [d for d in dirs if d not in (".git", "build") and not d.startswith(".")]
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                except (UnicodeDecodeError, OSError):
                    continue
                m = re.search(r"\.\./" + "shared/|/work/" + "shared", text)
                self.assertIsNone(m, "%s:%d" % (os.path.relpath(path, TOP),
                                                text.count("\n", 0, m.start()) + 1 if m else 0))

    def test_paths_named_in_docs_exist(self):
        """A repository path a doc names (`drivers/scan.c`) is there."""
        top_dirs = {d for d in os.listdir(TOP) if os.path.isdir(os.path.join(TOP, d))}
        self.assertTrue(os.path.isfile(os.path.join(TOP, "docs", "architecture.md")))
        for doc in self.DOCS:
            with open(os.path.join(TOP, doc), encoding="utf-8") as f:
                text = f.read()
            for tok in re.findall(r"`([\w.-]+(?:/[\w.*-]+)+/?)`", text):
                if tok.split("/")[0] not in top_dirs or tok.startswith("build/"):
                    continue
                if tok.endswith(".ko"):
                    continue  # built by make kmod
                with self.subTest(doc=doc, path=tok):
                    self.assertTrue(glob.glob(os.path.join(TOP, tok)), "%s names %s" % (doc, tok))


if __name__ == "__main__":
    unittest.main()
