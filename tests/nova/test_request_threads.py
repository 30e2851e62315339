# SPDX-License-Identifier: Apache-2.0
"""accelsched._core.Request is immutable: Table.evaluate() reads the parsed
request with the GIL released, so a Request.__init__ from another thread
(which freed and replaced it) crashed the process. The threaded case runs
in a child interpreter, so that a segfault shows as this test failing
rather than killing the test run.

Run by `make nova-tests` (PYTHONPATH=build/python).
"""
import os
import subprocess
import sys
import textwrap
import unittest

from accelsched import _core

CHILD = textwrap.dedent("""
    import json, sys, threading, time
    from accelsched import _core

    table, names = _core.Table(), []
    for h in range(3000):
        devs = [{"address": "0000:%02x:00.0" % (0x10 + i), "vendor_id": "10de",
                 "device_id": "20b5", "kind": "gpu", "resource_class": "PGPU",
                 "memory_mb": 81920, "health": "ok", "numa_node": i // 4,
                 "in_use": False, "traits": []} for i in range(8)]
        names.append(table.update(json.dumps({"schema": "accelsched.inventory/v1",
                                              "host": "h%d" % h, "devices": devs})))
    big = {"resources:PGPU": "4", "accelsched:min_memory_mb": "40960",
           "accelsched:numa": "preferred",
           "accelsched:policy": "spread"}
    small = {"resources:PGPU": "1"}
    rq = _core.Request(big)
    stop = time.monotonic() + float(sys.argv[1])
    refused = [0]

    def reinit():
        while time.monotonic() < stop:
            for s in (small, big):
                try:
                    rq.__init__(s)
                except TypeError:
                    refused[0] += 1

    th = threading.Thread(target=reinit)
    th.start()
    n = passing = 0
    while time.monotonic() < stop:
        passing = len(table.evaluate(rq, names).passing())
        n += 1
    th.join()
    print(n, refused[0], passing)
""")


class ImmutableRequest(unittest.TestCase):

    def test_init_again_is_refused(self):
        rq = _core.Request({"resources:PGPU": "4"})
        with self.assertRaises(TypeError) as cm:
            rq.__init__({"resources:PGPU": "1"})
        self.assertIn("Request is immutable", str(cm.exception))
        self.assertEqual(rq.count, 4)
        self.assertTrue(rq.active)
        # bad specs still fail at construction, naming the spec
        with self.assertRaises(ValueError) as cm:
            _core.Request({"accelsched:p2p": "NVLINK"})
        self.assertIn("accelsched:p2p", str(cm.exception))
        with self.assertRaises(TypeError):
            _core.Request({"resources:PGPU": 4})

    def test_init_while_another_thread_evaluates(self):
        # on the old code this crashed within a second (SIGSEGV, rc -11)
        p = subprocess.run([sys.executable, "-c", CHILD, "3"], capture_output=True,
                           text=True, timeout=120, env=dict(os.environ))
        self.assertEqual(p.returncode, 0, "child died: rc %d\n%s" % (p.returncode, p.stderr))
        evaluations, refused, passing = map(int, p.stdout.split())
        self.assertGreater(evaluations, 10)
        self.assertGreater(refused, 0)
        self.assertEqual(passing, 3000)   # and it still answers right


if __name__ == "__main__":
    unittest.main()
