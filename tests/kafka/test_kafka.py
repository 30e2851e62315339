#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""acceld's Kafka stream (docs/kafka.md) against librdkafka's mock cluster
(tests/kafka/mockcluster.c: the real Kafka protocol over TCP on 127.0.0.1),
read back by consumers that share no code with acceld:

- kcat (Debian's), for the records, keys, headers and offsets;
- oslo.messaging's notification listener with a kafka:// transport (its
  own Kafka driver over confluent-kafka), the OpenStack consumer as it is;
- the spool file, read by this file's own parser of the format in
  agent/spool.h.

acceld syncs with a real Placement (Debian's, noauth2, started by
tests/integration/openstack.py) as it always does; the stream comes on top.

Faults: every broker down while acceld produces a burst of events (its
messages time out in librdkafka and come back from the spool), acceld
killed with -9 with an undelivered spool, Produce requests failing.

Run by `make kafka-tests` with ACCEL_BIN, ACCEL_FIXTURES and ACCEL_MOCKCLUSTER
set. KAFKA_BURST_ROUNDS (default 40) sets the burst: rounds of a change to
every device of a 16-GPU fixture, 16 events each.
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
import openstack as ostk  # noqa: E402

BIN = os.path.abspath(os.environ.get('ACCEL_BIN', 'build/bin'))
FX = os.path.abspath(os.environ.get('ACCEL_FIXTURES', 'build/fixtures'))
MOCK = os.path.abspath(os.environ.get('ACCEL_MOCKCLUSTER', 'build/tests/mockcluster'))
ACCELD = os.path.join(BIN, 'acceld')
ACCELCTL = os.path.join(BIN, 'accelctl')
ROUNDS = int(os.environ.get('KAFKA_BURST_ROUNDS', '40'))
INVENTORY = 'accelsched.inventory'
EVENTS = 'accelsched.events.info'
WAIT = 180  # seconds any one condition may take on a loaded machine
EVENT_PARTITIONS = 64

PL = WORK = None


def setUpModule():
    global PL, WORK
    for tool in ('kcat',):
        if not shutil.which(tool):
            raise unittest.SkipTest('%s not installed (scripts/install-deps.sh)' % tool)
    WORK = tempfile.mkdtemp(prefix='accel-kafka-')
    PL = ostk.Placement(WORK)  # noauth2: X-Auth-Token admin
    PL.start()


def tearDownModule():
    if PL:
        PL.stop()
    if WORK and not os.environ.get('KEEP_WORKDIR'):
        shutil.rmtree(WORK, ignore_errors=True)


def wait_until(what, cond, timeout=WAIT, step=0.2):
    """cond() until it is true (returned), or fail naming `what`."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError('waited %d s for %s' % (timeout, what))
        time.sleep(step)


class MockCluster:
    """tests/kafka/mockcluster.c: 3 brokers; commands answered ok/error."""

    def __init__(self):
        self.p = subprocess.Popen([MOCK], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.bootstrap = self.p.stdout.readline().strip()
        if not re.match(r'^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$', self.bootstrap):
            raise AssertionError('mockcluster printed %r' % self.bootstrap)
        for t, n in ((INVENTORY, 1), (EVENTS, EVENT_PARTITIONS)):
            self.cmd('topic %s %d' % (t, n))

    def cmd(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        answer = self.p.stdout.readline().strip()
        if answer != 'ok':
            raise AssertionError('mockcluster: %s: %s' % (line, answer))

    def stop(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)
        self.p.stdout.close()


def kcat(bootstrap, topic):
    """Every record of topic so far, as kcat -J gives them, in (partition,
    offset) order; headers as a dict, value as text."""
    p = subprocess.run(['kcat', '-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-J',
                        '-o', 'beginning'], capture_output=True, text=True, timeout=120)
    if p.returncode:
        raise AssertionError('kcat: %s' % p.stderr[-2000:])
    out = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        h = r.get('headers') or []
        r['headers'] = dict(zip(h[0::2], h[1::2]))
        out.append(r)
    out.sort(key=lambda r: (r['partition'], r['offset']))
    return out


def unwrap(record):
    """The oslo.messaging message inside a record's value."""
    env = json.loads(record['payload'])
    assert set(env) == {'oslo.version', 'oslo.message'}, env
    assert env['oslo.version'] == '2.0', env
    return json.loads(env['oslo.message'])


def fixture_copy(name):
    d = tempfile.mkdtemp(prefix='fx-', dir=WORK)
    shutil.copytree(os.path.join(FX, name, 'sys'), os.path.join(d, 'sys'), symlinks=True)
    os.mkdir(os.path.join(d, 'dev'))
    return d


def write_conf(host, fx, bootstrap, telemetry=None, **kafka):
    """acceld's configuration; [telemetry] off unless given (its metrics
    events would add to the counts these tests make)."""
    d = tempfile.mkdtemp(prefix='conf-', dir=WORK)
    k = {'bootstrap_servers': bootstrap, 'flush_timeout': '60'}
    k.update(kafka)
    text = ('[DEFAULT]\nhost = %s\nstate_dir = %s\nlog_level = debug\n'
            '[discovery]\nsysfs_root = %s/sys\ndev_root = %s/dev\nrescan_interval = 3600\n'
            'debounce_ms = 0\n'
            '[placement]\nauth_type = none\nendpoint_override = %s\ntoken = admin\n'
            '[kafka]\n' % (host, os.path.join(d, 'state'), fx, fx, PL.url))
    text += ''.join('%s = %s\n' % kv for kv in k.items())
    text += '[telemetry]\n' + ''.join('%s = %s\n' % kv for kv in
                                      (telemetry or {'interval': '0'}).items())
    path = os.path.join(d, 'accelsched.conf')
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path, os.path.join(d, 'state', 'kafka-spool', 'spool')


def acceld_once(conf, *args):
    return subprocess.run([ACCELD, '--config', conf, '--once', *args], capture_output=True,
                          text=True, timeout=WAIT)


def inventory(fx, host):
    p = subprocess.run([ACCELCTL, 'list', '-f', 'json', '-q', '--sysfs-root', fx + '/sys',
                        '--host', host], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def device_dirs(fx, inv):
    """The sysfs folder of each device of the inventory."""
    return {d['address']: os.path.realpath(os.path.join(fx, 'sys/bus/pci/devices',
                                                        d['address']))
            for d in inv['devices']}


class Daemon:
    """acceld as a daemon, its log collected line by line."""

    def __init__(self, conf):
        self.lines = []
        self.lock = threading.Lock()
        self.p = subprocess.Popen([ACCELD, '--config', conf], stderr=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stderr:
            with self.lock:
                self.lines.append(line.rstrip('\n'))

    def log(self):
        with self.lock:
            return '\n'.join(self.lines)

    def wait_log(self, pattern, timeout=WAIT):
        rx = re.compile(pattern)
        try:
            return wait_until(pattern, lambda: rx.search(self.log()), timeout=timeout)
        except AssertionError:
            raise AssertionError('acceld never logged /%s/; its log:\n%s'
                                 % (pattern, self.log()[-4000:]))

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout=60)
        self.t.join(timeout=10)
        self.p.stderr.close()
        return rc


def change_round(daemon, dirs, gen):
    """One change to every device (numa_node: 2 and 3 in turn, which no
    fixture device has to begin with), a rescan, wait for the inventory
    generation it makes."""
    for path in dirs.values():
        with open(os.path.join(path, 'numa_node'), 'w') as f:
            f.write('%d\n' % (2 + gen % 2))
    daemon.p.send_signal(signal.SIGHUP)
    daemon.wait_log(r'inventory generation %d:' % gen)


# --- the spool file, read with our own reader of agent/spool.h's format ---

def read_spool(path):
    """{seq: headers} of the messages in the file not marked done."""
    with open(path, 'rb') as f:
        data = f.read()
    msgs, off = {}, 0
    while off + 12 <= len(data):
        magic, blen, _crc = struct.unpack_from('<4sII', data, off)
        assert magic == b'ASP1', (path, off)
        body = data[off + 12:off + 12 + blen]
        off += 12 + blen
        if body[0] == 2:
            msgs.pop(struct.unpack_from('<Q', body, 1)[0], None)
            continue
        seq, = struct.unpack_from('<Q', body, 1)
        p = 10

        def s16():
            nonlocal p
            n, = struct.unpack_from('<H', body, p)
            p += 2
            if n == 0xffff:
                return None
            v = body[p:p + n].decode()
            p += n
            return v
        s16()  # topic
        s16()  # key
        nh = body[p]
        p += 1
        headers = {}
        for _ in range(nh):
            k = s16()
            headers[k] = s16()
        msgs[seq] = headers
    return msgs


class Envelope(unittest.TestCase):
    """acceld --once: the inventory record and one create event per device,
    exactly in the envelope docs/kafka.md describes."""

    @classmethod
    def setUpClass(cls):
        cls.mc = MockCluster()

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()

    def test_records(self):
        host = 'kafka-env'
        fx = fixture_copy('hgx-a100-vfio')
        conf, spool = write_conf(host, fx, self.mc.bootstrap)
        p = acceld_once(conf, '--create-root')
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        want = inventory(fx, host)

        recs = [r for r in kcat(self.mc.bootstrap, INVENTORY) if r['key'] == host]
        self.assertEqual(len(recs), 1, recs)
        r = recs[0]
        msg = unwrap(r)
        self.assertEqual(set(msg), {'message_id', 'publisher_id', 'event_type', 'priority',
                                    'payload', 'timestamp', '_context'})
        self.assertEqual(msg['publisher_id'], 'accelsched-agent:' + host)
        self.assertEqual(msg['event_type'], 'accelerator.inventory.snapshot')
        self.assertEqual(msg['priority'], 'INFO')
        self.assertEqual(msg['_context'], {})
        self.assertRegex(msg['message_id'],
                         r'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
        self.assertRegex(msg['timestamp'], r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$')
        got = msg['payload']
        self.assertEqual(got['schema'], 'accelsched.inventory/v1')
        for k in ('generation', 'collected_at'):
            got.pop(k)
            want.pop(k)
        self.assertEqual(got, want)
        h = r['headers']
        self.assertEqual(h['ce_specversion'], '1.0')
        self.assertEqual(h['ce_id'], msg['message_id'])
        self.assertEqual(h['ce_source'], msg['publisher_id'])
        self.assertEqual(h['ce_type'], msg['event_type'])
        self.assertEqual(h['content-type'], 'application/json')
        self.assertRegex(h['ce_time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
        self.assertEqual(h['ce_time'].replace('T', ' ').rstrip('Z'), msg['timestamp'])

        events = [r for r in kcat(self.mc.bootstrap, EVENTS)
                  if r['key'].startswith(host + '/')]
        addrs = sorted(d['address'] for d in want['devices'])
        self.assertEqual(sorted(r['key'] for r in events), ['%s/%s' % (host, a) for a in addrs])
        for r in events:
            msg = unwrap(r)
            self.assertEqual(msg['event_type'], 'accelerator.device.create')
            self.assertEqual(r['headers']['ce_type'], 'accelerator.device.create')
            self.assertEqual(r['headers']['ce_id'], msg['message_id'])
            pl = msg['payload']
            self.assertEqual(pl['host'], host)
            self.assertEqual(r['key'], '%s/%s' % (host, pl['address']))
            self.assertEqual(pl['device']['address'], pl['address'])
            self.assertEqual(pl['generation'], 1)
        # all delivered: the spool is empty
        self.assertEqual(os.path.getsize(spool), 0)

    def test_refusals(self):
        """What librdkafka refuses, and a spool that cannot be made, stop
        acceld with the reason and the file."""
        fx = fixture_copy('esc8000a')
        conf, _ = write_conf('kafka-bad', fx, self.mc.bootstrap, security_protocol='carrier')
        p = acceld_once(conf)
        self.assertEqual(p.returncode, 1)
        self.assertIn('%s: [kafka]: librdkafka refuses security.protocol' % conf, p.stderr)
        conf, _ = write_conf('kafka-bad', fx, self.mc.bootstrap,
                             spool_dir='/proc/no/such/spool')
        p = acceld_once(conf)
        self.assertEqual(p.returncode, 1)
        self.assertIn("/proc/no/such/spool: No such file or directory (the Kafka spool's "
                      "folder, [kafka] spool_dir)", p.stderr)

    def test_change_events(self):
        """A device's driver gone: an update event naming the field; a device
        removed: a delete event; AER errors counted: an update naming health
        and a health event."""
        host = 'kafka-change'
        fx = fixture_copy('esc8000a')
        conf, _ = write_conf(host, fx, self.mc.bootstrap)
        d = Daemon(conf)
        try:
            d.wait_log(r'inventory generation 1:')
            inv = inventory(fx, host)
            dirs = device_dirs(fx, inv)
            addrs = sorted(dirs)
            os.unlink(os.path.join(dirs[addrs[0]], 'driver'))
            os.unlink(os.path.join(fx, 'sys/bus/pci/devices', addrs[1]))
            shutil.rmtree(dirs[addrs[1]])
            with open(os.path.join(dirs[addrs[2]], 'aer_dev_nonfatal'), 'w') as f:
                f.write('Undefined 0\nTOTAL_ERR_NONFATAL 3\n')
            d.p.send_signal(signal.SIGHUP)
            d.wait_log(r'inventory generation 2:')

            def mine():
                ev = [unwrap(r) for r in kcat(self.mc.bootstrap, EVENTS)
                      if r['key'].startswith(host + '/')]
                ev = [m for m in ev if m['payload']['generation'] == 2]
                return ev if len(ev) >= 4 else None
            # an update, a delete, an update and a health event
            ev = wait_until('the 4 events of generation 2', mine)
            by = {(m['event_type'], m['payload']['address']): m for m in ev}
            upd = by[('accelerator.device.update', addrs[0])]
            self.assertIn('driver', upd['payload']['changed'])
            self.assertIsNone(upd['payload']['device'].get('driver'))
            self.assertIn(('accelerator.device.delete', addrs[1]), by)
            self.assertIn('health', by[('accelerator.device.update', addrs[2])]['payload']
                          ['changed'])
            health = by[('accelerator.device.health', addrs[2])]['payload']
            self.assertEqual((health['previous'], health['health']), ('ok', 'degraded'))
            self.assertEqual(health['device']['health'], 'degraded')
            self.assertEqual(len(ev), 4, ev)
        finally:
            self.assertEqual(d.stop(), 0, d.log()[-3000:])


class OsloListener(unittest.TestCase):
    """oslo.messaging's notification listener (kafka:// transport) gets
    acceld's events as notifications, unchanged."""

    def test_listener(self):
        from oslo_config import cfg
        import oslo_messaging as om

        mc = MockCluster()
        got, lock = [], threading.Lock()

        class Endpoint:
            def info(self, ctxt, publisher_id, event_type, payload, metadata):
                with lock:
                    got.append((ctxt, publisher_id, event_type, payload, metadata))

        conf = cfg.ConfigOpts()
        conf([], project='accelsched-test')
        transport = om.get_notification_transport(conf, url='kafka://' + mc.bootstrap)
        listener = om.get_notification_listener(
            transport, [om.Target(topic='accelsched.events')], [Endpoint()],
            executor='threading', pool='accelsched-test')
        listener.start()
        try:
            # the driver's consumer starts at the end of the topic: a probe
            # through oslo.messaging's own notifier until it gets through
            probe = om.Notifier(transport, driver='messaging', publisher_id='probe',
                                topics=['accelsched.events'])

            def probed():
                probe.info({}, 'probe', {})
                with lock:
                    return any(g[2] == 'probe' for g in got)
            wait_until('the listener to receive a probe', probed, step=0.5)

            host = 'kafka-oslo'
            fx = fixture_copy('esc8000a')
            conf_path, _ = write_conf(host, fx, mc.bootstrap)
            p = acceld_once(conf_path, '--create-root')
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
            n = len(inventory(fx, host)['devices'])

            def ours():
                with lock:
                    return [g for g in got if g[1] == 'accelsched-agent:' + host]
            wait_until('%d notifications from acceld' % n, lambda: len(ours()) >= n)
            records = {unwrap(r)['message_id']: unwrap(r)
                       for r in kcat(mc.bootstrap, EVENTS)}
            for ctxt, publisher, event_type, payload, meta in ours():
                self.assertEqual(ctxt, {})
                self.assertEqual(event_type, 'accelerator.device.create')
                m = records[meta['message_id']]
                self.assertEqual(payload, m['payload'])
                self.assertEqual(meta['timestamp'], m['timestamp'])
                self.assertEqual(publisher, m['publisher_id'])
            self.assertEqual(len(ours()), n)
        finally:
            listener.stop()
            listener.wait()
            transport.cleanup()
            mc.stop()


class Faults(unittest.TestCase):
    """Nothing acceld queued is lost, and order per key holds."""

    def setUp(self):
        self.mc = MockCluster()

    def tearDown(self):
        self.mc.stop()

    def check_burst(self, host, addrs, gens, order=True):
        """Every device's update of every generation in gens, distinct ids,
        in generation order per key (by first appearance: a duplicate, the
        same id again, is allowed)."""
        want = len(addrs) * len(gens)

        def updates():
            u = [r for r in kcat(self.mc.bootstrap, EVENTS)
                 if r['key'].startswith(host + '/')
                 and r['headers']['ce_type'] == 'accelerator.device.update']
            ids = {r['headers']['ce_id'] for r in u}
            return u if len(ids) >= want else None
        try:
            u = wait_until('%d update events of %s' % (want, host), updates)
        except AssertionError:
            # librdkafka's mock broker keeps the newest 5 MB of a partition
            recs = kcat(self.mc.bootstrap, EVENTS)
            lost = ({r['partition'] for r in recs}
                    - {r['partition'] for r in recs if r['offset'] == 0})
            if lost:
                raise AssertionError('the mock broker dropped the oldest records of '
                                     'partitions %s (it keeps 5 MB of each): fewer '
                                     'KAFKA_BURST_ROUNDS or more EVENT_PARTITIONS'
                                     % sorted(lost))
            raise
        ids = {r['headers']['ce_id'] for r in u}
        self.assertEqual(len(ids), want)
        for a in addrs:
            key = '%s/%s' % (host, a)
            seen = []
            for r in u:  # partition, offset order: a key has one partition
                if r['key'] == key:
                    g = unwrap(r)['payload']['generation']
                    if g not in seen:
                        seen.append(g)
            if order:
                self.assertEqual(seen, sorted(gens), key)
            else:
                self.assertEqual(sorted(seen), sorted(gens), key)

    def burst(self, host, order, **kafka):
        fx = fixture_copy('dgx2')
        conf, spool = write_conf(host, fx, self.mc.bootstrap, **kafka)
        d = Daemon(conf)
        try:
            d.wait_log(r'inventory generation 1:')
            dirs = device_dirs(fx, inventory(fx, host))
            self.mc.cmd('down -1')
            gens = list(range(2, 2 + ROUNDS))
            for g in gens:
                change_round(d, dirs, g)
            if kafka.get('message_timeout'):
                # librdkafka gave up on them: they come back from the spool
                d.wait_log(r'kafka: not delivered: ')
            # all the events are in the spool (a long burst may fill it: then
            # inventory records that a newer one supersedes go, never events)
            queued = [h for h in read_spool(spool).values()
                      if h['ce_type'] == 'accelerator.device.update']
            self.assertEqual(len(queued), len(gens) * len(dirs))
            self.mc.cmd('up -1')
            self.check_burst(host, sorted(dirs), gens, order=order)
            wait_until('an empty spool', lambda: not read_spool(spool))
        finally:
            self.assertEqual(d.stop(), 0, d.log()[-3000:])

    def test_brokers_down_during_burst(self):
        """librdkafka holds and retries them (message_timeout 0): all of
        them, in order per key."""
        self.burst('kafka-burst', True)

    def test_brokers_down_past_message_timeout(self):
        """librdkafka gives up after 2 s; acceld takes back what it holds
        and sends everything again from the spool: all of them."""
        self.burst('kafka-burst-timeout', False, message_timeout='2')

    def test_kill9_with_spool(self):
        host = 'kafka-kill'
        fx = fixture_copy('hgx-a100-vfio')
        conf, spool = write_conf(host, fx, self.mc.bootstrap)
        self.mc.cmd('down -1')
        d = Daemon(conf)
        d.wait_log(r'inventory generation 1:')
        dirs = device_dirs(fx, inventory(fx, host))
        gens = list(range(2, 12))
        for g in gens:
            change_round(d, dirs, g)
        d.stop(signal.SIGKILL)
        queued = read_spool(spool)
        # the inventory records, the creates and every update
        self.assertEqual(len(queued), (1 + len(gens)) * (1 + len(dirs)))
        self.mc.cmd('up -1')
        p = acceld_once(conf, '--create-root')
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn('undelivered messages in %s: sending them first' % spool, p.stderr)
        seen = {r['headers']['ce_id'] for t in (INVENTORY, EVENTS)
                for r in kcat(self.mc.bootstrap, t)}
        lost = {h['ce_id'] for h in queued.values()} - seen
        self.assertEqual(lost, set())
        self.check_burst(host, sorted(dirs), gens)
        self.assertEqual(read_spool(spool), {})

    def test_produce_errors(self):
        """Produce requests refused, retriable or not: delivered in the end."""
        for err in ('NOT_LEADER_FOR_PARTITION', 'MSG_SIZE_TOO_LARGE', '_TRANSPORT'):
            with self.subTest(error=err):
                host = 'kafka-err-' + err.lower().strip('_')
                fx = fixture_copy('esc8000a')
                conf, spool = write_conf(host, fx, self.mc.bootstrap)
                self.mc.cmd('produce-errors 3 %s' % err)
                p = acceld_once(conf, '--create-root')
                self.assertEqual(p.returncode, 0, p.stderr[-3000:])
                self.assertNotIn('not acknowledged', p.stderr)
                n = len(inventory(fx, host)['devices'])
                ev = {r['headers']['ce_id'] for r in kcat(self.mc.bootstrap, EVENTS)
                      if r['key'].startswith(host + '/')}
                self.assertEqual(len(ev), n)
                self.assertEqual(os.path.getsize(spool), 0)
                self.mc.cmd('clear-errors')


if __name__ == '__main__':
    unittest.main(verbosity=2)
