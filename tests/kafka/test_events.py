#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""accelctl events (docs/kafka.md): the tail of acceld's stream, read from
librdkafka's mock cluster. What acceld produced is what accelctl shows (its
message ids, topics, partitions and offsets are kcat's); records produced
with kcat -P that are not acceld's notifications are named and skipped; the
text format on one known record; a retired host's tombstone; SIGINT ends
it with status 0; brokers that do not answer are named. (A topic the
cluster does not have cannot be shown here: the mock cluster creates every
topic asked about.)

Run by `make kafka-tests` (ACCEL_BIN, ACCEL_FIXTURES, ACCEL_MOCKCLUSTER).
"""
import json
import signal
import subprocess
import time
import unittest

import test_kafka as tk

METRICS = 'accelsched.metrics.info'


def setUpModule():
    tk.setUpModule()


def tearDownModule():
    tk.tearDownModule()


def events(bootstrap, *args, timeout=120):
    return subprocess.run([tk.ACCELCTL, 'events', '--kafka', bootstrap, *args],
                          capture_output=True, text=True, timeout=timeout)


def produce(bootstrap, topic, records):
    """(key, value) pairs through kcat -P, one a line (key TAB value)."""
    data = ''.join('%s\t%s\n' % kv for kv in records)
    subprocess.run(['kcat', '-P', '-b', bootstrap, '-t', topic, '-K', '\\t'], input=data,
                   text=True, check=True, timeout=120)


def envelope(message):
    return json.dumps({'oslo.version': '2.0', 'oslo.message': json.dumps(message)})


KNOWN = {
    'message_id': '4db1da70-b439-464f-9a57-44b6463af13b',
    'publisher_id': 'accelsched-agent:node-1',
    'event_type': 'accelerator.device.update',
    'priority': 'INFO',
    'payload': {'host': 'node-1', 'generation': 7, 'address': '0000:17:00.0',
                'device': {'address': '0000:17:00.0', 'kind': 'gpu',
                           'model': 'A100-SXM4-80GB', 'health': 'ok'},
                'changed': ['driver', 'numa_node']},
    'timestamp': '2026-12-02 05:08:14.452155',
    '_context': {},
}


class Events(unittest.TestCase):

    def setUp(self):
        self.mc = tk.MockCluster()
        self.mc.cmd('topic %s 4' % METRICS)

    def tearDown(self):
        self.mc.stop()

    def test_json_is_what_acceld_sent(self):
        """-f json -n N --from-beginning: every record acceld sent, its id,
        topic, partition and offset as kcat reads them."""
        host = 'kafka-events'
        fx = tk.fixture_copy('esc8000a')
        conf, _ = tk.write_conf(host, fx, self.mc.bootstrap)
        p = tk.acceld_once(conf, '--create-root')
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        want = {}
        for r in tk.kcat(self.mc.bootstrap, tk.EVENTS):
            want[tk.unwrap(r)['message_id']] = r
        self.assertTrue(want)
        p = events(self.mc.bootstrap, '-f', 'json', '-n', str(len(want)), '--from-beginning',
                   '--timeout', '60')
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual(len(got), len(want))
        for m in got:
            r = want[m['message_id']]
            self.assertEqual((m['topic'], m['partition'], m['offset'], m['key']),
                             (tk.EVENTS, r['partition'], r['offset'], r['key']))
            self.assertEqual(m['event_type'], 'accelerator.device.create')
            self.assertEqual(m['payload'], tk.unwrap(r)['payload'])
            self.assertEqual(m['publisher_id'], 'accelsched-agent:' + host)
        self.assertEqual({m['message_id'] for m in got}, set(want))

    def test_text_of_a_known_record(self):
        topic = 'accelsched.test.text'
        self.mc.cmd('topic %s 1' % topic)
        produce(self.mc.bootstrap, topic, [('node-1/0000:17:00.0', envelope(KNOWN))])
        p = events(self.mc.bootstrap, '--topic', topic, '--from-beginning', '-n', '1')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, '2026-12-02 05:08:14.452155 accelerator.device.update '
                         'node-1/0000:17:00.0 A100-SXM4-80GB (gpu) health ok, changed: '
                         'driver,numa_node\n')

    def test_malformed_named_and_skipped(self):
        """Records that are not acceld's notifications, produced with kcat
        -P among good ones: one line each naming topic, partition, offset
        and what is wrong; the good ones around them are shown."""
        topic = 'accelsched.test.bad'
        self.mc.cmd('topic %s 1' % topic)
        no_device = dict(KNOWN, payload={'host': 'node-1'})
        produce(self.mc.bootstrap, topic, [
            ('k/0', envelope(KNOWN)),
            ('k/1', 'not json at all'),
            ('k/2', json.dumps({'oslo.version': '2.0'})),
            ('k/3', envelope(no_device)),
            ('k/4', envelope(dict(KNOWN, message_id='6f7e1a2b-0000-4000-8000-000000000001'))),
        ])
        p = events(self.mc.bootstrap, '--topic', topic, '--from-beginning', '-n', '5')
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 5, p.stdout)
        self.assertIn(' accelerator.device.update k/0 A100-SXM4-80GB', lines[0])
        for i in (1, 2, 3):
            self.assertRegex(lines[i], r' malformed %s/0@%d key k/%d: ' % (topic, i, i))
        self.assertIn('accelerator.device.update: payload.device: missing', lines[3])
        self.assertIn(' accelerator.device.update k/4 A100-SXM4-80GB', lines[4])
        # the same in json: an "error" member where the record is bad
        p = events(self.mc.bootstrap, '--topic', topic, '--from-beginning', '-n', '5', '-f',
                   'json')
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([('error' in g, g['offset'], g['key']) for g in got],
                         [(False, 0, 'k/0'), (True, 1, 'k/1'), (True, 2, 'k/2'),
                          (True, 3, 'k/3'), (False, 4, 'k/4')])
        self.assertEqual(got[1]['topic'], topic)

    def test_retired_host(self):
        """acceld's snapshot and, after --retire, its tombstone on the
        inventory topic."""
        host = 'kafka-events-retire'
        fx = tk.fixture_copy('esc8000a')
        conf, _ = tk.write_conf(host, fx, self.mc.bootstrap)
        p = tk.acceld_once(conf, '--create-root')
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        p = subprocess.run([tk.ACCELD, '--config', conf, '--retire'], capture_output=True,
                           text=True, timeout=tk.WAIT)
        self.assertEqual(p.returncode, 0, p.stderr)
        n = len(tk.inventory(fx, host)['devices'])
        p = events(self.mc.bootstrap, '--topic', tk.INVENTORY, '--from-beginning', '-n', '2')
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} '
                         r'accelerator\.inventory\.snapshot %s %d devices, generation 1$'
                         % (host, n))
        self.assertRegex(lines[1], r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} tombstone %s '
                         r'host retired$' % host)
        p = events(self.mc.bootstrap, '--topic', tk.INVENTORY, '--from-beginning', '-n', '2',
                   '-f', 'json')
        last = json.loads(p.stdout.splitlines()[1])
        self.assertEqual(last, {'topic': tk.INVENTORY, 'partition': 0, 'offset': 1,
                                'key': host, 'tombstone': True})

    def test_sigint_and_timeout(self):
        """From the end, nothing comes: SIGINT ends it with 0 at once;
        --timeout with -n and too few records is 1, saying so."""
        p = subprocess.Popen([tk.ACCELCTL, 'events', '--kafka', self.mc.bootstrap],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        self.assertIsNone(p.poll())
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(out, '')
        p = events(self.mc.bootstrap, '-n', '1', '--timeout', '1')
        self.assertEqual(p.returncode, 1)
        self.assertIn('0 of 1 records within --timeout 1 s', p.stderr)

    def test_brokers_away(self):
        self.mc.cmd('down -1')
        p = events(self.mc.bootstrap, '-n', '1')
        self.assertEqual(p.returncode, 1)
        self.assertIn('accelctl: events: %s: no answer about topic %s: '
                      % (self.mc.bootstrap, tk.EVENTS), p.stderr)
        self.assertIn('(are the brokers up, and --kafka right?)', p.stderr)
        self.mc.cmd('up -1')


if __name__ == '__main__':
    unittest.main(verbosity=2)
