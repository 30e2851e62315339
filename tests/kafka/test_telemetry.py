#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""acceld's device telemetry ([telemetry], [metrics], docs/kafka.md) read
back by consumers that share no code with acceld:

- the accelerator.metrics events on the Kafka mock cluster, through kcat,
  turned into samples by Ceilometer's own meter-definition code
  (python3-ceilometer's ProcessMeterNotifications) with the definitions the
  project ships (etc/ceilometer/accelsched-meters.yaml);
- the Prometheus endpoint, scraped by a real Prometheus (Debian's) whose
  HTTP API is then queried;
- the inventory record on Kafka, with the devices' utilization.

The readings come from the real amdgpu capture (build/fixtures/amdgpu-vega:
gpu_busy_percent 4, VRAM 1490378752 of 8573157376 bytes, sclk 852 MHz,
mclk 167 MHz, AER counters 0).

Run by `make kafka-tests` with tests/kafka/test_kafka.py, whose helpers
(mock cluster, kcat, configuration, daemon) it uses.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import test_kafka as tk

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
METRICS = 'accelsched.metrics.info'
GPU = '0000:09:00.0'


def setUpModule():
    tk.setUpModule()


def tearDownModule():
    tk.tearDownModule()


def telemetry_conf(host, fx, bootstrap, listen):
    proc = tempfile.mkdtemp(prefix='proc-', dir=tk.WORK)  # no DRM clients
    conf, _spool = tk.write_conf(host, fx, bootstrap,
                                 telemetry={'interval': '1', 'proc_root': proc})
    with open(conf, 'a') as f:
        f.write('[metrics]\nlisten = %s\n' % listen)
    return conf


class Prometheus:
    """Debian's prometheus scraping one target every second."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix='prom-', dir=tk.WORK)
        self.port = tk.ostk.free_port()
        cfg = os.path.join(self.dir, 'prometheus.yml')
        with open(cfg, 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
                    'scrape_configs:\n  - job_name: acceld\n    static_configs:\n'
                    '      - targets: ["%s"]\n' % target)
        self.log = open(os.path.join(self.dir, 'log'), 'w')
        self.p = subprocess.Popen(
            ['prometheus', '--config.file=' + cfg, '--storage.tsdb.path=' + self.dir + '/data',
             '--web.listen-address=127.0.0.1:%d' % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, q):
        url = 'http://127.0.0.1:%d/api/v1/query?%s' % (self.port,
                                                        urllib.parse.urlencode({'query': q}))
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                doc = json.load(r)
        except OSError:
            return []  # not listening yet
        assert doc['status'] == 'success', doc
        return doc['data']['result']

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=60)
        self.log.close()


class Telemetry(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mc = tk.MockCluster()
        cls.mc.cmd('topic %s 4' % METRICS)
        cls.fx = tk.fixture_copy('amdgpu-vega')
        cls.host = 'tel-1'
        cls.conf = telemetry_conf(cls.host, cls.fx, cls.mc.bootstrap, '127.0.0.1:0')
        cls.d = tk.Daemon(cls.conf)
        m = cls.d.wait_log(r'metrics: serving http://\S+ \(port (\d+)\)')
        cls.port = int(m.group(1))

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.mc.stop()
        assert rc == 0, 'acceld exited %d' % rc

    def metrics_records(self):
        return [r for r in tk.kcat(self.mc.bootstrap, METRICS)
                if r['key'] == '%s/%s' % (self.host, GPU)]

    def test_metrics_events_and_ceilometer_samples(self):
        recs = tk.wait_until('an accelerator.metrics record of %s' % GPU, self.metrics_records)
        r = recs[0]
        msg = tk.unwrap(r)
        self.assertEqual(msg['event_type'], 'accelerator.metrics')
        self.assertEqual(msg['publisher_id'], 'accelsched-agent:%s' % self.host)
        self.assertEqual(r['headers']['ce_type'], 'accelerator.metrics')
        self.assertEqual(r['headers']['ce_id'], msg['message_id'])
        p = msg['payload']
        self.assertEqual((p['host'], p['address'], p['kind']), (self.host, GPU, 'gpu'))
        got = {m['meter']: (m['value'], m['unit'], m['type'], m['source'])
               for m in p['metrics']}
        self.assertEqual(got, {
            'hw.gpu.utilization': (0.04, '1', 'gauge', 'sysfs'),
            'hw.gpu.memory.usage': (1490378752, 'By', 'gauge', 'sysfs'),
            'hw.gpu.memory.limit': (8573157376, 'By', 'gauge', 'sysfs'),
            'accelsched.gpu.clock.graphics': (852000000, 'Hz', 'gauge', 'sysfs'),
            'accelsched.gpu.clock.memory': (167000000, 'Hz', 'gauge', 'sysfs'),
            'hw.errors.corrected': (0, '{error}', 'cumulative', 'aer'),
            'hw.errors.uncorrected': (0, '{error}', 'cumulative', 'aer'),
        })
        # one event per read: the interval is 1 s
        tk.wait_until('a second read', lambda: len(self.metrics_records()) >= 2)

        # Ceilometer's own meter code over the shipped definitions
        from ceilometer import service
        from ceilometer.meter import notifications
        conf = service.prepare_service([], [])
        conf.set_override('meter_definitions_dirs', [os.path.join(TOP, 'etc', 'ceilometer')],
                          group='meter')
        samples = list(notifications.ProcessMeterNotifications(conf, None).build_sample(msg))
        by = {s.name: s for s in samples}
        self.assertEqual(sorted(by), sorted(got))
        s = by['hw.gpu.utilization']
        self.assertEqual((s.type, s.unit, s.volume), ('gauge', '1', 0.04))
        self.assertEqual(s.resource_id, '%s_%s' % (self.host, GPU))
        self.assertEqual(s.resource_metadata['model'], p['model'])
        self.assertEqual(by['hw.errors.corrected'].type, 'cumulative')

    def test_prometheus_scrapes_acceld(self):
        prom = Prometheus('127.0.0.1:%d' % self.port)
        try:
            q = 'hw_gpu_utilization_ratio{address="%s"}' % GPU
            res = tk.wait_until('Prometheus to hold ' + q, lambda: prom.query(q), timeout=120,
                                step=0.5)
            self.assertEqual(len(res), 1, res)
            labels = res[0]['metric']
            self.assertEqual((labels['host'], labels['address'], labels['kind']),
                             (self.host, GPU, 'gpu'))
            self.assertEqual(float(res[0]['value'][1]), 0.04)
            up = prom.query('up{job="acceld"}')
            self.assertEqual(up[0]['value'][1], '1')
            errs = prom.query('hw_errors_total{address="%s"}' % GPU)
            self.assertEqual(sorted(e['metric']['error_type'] for e in errs),
                             ['corrected', 'uncorrected'])
            # the i915 iGPU: a DRM device without clients in the (empty)
            # proc root is idle by its fdinfo
            igpu = prom.query('hw_gpu_utilization_ratio{address="0000:00:02.0"}')
            self.assertEqual(igpu[0]['value'][1], '0')
            mem = prom.query('hw_gpu_memory_usage_bytes / hw_gpu_memory_limit_bytes')
            self.assertAlmostEqual(float(mem[0]['value'][1]), 1490378752 / 8573157376)
        finally:
            prom.stop()
        # the endpoint itself: 404 elsewhere, the text format's content type
        with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % self.port) as r:
            self.assertEqual(r.headers['Content-Type'],
                             'text/plain; version=0.0.4; charset=utf-8')
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen('http://127.0.0.1:%d/' % self.port)
        self.assertEqual(e.exception.code, 404)

    def test_inventory_record_has_utilization(self):
        recs = tk.wait_until('the inventory record', lambda: [
            r for r in tk.kcat(self.mc.bootstrap, tk.INVENTORY) if r['key'] == self.host])
        inv = tk.unwrap(recs[-1])['payload']
        dev = {d['address']: d for d in inv['devices']}
        self.assertEqual(dev[GPU]['utilization'], 4)


class BadOptions(unittest.TestCase):
    def test_listen_refused_naming_the_option(self):
        fx = tk.fixture_copy('amdgpu-vega')
        for listen, says in (('localhost', "'localhost' is not ADDRESS:PORT"),
                             ('127.0.0.1:70000', 'is not ADDRESS:PORT'),
                             ('10.255.255.1:9464', 'cannot listen')):
            conf = telemetry_conf('bad-listen', fx, '127.0.0.1:1', listen)
            p = tk.acceld_once(conf)
            self.assertEqual(p.returncode, 1, p.stderr[-2000:])
            self.assertIn('[metrics] listen', p.stderr)
            self.assertIn(says, p.stderr)

    def test_port_taken(self):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        try:
            conf = telemetry_conf('taken', tk.fixture_copy('amdgpu-vega'), '127.0.0.1:1',
                                  '127.0.0.1:%d' % s.getsockname()[1])
            p = tk.acceld_once(conf)
            self.assertEqual(p.returncode, 1, p.stderr[-2000:])
            self.assertRegex(p.stderr, r'\[metrics\] listen 127\.0\.0\.1:\d+: cannot listen')
        finally:
            s.close()


if __name__ == '__main__':
    unittest.main()
