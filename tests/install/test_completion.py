# SPDX-License-Identifier: Apache-2.0
"""accelctl's bash completion (etc/bash-completion/accelctl), sourced in a
real bash and called as bash calls it (COMP_WORDS, COMP_CWORD, COMP_LINE,
COMP_POINT): its commands and options are accelctl's own (`--help`), and
it completes commands, options, their values and show's addresses.

ACCEL_COMPLETION names the file to test (test_install.py: the installed
copy); ACCEL_BUILD the build folder."""
import os
import re
import subprocess
import unittest

from common import BUILD, FIXTURES, TOP

SCRIPT = os.environ.get("ACCEL_COMPLETION", os.path.join(TOP, "etc", "bash-completion", "accelctl"))

# bash splits the line as readline does: at blanks, and '=' and ':' are
# words of their own (COMP_WORDBREAKS)
DRIVER = r'''
source "$1" || exit 1
COMP_LINE=$2
COMP_POINT=${#2}
COMP_WORDS=()
rest=$2
while [[ -n $rest ]]; do
	rest=${rest#"${rest%%[! ]*}"}
	[[ -z $rest ]] && break
	if [[ ${rest:0:1} == [=:] ]]; then
		COMP_WORDS+=("${rest:0:1}"); rest=${rest:1}
	else
		w=${rest%%[ =:]*}; COMP_WORDS+=("$w"); rest=${rest:${#w}}
	fi
done
[[ $2 == *[\ =:] ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
complete -p accelctl >/dev/null || exit 1
_accelctl
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(line):
    p = subprocess.run(["bash", "--norc", "-c", DRIVER, "driver", SCRIPT, line],
                       capture_output=True, text=True, cwd=TOP)
    if p.returncode or p.stderr:
        raise AssertionError("completing %r: exit %d: %s" % (line, p.returncode, p.stderr))
    return sorted(w for w in p.stdout.split("\n") if w)


def accelctl_help():
    return subprocess.run([os.path.join(BUILD, "bin", "accelctl"), "--help"],
                          capture_output=True, text=True, check=True).stdout


class Completion(unittest.TestCase):
    def test_commands_are_accelctl_s(self):
        text = accelctl_help()
        block = text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
        commands = sorted(re.findall(r"^  ([a-z][a-z-]*)", block, re.M))
        self.assertIn("watch", commands)
        self.assertEqual(complete("accelctl "), commands)

    def test_options_are_accelctl_s(self):
        """Every option of --help is offered with the command that takes it,
        and no other."""
        text = accelctl_help()
        opts = set()
        for m in re.finditer(r"^ +((?:-[a-z], )?--[a-z][a-z-]*)", text, re.M):
            opts.update(m.group(1).split(", "))
        offered = set()
        block = text.split("commands:", 1)[1].split("options:", 1)[0]
        for verb in re.findall(r"^  ([a-z][a-z-]*)", block, re.M):
            offered.update(complete("accelctl %s -" % verb))
        self.assertEqual(sorted(offered), sorted(opts))
        self.assertIn("--source", complete("accelctl watch --"))
        self.assertNotIn("--source", complete("accelctl list --"))
        self.assertIn("--hosts", complete("accelctl schedule --"))
        self.assertIn("--sample", complete("accelctl metrics --"))
        self.assertNotIn("--sample", complete("accelctl watch --"))
        self.assertIn("--resource-class", complete("accelctl nova-config --"))
        self.assertNotIn("--resource-class", complete("accelctl list --"))
        self.assertIn("--kafka", complete("accelctl events --"))
        self.assertIn("--timeout", complete("accelctl events --"))
        self.assertNotIn("--kafka", complete("accelctl watch --"))
        self.assertEqual(complete("accelctl events -f "), ["json", "text"])
        self.assertIn("accelsched.inventory", complete("accelctl events --topic accelsched.i"))
        self.assertEqual(complete("accelctl --kafka k:9092 "), sorted(
            ["list", "show", "topo", "report", "schedule", "watch", "metrics",
             "nova-config", "events"]))

    def test_a_command_by_its_start(self):
        self.assertEqual(complete("accelctl li"), ["list"])
        self.assertEqual(complete("accelctl -q s"), ["schedule", "show"])

    def test_option_values(self):
        self.assertEqual(complete("accelctl topo -f "), ["dot", "json", "table"])
        self.assertEqual(complete("accelctl list --format "), ["json", "table"])
        self.assertEqual(complete("accelctl watch --source u"), ["uevent"])
        self.assertEqual(complete("accelctl watch --source=k"), ["kmod"])
        self.assertEqual(complete("accelctl list --opencl "), ["auto", "off", "on"])
        self.assertEqual(complete("accelctl schedule -e "), [])

    def test_folders_for_roots(self):
        self.assertEqual(complete("accelctl list --sysfs-root etc/bash-c"),
                         ["etc/bash-completion"])

    def test_show_completes_addresses_under_the_root(self):
        sysfs = os.path.join(FIXTURES, "dgx2", "sys")
        devs = sorted(os.listdir(os.path.join(sysfs, "bus", "pci", "devices")))
        self.assertIn("0000:34:00.0", devs)
        got = complete("accelctl show --sysfs-root %s 0000:3" % sysfs)
        # bash replaces the word after the last ':' only
        self.assertEqual(got, sorted(d[len("0000:"):] for d in devs if d.startswith("0000:3")))
        self.assertIn("34:00.0", got)


if __name__ == "__main__":
    unittest.main()
