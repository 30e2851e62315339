# SPDX-License-Identifier: Apache-2.0
"""accelctl as an operator runs it: exit codes, messages, and what it says
about the fixtures, checked against the facts of each fixture's source
capture (expect.json, nvidia-smi-topo.txt), never against our own output.

Run by `make cli-tests` with ACCEL_BIN and ACCEL_FIXTURES set.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("ACCEL_BIN", "build/bin")
FX = os.environ.get("ACCEL_FIXTURES", "build/fixtures")
SRC = os.path.join(os.path.dirname(__file__), "..", "fixtures")
ACCELCTL = os.path.join(BIN, "accelctl")


def run(*args, check_rc=None):
    p = subprocess.run([ACCELCTL, *args], capture_output=True, text=True, timeout=60)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError("accelctl %s: rc %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, check_rc, p.stdout, p.stderr))
    return p


def inventory(name, *extra):
    p = run("list", "-f", "json", "-q", "--sysfs-root", os.path.join(FX, name, "sys"), *extra,
            check_rc=0)
    return json.loads(p.stdout)


def topo(name):
    p = run("topo", "-f", "json", "-q", "--sysfs-root", os.path.join(FX, name, "sys"),
            check_rc=0)
    return json.loads(p.stdout)


def expect(name):
    with open(os.path.join(SRC, name, "expect.json")) as f:
        return json.load(f)


def parse_nvidia_smi_topo(path):
    """The label x label matrix of `nvidia-smi topo -m`, as printed."""
    rows = {}
    with open(path) as f:
        lines = f.read().splitlines()
    header = lines[0].split()
    labels = [h for h in header if re.fullmatch(r"(GPU|NIC)\d+", h)]
    for line in lines[1:]:
        tok = line.split()
        if not tok or not re.fullmatch(r"(GPU|NIC)\d+", tok[0]):
            if rows:
                break
            continue
        rows[tok[0]] = dict(zip(labels, tok[1:1 + len(labels)]))
    return rows


class Usage(unittest.TestCase):
    def test_no_command(self):
        p = run(check_rc=2)
        self.assertIn("missing command", p.stderr)

    def test_unknown_command(self):
        p = run("frobnicate", check_rc=2)
        self.assertIn("unknown command 'frobnicate'", p.stderr)

    def test_unknown_option(self):
        p = run("list", "--bogus", check_rc=2)
        self.assertIn("--bogus", p.stderr)

    def test_missing_argument(self):
        p = run("list", "--sysfs-root", check_rc=2)
        self.assertIn("--sysfs-root", p.stderr)

    def test_bad_format(self):
        p = run("list", "-f", "yaml", check_rc=2)
        self.assertIn("unknown format 'yaml'", p.stderr)
        run("list", "-f", "dot", check_rc=2)

    def test_show_needs_address(self):
        run("show", check_rc=2)
        p = run("show", "not-an-address", check_rc=2)
        self.assertIn("'not-an-address' is not a PCI address", p.stderr)

    def test_each_command_takes_only_its_options(self):
        """Every command against every option group that is not its own
        (the verb table of cli/accelctl.c): a usage error naming the group,
        whatever the order on the command line."""
        commands = ["list", "show", "topo", "report", "schedule", "watch", "metrics",
                    "nova-config", "events"]
        p = run(check_rc=2)
        self.assertIn("(list, show, topo, report, schedule, watch, metrics, nova-config or "
                      "events)", p.stderr)
        helptext = run("--help", check_rc=0).stdout
        for cmd in commands:
            self.assertRegex(helptext, r"\n  %s " % cmd)
        groups = [
            (("watch",), ["--count", "1"], "go with watch only"),
            (("watch",), ["--source", "poll"], "go with watch only"),
            (("watch", "events"), ["--timeout", "1"], "--timeout goes with watch and events only"),
            (("schedule",), ["-e", "a=b"], "-e goes with schedule only"),
            (("schedule", "events"), ["-n", "1"], "-n goes with schedule and events only"),
            (("metrics",), ["--sample", "1"], "--proc-root and --sample go with metrics only"),
            (("metrics",), ["--proc-root", "/"], "--proc-root and --sample go with metrics only"),
            (("events",), ["--topic", "t"], "--kafka, --topic and --from-beginning go with "
             "events only"),
            (("events",), ["--kafka", "k:9092"], "--kafka, --topic and --from-beginning go "
             "with events only"),
            (("nova-config",), ["--alias-name-scheme", "product"],
             "--alias-name-scheme and --resource-class go with nova-config only"),
            (("nova-config",), ["--resource-class", "nova"],
             "--alias-name-scheme and --resource-class go with nova-config only"),
        ]
        for cmd in commands:
            args = [cmd, "00:01.0"] if cmd == "show" else [cmd]
            if cmd == "events":
                args += ["--kafka", "127.0.0.1:1"]
            for owners, opt, msg in groups:
                if cmd in owners or (cmd == "events" and opt[0] == "--kafka"):
                    continue
                with self.subTest(cmd=cmd, opt=opt):
                    p = run(*args, *opt, check_rc=2)
                    self.assertIn(msg, p.stderr)
                    p = run(*opt, *args, check_rc=2)
                    self.assertIn(msg, p.stderr)
            if cmd != "schedule":
                p = run(*args, "--hosts", "/nonexistent", check_rc=2)
                self.assertIn("--hosts goes with schedule only", p.stderr)
        p = run("schedule", "-e", "a=b", check_rc=2)
        self.assertIn("schedule: missing --hosts DIR", p.stderr)
        # -n is schedule's too, --timeout watch's too: past the group check
        p = run("schedule", "-n", "1", check_rc=2)
        self.assertIn("schedule: missing --hosts DIR", p.stderr)
        p = run("watch", "--timeout", "0.2", "--source", "poll", "--sysfs-root",
                os.path.join(FX, "dgx2", "sys"), check_rc=0)
        p = run("show", "00:01.0", "00:02.0", check_rc=2)
        self.assertIn("show: one ADDRESS only", p.stderr)
        self.assertIn("show: missing ADDRESS", run("show", check_rc=2).stderr)
        self.assertIn("unknown format 'dot'", run("list", "-f", "dot", check_rc=2).stderr)

    def test_events_usage(self):
        """accelctl events' own usage errors (its runs: tests/kafka/test_events.py)."""
        k = ["--kafka", "127.0.0.1:1"]
        for args, msg in (
                ([], "events: missing --kafka SERVERS"),
                (["--topic", "t"], "events: missing --kafka SERVERS"),
                (k + ["-f", "dot"], "unknown format 'dot'"),
                (k + ["-n", "0"], "events: -n 0: a number of records, 1 or more"),
                (k + ["-n", "x"], "-n: 'x' is not a number"),
                (k + ["--timeout", "0"], "--timeout: '0' is not a number of seconds"),
                (["--kafka", ""], "--kafka: empty"),
                (k + ["--topic", ""], "--topic: '' is not a Kafka topic name"),
                (k + ["--topic", "t" * 250], "is not a Kafka topic name (1 to 249 bytes)"),
                (k + ["--topic", "t"] * 17, "--topic: at most 16 topics"),
                (k + ["extra"], "unexpected argument 'extra'")):
            with self.subTest(args=args):
                p = run("events", *args, check_rc=2)
                self.assertIn(msg, p.stderr)
                self.assertEqual(p.stdout, "")
        # text is events' alone
        self.assertIn("unknown format 'text'", run("list", "-f", "text", check_rc=2).stderr)
        helptext = run("--help", check_rc=0).stdout
        for opt in ("--kafka SERVERS", "--topic T", "--from-beginning"):
            self.assertIn(opt, helptext)

    def test_dump_and_root_exclusive(self):
        p = run("list", "--lspci-dump", "x", "--sysfs-root", "y", check_rc=2)
        self.assertIn("--lspci-dump", p.stderr)

    def test_help_and_version(self):
        self.assertIn("usage: accelctl", run("--help", check_rc=0).stdout)
        self.assertRegex(run("--version", check_rc=0).stdout, r"^accelctl \d+\.\d+\.\d+")

    def test_options_after_command(self):
        root = os.path.join(FX, "dgx2", "sys")
        a = run("list", "-q", "--sysfs-root", root, "-f", "json", check_rc=0).stdout
        b = run("-q", "--sysfs-root", root, "-f", "json", "list", check_rc=0).stdout
        strip = lambda s: re.sub(r'"collected_at": "[^"]*"', "", s)
        self.assertEqual(strip(a), strip(b))


class RuntimeErrors(unittest.TestCase):
    def test_missing_root(self):
        p = run("list", "--sysfs-root", "/nonexistent/root", check_rc=1)
        self.assertIn("/nonexistent/root/bus/pci/devices", p.stderr)
        self.assertIn("No such file", p.stderr)

    def test_missing_dump(self):
        p = run("list", "--lspci-dump", "/nonexistent/dump.txt", check_rc=1)
        self.assertIn("/nonexistent/dump.txt", p.stderr)

    def test_garbage_dump(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("00:00.0 Host bridge\n00: zz zz\n")
            f.flush()
            p = run("list", "--lspci-dump", f.name, check_rc=1)
            self.assertIn(f.name, p.stderr)
            self.assertIn("Malformed line", p.stderr)

    def test_dumps_that_crashed_libpci(self):
        # inputs on which libpci's dump reader wrote outside its buffer
        # (fuzz_lspci_dump): a clear refusal naming the file and the line
        regress = os.path.join(os.path.dirname(__file__), "..", "..", "fuzz", "regressions",
                               "lspci_dump")
        names = sorted(os.listdir(regress))
        self.assertTrue(names)
        for name in names:
            path = os.path.join(regress, name)
            p = run("list", "--lspci-dump", path, check_rc=1)
            self.assertRegex(p.stderr, r"^accelctl: %s: line \d+: offset 0x[0-9a-f]+ is past the "
                             r"4096 bytes of config space\n$" % re.escape(path))

    def test_show_absent(self):
        p = run("show", "0000:ee:00.0", "--sysfs-root", os.path.join(FX, "dgx2", "sys"),
                check_rc=1)
        self.assertIn("0000:ee:00.0: no accelerator at this address", p.stderr)

    def test_closed_stdout(self):
        # writing into a full device is an error, not a silent success
        with open("/dev/full", "w") as full:
            p = subprocess.run([ACCELCTL, "list", "-f", "json", "-q", "--sysfs-root",
                                os.path.join(FX, "dgx2", "sys")], stdout=full,
                               stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("writing output", p.stderr)


class NovaConfig(unittest.TestCase):
    """accelctl nova-config on the fixtures: [pci] device_spec and alias
    lines with accelsched's classes and traits (Nova 2025.1 reads them in
    tests/debian13/test_nova_config.py)."""

    def out(self, name, *extra):
        return run("nova-config", "-q", "--sysfs-root", os.path.join(FX, name, "sys"),
                   "--host", "compute1", *extra, check_rc=0).stdout

    def doc(self, name, *extra):
        return json.loads(self.out(name, "-f", "json", *extra))

    def test_json_from_the_inventory(self):
        for name in ("hgx-a100-vfio", "dgx2", "edge-mixed", "esc8000a", "a100-vgpu-sriov"):
            with self.subTest(fixture=name):
                inv = {d["address"]: d for d in inventory(name)["devices"]}
                doc = self.doc(name)
                self.assertEqual(sorted(doc), ["alias", "device_spec"])
                listed = [s["address"] for s in doc["device_spec"]]
                self.assertEqual(listed, sorted(listed))
                for s in doc["device_spec"]:
                    d = inv[s["address"]]
                    self.assertEqual(s, {"address": d["address"], "vendor_id": d["vendor_id"],
                                         "product_id": d["device_id"],
                                         "resource_class": d["resource_class"],
                                         "traits": ",".join(d["traits"])})
                # left out: display devices, vGPU hosts, a PF whose VFs are listed
                for a, d in inv.items():
                    vfs_listed = any(v in inv for v in (d.get("sriov") or {}).get("vfs", []))
                    out = (d["kind"] == "display" or not d["resource_class"] or
                           d["resource_class"] == "VGPU" or vfs_listed)
                    self.assertEqual(a not in listed, out, a)
                # one alias per product, named after the model
                products = {(s["vendor_id"], s["product_id"]) for s in doc["device_spec"]}
                self.assertEqual({(a["vendor_id"], a["product_id"]) for a in doc["alias"]},
                                 products)
                self.assertEqual(len(doc["alias"]), len(products))
                for a in doc["alias"]:
                    d = next(d for d in inv.values() if (d["vendor_id"], d["device_id"]) ==
                             (a["vendor_id"], a["product_id"]))
                    self.assertEqual(a["name"], re.sub(r"[^a-z0-9]+", "-",
                                                       d["model"].lower()).strip("-"))
                    self.assertEqual(a["device_type"], "type-PCI")
                    self.assertEqual(a["numa_policy"], "preferred")
                    self.assertEqual(a["resource_class"], d["resource_class"])
                    self.assertEqual(a["traits"], "CUSTOM_ACCEL_PRODUCT_%s_%s" % (
                        a["vendor_id"].upper(), a["product_id"].upper()))

    def test_hgx(self):
        doc = self.doc("hgx-a100-vfio")
        self.assertEqual(len(doc["device_spec"]), 8)
        self.assertEqual(doc["device_spec"][0], {
            "address": "0000:5b:00.0", "vendor_id": "10de", "product_id": "20b2",
            "resource_class": "PGPU",
            "traits": "CUSTOM_ACCEL_VENDOR_NVIDIA,CUSTOM_ACCEL_PRODUCT_10DE_20B2,"
                      "CUSTOM_ACCEL_MODEL_A100_SXM4_80GB,CUSTOM_ACCEL_ARCH_AMPERE,"
                      "CUSTOM_ACCEL_CUDA_COMPUTE_CAPABILITY_V8_0"})
        self.assertEqual(doc["alias"], [{
            "name": "a100-sxm4-80gb", "vendor_id": "10de", "product_id": "20b2",
            "device_type": "type-PCI", "numa_policy": "preferred", "resource_class": "PGPU",
            "traits": "CUSTOM_ACCEL_PRODUCT_10DE_20B2"}])
        nova = self.doc("hgx-a100-vfio", "--resource-class", "nova",
                        "--alias-name-scheme", "product")
        self.assertEqual({s["resource_class"] for s in nova["device_spec"]},
                         {"CUSTOM_PCI_10DE_20B2"})
        self.assertEqual([(a["name"], a["resource_class"]) for a in nova["alias"]],
                         [("10de-20b2", "CUSTOM_PCI_10DE_20B2")])

    def test_text_is_the_json(self):
        """The text is a nova.conf snippet: comments, [pci], and one line of
        JSON per option, the same objects as -f json."""
        for name in ("hgx-a100-vfio", "dgx2", "edge-mixed", "a100-vgpu-sriov"):
            with self.subTest(fixture=name):
                text = self.out(name)
                doc = self.doc(name)
                lines = text.splitlines()
                self.assertTrue(lines[0].startswith("# nova.conf on compute compute1"))
                self.assertIn("[pci]", lines)
                self.assertIn("report_in_placement = True", lines)
                for line in lines:
                    self.assertRegex(line, r"^(#|\[pci\]$|report_in_placement = True$|"
                                           r"device_spec = \{|alias = \{)")
                specs = [json.loads(l.split(" = ", 1)[1]) for l in lines
                         if l.startswith("device_spec = ")]
                aliases = [json.loads(l.split(" = ", 1)[1]) for l in lines
                           if l.startswith("alias = ")]
                self.assertEqual(specs, doc["device_spec"])
                self.assertEqual(aliases, doc["alias"])
                self.assertEqual(self.out(name, "-f", "table"), text)

    def test_vfio_or_not(self):
        """A device not bound to vfio-pci gets a comment saying so; one bound
        to it does not."""
        self.assertNotIn("not vfio-pci", self.out("hgx-a100-vfio"))
        text = self.out("dgx2")
        inv = inventory("dgx2")
        for d in inv["devices"]:
            if d["kind"] == "gpu":
                self.assertIn("# %s is bound to %s, not vfio-pci" % (d["address"], d["driver"]),
                              text)

    def test_left_out_said(self):
        text = self.out("a100-vgpu-sriov")
        self.assertIn("# 0000:41:00.0 not listed: a physical function whose virtual "
                      "functions are listed", text)
        self.assertIn("# 0000:41:00.4 not listed: it hosts mediated devices", text)
        self.assertIn("# no accelerator to pass through on this node", text)
        self.assertEqual(self.doc("a100-vgpu-sriov"), {"device_spec": [], "alias": []})

    def test_usage(self):
        p = run("nova-config", "--alias-name-scheme", "kind", check_rc=2)
        self.assertIn("--alias-name-scheme: expected model or product, got 'kind'", p.stderr)
        p = run("nova-config", "--resource-class", "PGPU", check_rc=2)
        self.assertIn("--resource-class: expected accelsched or nova, got 'PGPU'", p.stderr)
        p = run("nova-config", "-f", "dot", check_rc=2)
        self.assertIn("unknown format 'dot'", p.stderr)
        self.assertIn("unknown format 'text'", run("list", "-f", "text", check_rc=2).stderr)


class BrokenTree(unittest.TestCase):
    """A made-up tree with every kind of bad attribute: the scan succeeds,
    the device is listed with the bad fields absent, and each problem is a
    warning naming its file, on stderr and in the JSON."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="accel-cli-")
        self.root = os.path.join(self.tmp, "sys")
        d = os.path.join(self.root, "devices/pci0000:00/0000:00:01.0/0000:01:00.0")
        os.makedirs(d)
        os.makedirs(os.path.join(self.root, "bus/pci/devices"))
        files = {
            "vendor": b"0x10de\n", "device": b"0x2330\n", "class": b"0x030200\n",
            "numa_node": b"\xff\xfe\n", "local_cpulist": b"1" * 9000,
            "current_link_speed": b"", "max_link_width": b"sixteen\n",
        }
        for k, v in files.items():
            with open(os.path.join(d, k), "wb") as f:
                f.write(v)
        os.symlink("../../../../bus/pci/drivers/nowhere", os.path.join(d, "driver"))
        os.symlink("iommu_group", os.path.join(d, "iommu_group"))
        os.symlink("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0",
                   os.path.join(self.root, "bus/pci/devices/0000:01:00.0"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_broken(self):
        p = run("list", "-f", "json", "--sysfs-root", self.root, check_rc=0)
        inv = json.loads(p.stdout)
        (d,) = inv["devices"]
        self.assertEqual(d["model"], "H100 SXM5 80GB")
        self.assertIsNone(d["numa_node"])
        self.assertIsNone(d["driver"])
        self.assertIsNone(d["iommu_group"])
        self.assertNotIn("cpu_affinity", d)
        self.assertIsNone(d["pcie"]["speed"])
        warned = {os.path.basename(w["path"]) for w in inv["warnings"]}
        for name in ("numa_node", "local_cpulist", "current_link_speed", "max_link_width",
                     "driver", "iommu_group", "0000:01:00.0"):
            self.assertIn(name, warned)
            self.assertIn(name, p.stderr)
        # the JSON is valid UTF-8 even though the input was not
        p.stdout.encode("utf-8")
        self.assertEqual(run("list", "-q", "--sysfs-root", self.root, check_rc=0).stderr, "")


class Fixtures(unittest.TestCase):
    NAMES = ["dgx2", "esc8000a", "hgx-a100-vfio", "a100-vgpu-sriov", "amdgpu-vega",
             "edge-mixed"]

    def test_expected_devices(self):
        """Every accelerator the capture shows, with its ids, NUMA node and
        driver. Our policy on top of the capture: an Alveo's management PF
        is not listed (its user PF is the FPGA), and SR-IOV VFs are listed."""
        for name in self.NAMES:
            with self.subTest(fixture=name):
                exp = expect(name)
                inv = inventory(name)
                got = {d["address"]: d for d in inv["devices"] if d["kind"] != "display"}
                want = {a["address"]: a for a in exp["accelerators"]
                        if "management PF" not in a.get("model_hint", "")}
                for vf in exp.get("vfs", []):
                    want[vf["address"]] = vf
                # VFs the capture elided ("... snip ...") are VFs of its PF
                for addr in set(got) - set(want):
                    self.assertIn((got[addr].get("sriov") or {}).get("physfn"), want, addr)
                self.assertEqual(sorted(set(want)), sorted(set(got) & set(want)))
                for addr, a in want.items():
                    d = got[addr]
                    for key in ("vendor_id", "device_id", "driver"):
                        if key in a:
                            self.assertEqual(d[key], a[key], "%s %s" % (addr, key))
                    if "numa_node" in a:  # the capture's -1 is our null
                        numa = a["numa_node"] if a["numa_node"] >= 0 else None
                        self.assertEqual(d["numa_node"], numa, addr)
                    if "physfn" in a:
                        self.assertEqual(d["sriov"]["physfn"], a["physfn"])
                        self.assertEqual([m["id"] for m in d["mdev_types"]],
                                         sorted(m["id"] for m in a["mdev_types"]))
                        self.assertEqual(d["resource_class"], "VGPU")
                    self.assertTrue(d["model"], addr)
                    self.assertEqual(d["health"], "ok", addr)
                for disp in exp.get("display", []):
                    self.assertEqual(
                        [d["kind"] for d in inv["devices"] if d["address"] == disp["address"]],
                        ["display"])

    def test_topology_matches_nvidia_smi(self):
        """accelctl topo agrees with the capture's own `nvidia-smi topo -m`."""
        for name in ("esc8000a", "hgx-a100-vfio"):
            with self.subTest(fixture=name):
                exp = expect(name)
                labels = dict(exp["gpu_map"])
                labels.update({k: v["address"] for k, v in exp["nic_map"].items()})
                smi = parse_nvidia_smi_topo(os.path.join(SRC, name, "nvidia-smi-topo.txt"))
                t = topo(name)
                checked = 0
                for la, row in smi.items():
                    for lb, cls in row.items():
                        if la == lb or cls.startswith("NV"):
                            continue  # NVLink is not PCIe
                        got = t["matrix"][labels[la]][labels[lb]]
                        self.assertEqual(got, cls, "%s-%s (%s-%s)" % (la, lb, labels[la],
                                                                     labels[lb]))
                        checked += 1
                self.assertGreater(checked, 10)
                # the same devices under the same labels, NUMA affinity too
                ours = {n["label"]: n for n in t["nodes"]}
                for label, addr in labels.items():
                    self.assertEqual(ours[label]["address"], addr, label)
                for a in exp["accelerators"]:
                    n = ours["GPU%d" % a["nvidia_smi_index"]]
                    self.assertEqual(n["numa_node"], a["numa_node"])
                    self.assertEqual(n["cpu_affinity"], a["local_cpulist"])

    def test_link_pairs(self):
        """Pairs whose class the source capture fixes (dgx2: read off the
        hwloc tree by hand, with the XML's line numbers)."""
        for name in ("dgx2", "edge-mixed"):
            inv = inventory(name)
            listed = {d["address"] for d in inv["devices"]} | {n["address"]
                                                              for n in inv.get("nics", [])}
            cls = {(l["a"], l["b"]): l["class"] for l in inv["links"]}
            checked = 0
            for p in expect(name)["link_pairs"]:
                a, b = sorted((p["a"], p["b"]))
                if a in listed and b in listed:
                    self.assertEqual(cls[(a, b)], p["class"], p)
                    checked += 1
            self.assertGreater(checked, 0, name)

    def test_traits_and_classes(self):
        """Trait names Placement accepts; standard names exist in os-traits."""
        try:
            import os_traits
            import os_resource_classes
        except ImportError:  # pragma: no cover - installed by install-deps.sh
            self.skipTest("python3-os-traits not installed")
        std = set(os_traits.get_traits())
        for name in self.NAMES:
            for d in inventory(name)["devices"]:
                rc = d["resource_class"]
                if d["kind"] == "display":
                    self.assertIsNone(rc)
                    self.assertEqual(d["traits"], [])
                    continue
                self.assertTrue(rc in os_resource_classes.STANDARDS or
                                re.fullmatch(r"CUSTOM_[A-Z0-9_]+", rc), rc)
                for t in d["traits"]:
                    self.assertRegex(t, r"^[A-Z0-9_]{1,255}$")
                    if not t.startswith("CUSTOM_"):
                        self.assertIn(t, std)

    def test_json_roundtrip_schema(self):
        for name in self.NAMES:
            inv = inventory(name)
            self.assertEqual(inv["schema"], "accelsched.inventory/v1")
            for l in inv["links"]:
                self.assertIn(l["class"], ("PIX", "PXB", "PHB", "NODE", "SYS"))
                self.assertLess(l["a"], l["b"])

    def test_show_and_tables(self):
        root = os.path.join(FX, "a100-vgpu-sriov", "sys")
        p = run("show", "41:00.0", "-q", "--sysfs-root", root, check_rc=0)
        self.assertIn("0000:41:00.0", p.stdout)
        self.assertIn("SR-IOV:", p.stdout)
        dev = json.loads(run("show", "41:00.0", "-f", "json", "-q", "--sysfs-root", root,
                             check_rc=0).stdout)
        self.assertEqual(dev["address"], "0000:41:00.0")
        p = run("topo", "-q", "--sysfs-root", os.path.join(FX, "esc8000a", "sys"), check_rc=0)
        self.assertIn("CPU Affinity", p.stdout)
        self.assertIn("Legend:", p.stdout)
        p = run("topo", "-f", "dot", "-q", "--sysfs-root", os.path.join(FX, "dgx2", "sys"),
                check_rc=0)
        self.assertTrue(p.stdout.startswith("graph "))
        self.assertEqual(p.stdout.count("{"), p.stdout.count("}"))


class ManyNics(unittest.TestCase):
    """8 GPUs and 1,000 SR-IOV VFs that are RDMA NICs (hgx-a100-sriov):
    links are listed between accelerators and between an accelerator and a
    NIC, never between two NICs, so the inventory grows with the
    accelerators (it was 46 MB, every NIC pair listed, and the scheduler
    refused it)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="accel-hosts-")
        p = run("list", "-f", "json", "-q", "--host", "hgx-sriov", "--sysfs-root",
                os.path.join(FX, "hgx-a100-sriov", "sys"), check_rc=0)
        cls.raw = p.stdout
        cls.inv = json.loads(p.stdout)
        with open(os.path.join(cls.dir, "hgx-sriov.json"), "w") as f:
            f.write(p.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_scan_and_size(self):
        inv = self.inv
        gpus = [d["address"] for d in inv["devices"] if d["kind"] == "gpu"]
        nics = {n["address"] for n in inv["nics"]}
        self.assertEqual(len(gpus), 8)
        self.assertEqual(len(nics), 1008)
        self.assertEqual(inv.get("warnings", []), [])
        a, n = len(gpus), len(nics)
        self.assertEqual(len(inv["links"]), a * (a - 1) // 2 + a * n)
        for l in inv["links"]:
            self.assertFalse(l["a"] in nics and l["b"] in nics, l)
        # what is left: about a kilobyte per NIC, 1.2 MB in all
        print("\nhgx-a100-sriov inventory: %d bytes, %d links"
              % (len(self.raw), len(inv["links"])), end=" ", flush=True)
        self.assertLess(len(self.raw), 2 << 20)
        # a VF sits below its PF's switch: PXB to the GPUs of its pair
        expect_pxb = {"0000:5b:00.0", "0000:5e:00.0"}
        vf = [l for l in inv["links"] if "0000:5f:1f.3" in (l["a"], l["b"])]
        self.assertEqual(len(vf), 8)
        self.assertEqual({l["a"] for l in vf if l["class"] == "PXB"}, expect_pxb)

    def test_schedule_accepts_it(self):
        p = run("schedule", "--hosts", self.dir, "-f", "json", "-e", "resources:PGPU=2",
                "-e", "accelsched:p2p=PXB", check_rc=0)
        out = json.loads(p.stdout)
        self.assertEqual([h["host"] for h in out["hosts"]], ["hgx-sriov"])
        self.assertEqual(len(out["hosts"][0]["devices"]), 2)

    def test_topo_still_classifies_nic_pairs(self):
        p = run("topo", "-f", "json", "-q", "--sysfs-root",
                os.path.join(FX, "hgx-a100-sriov", "sys"), check_rc=0)
        m = json.loads(p.stdout)["matrix"]
        # the two PFs of one adapter, a PF and its VF: one device, one bus
        self.assertEqual(m["0000:5f:00.0"]["0000:5f:00.1"], "PIX")
        self.assertEqual(m["0000:5f:00.0"]["0000:5f:1f.3"], "PIX")
        # NICs below other host bridges of the same and the other node
        self.assertEqual(m["0000:5f:00.0"]["0000:79:00.0"], "NODE")


class Schedule(unittest.TestCase):
    """accelctl schedule over a folder of the fixtures' inventories. The
    chosen devices are checked against the captures' own link classes
    (nvidia-smi topo of esc8000a, the hwloc XML of dgx2), not against
    accelsched's topology."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="accel-hosts-")
        for name in ("dgx2", "esc8000a", "hgx-a100-vfio", "edge-mixed", "hwloc-x58"):
            p = run("list", "-f", "json", "-q", "--host", name, "--sysfs-root",
                    os.path.join(FX, name, "sys"), check_rc=0)
            with open(os.path.join(cls.dir, name + ".json"), "w") as f:
                f.write(p.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def schedule(self, *specs, rc=0, extra=()):
        args = ["schedule", "--hosts", self.dir, "-f", "json", *extra]
        for s in specs:
            args += ["-e", s]
        p = run(*args, check_rc=rc)
        return json.loads(p.stdout) if rc == 0 else p

    def test_one_inference_gpu_packs_onto_the_smallest(self):
        out = self.schedule("resources:PGPU=1", "accelsched:min_memory_mb=16384")
        hosts = [h["host"] for h in out["hosts"]]
        # Flex 170 (16 GB) < V100 (32 GB) < RTX 6000 Ada (48 GB) < A100 (80 GB)
        self.assertEqual(hosts, ["edge-mixed", "dgx2", "esc8000a", "hgx-a100-vfio"])
        self.assertEqual(out["hosts"][0]["devices"], ["0000:09:00.0"])
        weights = [h["weight"] for h in out["hosts"]]
        self.assertEqual(weights, sorted(weights, reverse=True))
        rej = {r["host"]: r for r in out["rejected"]}
        self.assertEqual(rej["hwloc-x58"]["reason"], "count")

    def test_spread_reverses_the_ranking(self):
        out = self.schedule("resources:PGPU=1", "accelsched:policy=spread")
        self.assertEqual(out["hosts"][0]["host"], "hgx-a100-vfio")

    def test_pairs_within_the_capture_link_class(self):
        e = expect("esc8000a")["topology"]
        out = self.schedule("resources:PGPU=2", "accelsched:p2p=NODE")
        esc = [h for h in out["hosts"] if h["host"] == "esc8000a"]
        self.assertEqual(len(esc), 1)
        a, b = esc[0]["devices"]
        self.assertEqual(e[a][b], "NODE")
        # PHB or tighter: no pair of the capture is, so the host fails on p2p
        out = self.schedule("resources:PGPU=2", "accelsched:p2p=PHB")
        rej = {r["host"]: r for r in out["rejected"]}
        self.assertEqual(rej["esc8000a"]["reason"], "p2p")
        self.assertEqual(rej["esc8000a"]["devices_qualifying"], 4)

    def test_four_v100s_under_one_switch_tree(self):
        pairs = {(p["a"], p["b"]): p["class"] for p in expect("dgx2")["link_pairs"]}
        out = self.schedule("resources:PGPU=2", "accelsched:p2p=PIX")
        dgx = [h for h in out["hosts"] if h["host"] == "dgx2"][0]
        a, b = dgx["devices"]
        if (a, b) in pairs:
            self.assertEqual(pairs[(a, b)], "PIX")
        # the capture's PIX pair is under one switch; 3 cannot be
        out = self.schedule("resources:PGPU=3", "accelsched:p2p=PIX")
        self.assertIn("dgx2", [r["host"] for r in out["rejected"]])
        out = self.schedule("resources:PGPU=4", "accelsched:p2p=PXB",
                            "accelsched:numa=strict")
        dgx = [h for h in out["hosts"] if h["host"] == "dgx2"][0]
        self.assertEqual(len(dgx["devices"]), 4)
        for (a, b), cls in pairs.items():
            if a in dgx["devices"] and b in dgx["devices"]:
                self.assertIn(cls, ("PIX", "PXB"))

    def test_limit_and_table(self):
        out = self.schedule("resources:PGPU=1", extra=("-n", "2"))
        self.assertEqual(len(out["hosts"]), 2)
        p = run("schedule", "--hosts", self.dir, "-e", "resources:PGPU=1", "-n", "2",
                check_rc=0)
        self.assertIn("4 of 5 hosts pass, the best 2:", p.stdout)
        self.assertRegex(p.stdout, r"\n2 +\S+ +-?[0-9.]+  0000:")
        self.assertNotRegex(p.stdout, r"\n3 +")
        p = run("schedule", "--hosts", self.dir, "-e", "resources:PGPU=4",
                "-e", "accelsched:min_memory_mb=40960", "-e", "accelsched:p2p=PXB",
                check_rc=0)
        self.assertIn("0 of 5 hosts pass", p.stdout)
        self.assertRegex(p.stdout, r"hgx-a100-vfio +p2p: 8 devices qualify")
        self.assertRegex(p.stdout, r"dgx2 +min_memory_mb: 0 devices qualify, 4 needed; "
                                   r"turned away: min_memory_mb 16")
        self.assertIn("Hosts rejected per constraint:", p.stdout)

    def test_bad_specs_are_usage_errors_naming_the_key(self):
        for spec, msg in (("accelsched:p2p=NVLINK", "accelsched:p2p: 'NVLINK' is not one of"),
                          ("accelsched:colour=blue", "unknown accelsched key"),
                          ("resources:PGPU=0", "resources:PGPU: '0' is not a positive"),
                          ("accelsched:count", "expected KEY=VALUE")):
            p = self.schedule(spec, rc=2)
            self.assertIn(msg, p.stderr)
            self.assertEqual(p.stdout, "")
        p = run("schedule", "-e", "resources:PGPU=1", check_rc=2)
        self.assertIn("missing --hosts", p.stderr)
        p = run("list", "-e", "resources:PGPU=1", check_rc=2)
        self.assertIn("-e goes with schedule only", p.stderr)

    def test_broken_host_files(self):
        d = tempfile.mkdtemp(prefix="accel-broken-")
        try:
            p = run("schedule", "--hosts", os.path.join(d, "nope"), "-e", "resources:PGPU=1",
                    check_rc=1)
            self.assertIn("nope: No such file or directory", p.stderr)
            p = run("schedule", "--hosts", d, "-e", "resources:PGPU=1", check_rc=1)
            self.assertIn("no inventory files", p.stderr)
            shutil.copy(os.path.join(self.dir, "dgx2.json"), d)
            with open(os.path.join(d, "bad.json"), "w") as f:
                f.write('{"schema": "accelsched.inventory/v1", "host": "x", "devices": [1')
            p = run("schedule", "--hosts", d, "-e", "resources:PGPU=1", check_rc=1)
            self.assertIn("bad.json", p.stderr)
            self.assertEqual(p.stdout, "")
        finally:
            shutil.rmtree(d)

    def test_state_in_use_and_utilization(self):
        """Devices marked in use are never chosen; busier ones weigh less."""
        d = tempfile.mkdtemp(prefix="accel-state-")
        try:
            with open(os.path.join(self.dir, "esc8000a.json")) as f:
                inv = json.load(f)
            for i, util in enumerate((10, 90)):
                doc = json.loads(json.dumps(inv))
                doc["host"] = "esc-%d" % i
                for dev in doc["devices"]:
                    dev["utilization"] = util
                doc["devices"][0]["in_use"] = True
                with open(os.path.join(d, doc["host"] + ".json"), "w") as f:
                    json.dump(doc, f)
            p = run("schedule", "--hosts", d, "-f", "json", "-e", "resources:PGPU=1",
                    check_rc=0)
            out = json.loads(p.stdout)
            self.assertEqual([h["host"] for h in out["hosts"]], ["esc-0", "esc-1"])
            first_gpu = inv["devices"][0]["address"]
            for h in out["hosts"]:
                self.assertNotEqual(h["devices"], [first_gpu])
            p = run("schedule", "--hosts", d, "-f", "json", "-e", "resources:PGPU=4",
                    check_rc=0)
            rej = {r["host"]: r for r in json.loads(p.stdout)["rejected"]}
            self.assertEqual(rej["esc-0"]["devices_turned_away"], {"in_use": 1})
            p = run("schedule", "--hosts", d, "-f", "json", "-e", "resources:PGPU=1",
                    "-e", "accelsched:max_utilization=50", check_rc=0)
            out = json.loads(p.stdout)
            self.assertEqual([h["host"] for h in out["hosts"]], ["esc-0"])
        finally:
            shutil.rmtree(d)


class Dumps(unittest.TestCase):
    DUMPS = os.path.join(SRC, "dumps")

    def test_every_dump_reads(self):
        for f in sorted(os.listdir(self.DUMPS)):
            if not f.endswith(".txt"):
                continue
            with self.subTest(dump=f):
                p = run("list", "-f", "json", "--lspci-dump", os.path.join(self.DUMPS, f),
                        check_rc=0)
                json.loads(p.stdout)

    def test_datacenter_dump(self):
        """An lspci -xxx dump of a DGX-2 lists its 16 V100s by kind and model."""
        p = run("list", "-f", "json", "--lspci-dump",
                os.path.join(self.DUMPS, "dgx2.lspci-xxx.txt"), check_rc=0)
        inv = json.loads(p.stdout)
        gpus = [d for d in inv["devices"] if d["kind"] == "gpu"]
        self.assertEqual(len(gpus), 16)
        for d in gpus:
            self.assertEqual(d["model"], "Tesla V100 SXM3 32GB")
            self.assertEqual(d["memory_mb"], 32768)
        # PCIe switch pairs are known from the bus numbers alone
        cls = {(l["a"], l["b"]): l["class"] for l in inv["links"]}
        self.assertEqual(cls[("0000:34:00.0", "0000:36:00.0")], "PIX")
        self.assertEqual(cls[("0000:34:00.0", "0000:39:00.0")], "PXB")
        # across host bridges the dump cannot tell NUMA nodes apart
        self.assertNotIn(("0000:34:00.0", "0000:b7:00.0"), cls)

    def test_fpga_dump(self):
        p = run("list", "-f", "json", "--lspci-dump",
                os.path.join(self.DUMPS, "edge-mixed.lspci-xxx.txt"), check_rc=0)
        kinds = {d["kind"] for d in json.loads(p.stdout)["devices"]}
        self.assertIn("fpga", kinds)
        self.assertIn("npu", kinds)

    def test_xeon_phi_dump(self):
        p = run("list", "-f", "json", "--lspci-dump",
                os.path.join(self.DUMPS, "hwloc-xeonphi-knc.lspci-x.derived.txt"), check_rc=0)
        devs = {d["address"]: d for d in json.loads(p.stdout)["devices"]}
        self.assertEqual(devs["0000:83:00.0"]["kind"], "accel")


class ThisHost(unittest.TestCase):
    def test_real_sysfs(self):
        """The running kernel's /sys: whatever is there, a valid inventory."""
        p = run("list", "-f", "json", check_rc=0)
        inv = json.loads(p.stdout)
        self.assertEqual(inv["schema"], "accelsched.inventory/v1")


if __name__ == "__main__":
    unittest.main()


class Metrics(unittest.TestCase):
    """accelctl metrics over the real amdgpu capture (no hwmon in it)."""

    def setUp(self):
        self.proc = tempfile.mkdtemp()  # no DRM clients: not this machine's /proc
        self.addCleanup(shutil.rmtree, self.proc)

    def metrics(self, *args):
        return run("metrics", "-q", "--sysfs-root", os.path.join(FX, "amdgpu-vega", "sys"),
                   "--proc-root", self.proc, *args, check_rc=0)

    def test_json(self):
        doc = json.loads(self.metrics("-f", "json").stdout)
        self.assertEqual(doc["version"], "metrics/v1")
        dev = {d["address"]: d for d in doc["devices"]}
        self.assertEqual(dev["0000:09:00.0"]["metrics"], {
            "hw.gpu.utilization": 0.04,
            "hw.gpu.memory.usage": 1490378752,
            "hw.gpu.memory.limit": 8573157376,
            "accelsched.gpu.clock.graphics": 852000000,
            "accelsched.gpu.clock.memory": 167000000,
            "hw.errors{error.type=corrected}": 0,
            "hw.errors{error.type=uncorrected}": 0,
        })
        self.assertEqual(dev["0000:09:00.0"]["sources"]["hw.gpu.utilization"], "sysfs")
        self.assertEqual(dev["0000:00:02.0"]["metrics"], {})

    def test_table_and_sample(self):
        out = self.metrics("--sample", "0.05").stdout
        line = [l for l in out.splitlines() if l.startswith("0000:09:00.0")][0]
        self.assertIn("4%", line)
        self.assertIn("1421 / 8176", line)
        self.assertIn("852", line)

    def test_prometheus_text_passes_promtool(self):
        """Prometheus' own checker (promtool, Debian's prometheus) accepts
        the exposition, lint included."""
        text = self.metrics("-f", "prometheus").stdout
        self.assertIn('hw_gpu_utilization_ratio{host="', text)
        self.assertIn('address="0000:09:00.0"', text)
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout + p.stderr, "")

    def test_options(self):
        p = run("metrics", "--sample", "0", check_rc=2)
        self.assertIn("--sample", p.stderr)
        p = run("list", "-f", "prometheus", check_rc=2)
        self.assertIn("metrics prometheus", p.stderr)
        p = run("list", "--proc-root", "/proc", check_rc=2)
        self.assertIn("go with metrics only", p.stderr)
        p = run("metrics", "-q", "--sysfs-root", os.path.join(FX, "amdgpu-vega", "sys"),
                "--proc-root", "/nonexistent", check_rc=1)
        self.assertIn("/nonexistent", p.stderr)
