#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The scheduler's Kafka consumer (state_source = kafka, docs/kafka.md)
against librdkafka's mock cluster, fed by the real acceld:

- acceld --once sends the inventory of the hgx-a100-vfio fixture (8 GPUs
  behind PCIe switches, two NUMA nodes); the scheduler's KafkaSource
  (accelsched._kafka in this interpreter, /usr/bin/python3, with
  PYTHONPATH=build/python) reads it from the topic's beginning, and
  accelsched:p2p=PXB and numa=strict requests pass the host, which nothing
  but the stream described;
- acceld as a daemon with [telemetry] on the amdgpu-vega fixture: its GPU
  gets busy (gpu_busy_percent), acceld's accelerator.metrics record
  reaches the table and an accelsched:max_utilization request turns the
  host away, then takes it again when the GPU is idle;
- a tombstone (kcat -Z: a null value keyed by the host) removes a host;
- malformed records (not JSON, another oslo.version, a bad inventory, an
  event where a snapshot belongs, a bad reading) are skipped, counted and
  logged naming topic[partition]@offset, and acceld's records after them
  still apply; a record sent twice is dropped by its message id.

Run by `make kafka-tests` with tests/kafka/test_kafka.py, whose helpers
(mock cluster, kcat, configuration, daemon) it uses.
"""
import json
import logging
import os
import subprocess
import tempfile
import unittest

import test_kafka as tk

METRICS = 'accelsched.metrics.info'
VEGA_GPU = '0000:09:00.0'


def setUpModule():
    tk.setUpModule()
    global _core, _kafka, state, config
    try:
        from accelsched import _core, _kafka, config, state  # noqa: F401
    except ImportError as e:
        raise unittest.SkipTest('accelsched is not importable (make python; '
                                'PYTHONPATH=build/python): %s' % e)


def tearDownModule():
    tk.tearDownModule()


def produce(bootstrap, topic, key, value, null=False):
    """One record through kcat: key, then value (None with null=True: a
    tombstone)."""
    args = ['kcat', '-P', '-b', bootstrap, '-t', topic, '-K', '\t']
    if null:
        args.append('-Z')
    line = '%s\t%s\n' % (key, '' if value is None else value)
    p = subprocess.run(args, input=line, capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise AssertionError('kcat -P: %s' % p.stderr[-2000:])


def envelope(event_type, payload, message_id, version='2.0'):
    msg = {'message_id': message_id, 'publisher_id': 'accelsched-agent:test',
           'event_type': event_type, 'priority': 'INFO', 'payload': payload,
           'timestamp': '2026-12-02 05:08:14.452155', '_context': {}}
    return json.dumps({'oslo.version': version, 'oslo.message': json.dumps(msg)})


class Consume(unittest.TestCase):

    def setUp(self):
        self.mc = tk.MockCluster()
        self.mc.cmd('topic %s 1' % METRICS)
        self.bs = self.mc.bootstrap
        self.sources, self.daemons = [], []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        for s in self.sources:
            s.close()
        self.mc.stop()

    def source(self, timeout=60):
        cfg = config.KafkaConfig(self.bs, tk.INVENTORY, METRICS, {}, timeout)
        # as the Nova plugin makes it from nova.conf
        s = state.make_source(config.SchedulerConfig(('kafka', self.bs), kafka=cfg))
        self.assertIsInstance(s, state.KafkaSource)
        self.sources.append(s)
        return s

    def acceld_once(self, host, fixture):
        fx = tk.fixture_copy(fixture)
        conf, _spool = tk.write_conf(host, fx, self.bs)
        p = tk.acceld_once(conf, '--create-root')
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return fx, conf

    def reason(self, src, host, specs):
        rq = _core.Request(specs)
        return src.table.evaluate(rq, [host]).reason(host)

    def test_inventory_topology_and_tombstone(self):
        pxb = {'resources:PGPU': '2', 'accelsched:p2p': 'PXB'}
        strict = {'resources:PGPU': '4', 'accelsched:numa': 'strict'}
        pix = {'resources:PGPU': '2', 'accelsched:p2p': 'PIX'}
        # acceld first: the consumer starting later reads it from the beginning
        self.acceld_once('hgx-1', 'hgx-a100-vfio')
        src = self.source()
        self.assertTrue(src.consumer.caught_up(0), src.stats())
        self.assertEqual(src.table.hosts(), ['hgx-1'])
        self.assertIsNone(self.reason(src, 'hgx-1', pxb))
        self.assertIsNone(self.reason(src, 'hgx-1', strict))
        # the topology is the fixture's: no two GPUs share a switch port
        self.assertEqual(self.reason(src, 'hgx-1', pix), 'p2p')
        chosen = src.table.evaluate(_core.Request(pxb), ['hgx-1']).chosen('hgx-1')
        self.assertEqual(len(chosen), 2)

        # a host acceld adds while the scheduler runs: the table is live
        self.assertEqual(self.reason(src, 'hgx-2', pxb), 'no_inventory')
        self.acceld_once('hgx-2', 'hgx-a100-vfio')
        tk.wait_until('hgx-2 in the table', lambda: 'hgx-2' in src.table.hosts())
        self.assertIsNone(self.reason(src, 'hgx-2', pxb))

        # a host taken out of service: the tombstone removes it
        produce(self.bs, tk.INVENTORY, 'hgx-1', None, null=True)
        tk.wait_until('hgx-1 gone', lambda: src.table.hosts() == ['hgx-2'])
        self.assertEqual(self.reason(src, 'hgx-1', pxb), 'no_inventory')
        st = src.stats()
        self.assertEqual((st['inventories'], st['tombstones'], st['skipped']), (2, 1, 0), st)

        # a restarted scheduler reads the compacted history to the same table
        again = self.source()
        self.assertTrue(again.consumer.caught_up(0))
        self.assertEqual(again.table.hosts(), ['hgx-2'])

    def test_metrics_utilization(self):
        busy = {'resources:PGPU': '2', 'accelsched:max_utilization': '50'}
        fx = tk.fixture_copy('amdgpu-vega')
        proc = tempfile.mkdtemp(prefix='proc-', dir=tk.WORK)  # no DRM clients
        conf, _spool = tk.write_conf('vega-1', fx, self.bs,
                                     telemetry={'interval': '1', 'proc_root': proc})
        src = self.source()
        d = tk.Daemon(conf)
        self.daemons.append(d)
        tk.wait_until('vega-1 in the table', lambda: 'vega-1' in src.table.hosts())
        self.assertIsNone(self.reason(src, 'vega-1', busy))
        gpu = tk.device_dirs(fx, tk.inventory(fx, 'vega-1'))[VEGA_GPU]

        def set_busy(pct):
            with open(os.path.join(gpu, 'gpu_busy_percent'), 'w') as f:
                f.write('%d\n' % pct)

        set_busy(90)
        tk.wait_until('vega-1 turned away as busy',
                      lambda: self.reason(src, 'vega-1', busy) == 'max_utilization')
        set_busy(10)
        tk.wait_until('vega-1 taken again', lambda: self.reason(src, 'vega-1', busy) is None)
        self.assertGreaterEqual(src.stats()['metrics'], 2, src.stats())
        self.assertEqual(src.stats()['skipped'], 0)

    def test_malformed_records(self):
        src = self.source()
        _fx, conf = self.acceld_once('hgx-1', 'hgx-a100-vfio')
        tk.wait_until('hgx-1 in the table', lambda: 'hgx-1' in src.table.hosts())
        first = tk.kcat(self.bs, tk.INVENTORY)[-1]
        inv = tk.unwrap(first)['payload']
        bad = [
            ('not JSON', 'hgx-1', '{"oslo.version": "2.0", "oslo.mess',
             'invalid JSON'),
            ('oslo 1.0', 'hgx-1', envelope('accelerator.inventory.snapshot', inv, 'b-1', '1.0'),
             '"oslo.version" is "1.0", not "2.0"'),
            ('bad inventory', 'hgx-1',
             envelope('accelerator.inventory.snapshot', dict(inv, devices=7), 'b-2'),
             'the inventory: devices'),
            ('an event', 'hgx-1', envelope('accelerator.device.create', inv, 'b-3'),
             'event_type "accelerator.device.create", not "accelerator.inventory.snapshot"'),
            ('another host', 'hgx-9', envelope('accelerator.inventory.snapshot', inv, 'b-4'),
             'the key says "hgx-9"'),
        ]
        base = len(tk.kcat(self.bs, tk.INVENTORY))
        for _what, key, value, _why in bad:
            produce(self.bs, tk.INVENTORY, key, value)
        produce(self.bs, METRICS, 'hgx-1/0000:5b:00.0',
                envelope('accelerator.metrics', {'host': 'hgx-1', 'address': '0000:5b:00.0',
                                                 'metrics': [{'name': 'hw.gpu.utilization',
                                                              'value': 3}]}, 'b-5'))
        # acceld's record sent twice (the same message id): dropped
        produce(self.bs, tk.INVENTORY, first['key'], first['payload'])
        # and acceld's next records still apply
        self.acceld_once('dgx-1', 'dgx2')
        tk.wait_until('dgx-1 in the table', lambda: 'dgx-1' in src.table.hosts())
        tk.wait_until('every record read', lambda: src.stats()['skipped'] == 6)
        with self.assertLogs('accelsched.state', logging.WARNING) as logs:
            src.refresh()
        text = '\n'.join(logs.output)
        for i, (what, _key, _value, why) in enumerate(bad):
            where = '%s[0]@%d: ' % (tk.INVENTORY, base + i)
            self.assertIn(where, text, what)
            line = [ln for ln in logs.output if where in ln][0]
            self.assertIn(why, line, what)
            self.assertIn('the record is skipped', line)
        self.assertRegex(text, r'%s\[0\]@\d+: metrics\[0\] \(hw.gpu.utilization\): 3 is not '
                               r'a fraction of 0 to 1' % METRICS)
        st = src.stats()
        self.assertEqual((st['skipped'], st['duplicates'], st['inventories']), (6, 1, 2), st)
        self.assertEqual(src.table.hosts(), ['dgx-1', 'hgx-1'])
        self.assertIsNone(self.reason(src, 'hgx-1', {'resources:PGPU': '2',
                                                     'accelsched:p2p': 'PXB'}))


if __name__ == '__main__':
    unittest.main()
