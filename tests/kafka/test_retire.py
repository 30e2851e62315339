#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""acceld --retire (docs/kafka.md): a host taken out of service gets a
tombstone, key the host and a NULL value, on the compacted inventory topic,
after whatever its spool still held; a stop or a restart never sends one.
Read back with kcat (-J shows a NULL value as null) against librdkafka's
mock cluster; acceld syncs with the real Placement of test_kafka.py.

Run by `make kafka-tests` (ACCEL_BIN, ACCEL_FIXTURES, ACCEL_MOCKCLUSTER).
"""
import os
import subprocess
import unittest

import test_kafka as tk


def setUpModule():
    tk.setUpModule()


def tearDownModule():
    tk.tearDownModule()


def retire(conf):
    return subprocess.run([tk.ACCELD, '--config', conf, '--retire'], capture_output=True,
                          text=True, timeout=tk.WAIT)


def host_records(bootstrap, host):
    """The inventory topic's records of host, in offset order (one key, one
    partition)."""
    return [r for r in tk.kcat(bootstrap, tk.INVENTORY) if r['key'] == host]


class Retire(unittest.TestCase):

    def setUp(self):
        self.mc = tk.MockCluster()

    def tearDown(self):
        self.mc.stop()

    def test_stop_restart_then_retire(self):
        """Stops and restarts send snapshots, never a tombstone; --retire is
        refused while the daemon has the spool, then sends what the spool
        held (the brokers were away) before the tombstone, which comes
        last."""
        host = 'kafka-retire'
        fx = tk.fixture_copy('esc8000a')
        conf, spool = tk.write_conf(host, fx, self.mc.bootstrap)
        for _ in range(2):
            d = tk.Daemon(conf)
            try:
                d.wait_log(r'inventory generation 1:')
                tk.wait_until('the snapshot delivered', lambda: not tk.read_spool(spool))
            finally:
                self.assertEqual(d.stop(), 0, d.log()[-3000:])
        recs = host_records(self.mc.bootstrap, host)
        self.assertEqual(len(recs), 2, recs)
        self.assertTrue(all(r['payload'] is not None for r in recs), recs)

        # the brokers away: the daemon's changes stay in its spool
        self.mc.cmd('down -1')
        d = tk.Daemon(conf)
        try:
            d.wait_log(r'inventory generation 1:')
            dirs = tk.device_dirs(fx, tk.inventory(fx, host))
            for g in (2, 3):
                tk.change_round(d, dirs, g)
            p = retire(conf)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn('%s: in use by another process' % spool, p.stderr)
        finally:
            self.assertEqual(d.stop(), 0, d.log()[-3000:])
        queued = tk.read_spool(spool)
        # three snapshots, the creates and two rounds of updates
        self.assertEqual(len(queued), 3 * (1 + len(dirs)))
        self.mc.cmd('up -1')

        p = retire(conf)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn('kafka: %d undelivered messages in %s: sending them first'
                      % (len(queued), spool), p.stderr)
        recs = host_records(self.mc.bootstrap, host)
        # the partition and offset said are the tombstone's (reports of
        # the events topic's partitions come in any order)
        self.assertIn('kafka: host %s retired: its tombstone is on %s, partition %d, offset %d'
                      % (host, tk.INVENTORY, recs[-1]['partition'], recs[-1]['offset']),
                      p.stderr)
        self.assertEqual(len(recs), 6, recs)
        # the tombstone last, after every snapshot the spool held
        self.assertIsNone(recs[-1]['payload'])
        self.assertEqual(recs[-1]['headers'], {})
        self.assertTrue(all(r['payload'] is not None for r in recs[:-1]), recs)
        self.assertEqual([tk.unwrap(r)['payload']['generation'] for r in recs[2:-1]],
                         [1, 2, 3])
        seen = {r['headers'].get('ce_id') for t in (tk.INVENTORY, tk.EVENTS)
                for r in tk.kcat(self.mc.bootstrap, t)}
        self.assertEqual({h['ce_id'] for h in queued.values()} - seen, set())
        self.assertEqual(os.path.getsize(spool), 0)

    def test_brokers_away(self):
        """The brokers do not answer: exit 1 naming them and the topic, the
        tombstone kept in the spool; the next --retire sends it, once."""
        host = 'kafka-retire-away'
        fx = tk.fixture_copy('esc8000a')
        conf, spool = tk.write_conf(host, fx, self.mc.bootstrap, flush_timeout='2')
        self.mc.cmd('down -1')
        for _ in range(2):
            p = retire(conf)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn('kafka: the tombstone of host %s on topic %s was not acknowledged '
                          'by %s within [kafka] flush_timeout'
                          % (host, tk.INVENTORY, self.mc.bootstrap), p.stderr)
            self.assertIn('it stays in %s (1 undelivered messages): run acceld --retire '
                          'again' % spool, p.stderr)
            self.assertEqual(len(tk.read_spool(spool)), 1)
        self.mc.cmd('up -1')
        p = retire(conf)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        recs = host_records(self.mc.bootstrap, host)
        self.assertEqual([r['payload'] for r in recs], [None])
        self.assertEqual(os.path.getsize(spool), 0)

    def test_refusals(self):
        """Without [kafka], and with other modes: refused, saying why."""
        fx = tk.fixture_copy('esc8000a')
        conf, _ = tk.write_conf('kafka-retire-bad', fx, self.mc.bootstrap)
        with open(conf) as f:
            text = f.read()
        start = text.index('[kafka]')
        with open(conf, 'w') as f:
            f.write(text[:start] + text[text.index('[telemetry]'):])
        p = retire(conf)
        self.assertEqual(p.returncode, 1)
        self.assertIn('%s: --retire sends the host\'s tombstone to Kafka: it needs a [kafka] '
                      'section' % conf, p.stderr)
        p = subprocess.run([tk.ACCELD, '--config', conf, '--retire', '--once'],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn('--retire goes alone', p.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
