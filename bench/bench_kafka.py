#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make bench, Kafka part: acceld's producer against kcat -P, both sending
the same records (same keys, same values, same topic of 64 partitions,
acks=all, idempotence, the murmur2_random partitioner, librdkafka's
default batching for both: the same librdkafka) to a fresh librdkafka mock
cluster each (tests/kafka/mockcluster.c), measured in this run:

a. events per second through acceld's producer path: bench-kafka
   (bench/bench_kafka.c) links agent/stream.c, spool.c and envelope.c as
   acceld does and drives them as acceld's rescans do: per round, one
   accelerator.device.update event per GPU of the dgx2 fixture (16), each
   built into its envelope and appended to the on-disk spool, one
   fdatasync per round, handed to librdkafka, until every delivery report
   said delivered. The clock covers the producer's start to the last
   report. kcat -P then sends the very records Kafka got (read back with
   kcat -C: keys and values) with the six CloudEvents headers acceld puts
   on each record (-H, values of the same sizes: kcat -P can only set the
   same ones on every record), so that both pay the same bytes on the
   wire; the clock covers kcat's whole run (it exits when every record is
   acknowledged);

b. spool replay after an outage: every broker down, bench-kafka --fill
   appends N events to the spool of an acceld configuration (and syncs
   them); the brokers come back; the real `acceld --retire` is timed: it
   loads the spool, sends its N records and then the host's tombstone, and
   exits once all are acknowledged. Records per second against the same
   kcat -P rate.

Usage: bench_kafka.py BIN FIXTURES MOCKCLUSTER [--events N] [--repeat R]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EVENTS = 'accelsched.events.info'
HOST = 'bench-kafka'


def conf(work, name, bootstrap):
    """An acceld configuration: [kafka] towards bootstrap, its own spool on
    the build's disk (fdatasync is real there)."""
    d = os.path.join(work, name)
    os.makedirs(d)
    path = os.path.join(d, 'accelsched.conf')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nhost = %s\nstate_dir = %s/state\nlog_level = warning\n'
                '[placement]\nauth_type = none\nendpoint_override = http://127.0.0.1:9\n'
                'token = none\n[kafka]\nbootstrap_servers = %s\nflush_timeout = 600\n'
                '[telemetry]\ninterval = 0\n' % (HOST, d, bootstrap))
    os.chmod(path, 0o600)
    return path, os.path.join(d, 'state', 'kafka-spool', 'spool')


def records(bootstrap):
    """key TAB value of every record of the events topic."""
    p = subprocess.run(['kcat', '-C', '-b', bootstrap, '-t', EVENTS, '-e', '-q', '-o',
                        'beginning', '-f', '%k\t%s\n'], capture_output=True, timeout=600,
                       check=True)
    return p.stdout


def count(bootstrap, topic=EVENTS):
    p = subprocess.run(['kcat', '-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-o',
                        'beginning', '-Z', '-f', '%k\n'], capture_output=True, text=True,
                       timeout=600, check=True)
    return p.stdout.splitlines()


# The six CloudEvents headers acceld puts on every record (agent/envelope.c),
# with values of the same sizes as acceld's for this host and event type, so
# that kcat -P pays on the wire what acceld pays: kcat -P can set headers,
# but the same ones on every record (-H name=value).
CE_HEADERS = [('ce_specversion', '1.0'),
              ('ce_id', '00000000-0000-4000-8000-000000000000'),
              ('ce_source', 'accelsched-agent:' + HOST),
              ('ce_type', 'accelerator.device.update'),
              ('ce_time', '2026-01-01T00:00:00.000000Z'),
              ('content-type', 'application/json')]
KCAT_P = ['kcat', '-P', '-t', EVENTS, '-K', '\\t', '-X', 'acks=all', '-X',
          'enable.idempotence=true', '-X', 'partitioner=murmur2_random']
for _name, _value in CE_HEADERS:
    KCAT_P += ['-H', '%s=%s' % (_name, _value)]


def run_acceld(tk, bench, work, inv, n, i):
    mc = tk.MockCluster()
    try:
        c, _ = conf(work, 'live-%d' % i, mc.bootstrap)
        p = subprocess.run([bench, '--config', c, '--inventory', inv, '--events', str(n)],
                           capture_output=True, text=True, timeout=900)
        if p.returncode:
            sys.exit('bench-kafka: %s' % p.stderr[-2000:])
        r = json.loads(p.stdout)
        data = records(mc.bootstrap)
        if data.count(b'\n') != r['events']:
            sys.exit('bench-kafka said %d events, the topic holds %d'
                     % (r['events'], data.count(b'\n')))
        return r, data
    finally:
        mc.stop()


def run_kcat(tk, data, n):
    mc = tk.MockCluster()
    try:
        t0 = time.monotonic()
        p = subprocess.run(KCAT_P + ['-b', mc.bootstrap], input=data, capture_output=True,
                           timeout=900)
        t = time.monotonic() - t0
        if p.returncode:
            sys.exit('kcat -P: %s' % p.stderr[-2000:].decode(errors='replace'))
        got = len(count(mc.bootstrap))
        if got != n:
            sys.exit('kcat -P sent %d records, the topic holds %d' % (n, got))
        h = subprocess.run(['kcat', '-C', '-b', mc.bootstrap, '-t', EVENTS, '-e', '-q', '-o',
                            'beginning', '-c', '1', '-f', '%h'], capture_output=True,
                           text=True, timeout=600, check=True).stdout
        if h != ','.join('%s=%s' % x for x in CE_HEADERS):
            sys.exit('kcat -P: the records carry the headers %r, not the six of acceld' % h)
        return t
    finally:
        mc.stop()


def run_replay(tk, bench, acceld, work, inv, n, i):
    mc = tk.MockCluster()
    try:
        c, spool = conf(work, 'replay-%d' % i, mc.bootstrap)
        mc.cmd('down -1')
        p = subprocess.run([bench, '--config', c, '--inventory', inv, '--events', str(n),
                            '--fill'], capture_output=True, text=True, timeout=900)
        if p.returncode:
            sys.exit('bench-kafka --fill: %s' % p.stderr[-2000:])
        r = json.loads(p.stdout)
        if r['left'] != r['events']:
            sys.exit('bench-kafka --fill: %d of %d events in the spool'
                     % (r['left'], r['events']))
        size = os.path.getsize(spool)
        mc.cmd('up -1')
        t0 = time.monotonic()
        p = subprocess.run([acceld, '--config', c, '--retire'], capture_output=True, text=True,
                           timeout=900)
        t = time.monotonic() - t0
        if p.returncode:
            sys.exit('acceld --retire: %s' % p.stderr[-2000:])
        got = len(count(mc.bootstrap))
        tomb = count(mc.bootstrap, 'accelsched.inventory')
        if got != r['events'] or tomb != [HOST]:
            sys.exit('acceld --retire: %d of %d events delivered, inventory topic %r'
                     % (got, r['events'], tomb))
        return r['events'], size, t
    finally:
        mc.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('bin')
    ap.add_argument('fixtures')
    ap.add_argument('mockcluster')
    ap.add_argument('--events', type=int, default=20000)
    ap.add_argument('--repeat', type=int, default=3)
    a = ap.parse_args()
    if not shutil.which('kcat'):
        sys.exit('kcat not installed (scripts/install-deps.sh)')
    os.environ['ACCEL_MOCKCLUSTER'] = os.path.abspath(a.mockcluster)
    sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'kafka'))
    import test_kafka as tk  # noqa: E402  MockCluster: 64 partitions for the events

    bindir = os.path.abspath(a.bin)
    bench, acceld = os.path.join(bindir, 'bench-kafka'), os.path.join(bindir, 'acceld')
    # the work under the build folder: on this disk, not a tmpfs
    work = tempfile.mkdtemp(prefix='bench-kafka-', dir=os.path.dirname(bindir))
    try:
        inv = os.path.join(work, 'dgx2.json')
        with open(inv, 'wb') as f:
            f.write(subprocess.run([os.path.join(bindir, 'accelctl'), 'list', '-q', '-f', 'json',
                                    '--host', HOST, '--sysfs-root',
                                    os.path.join(a.fixtures, 'dgx2', 'sys')],
                                   capture_output=True, check=True).stdout)
        ours, theirs, replay = [], [], []
        for i in range(a.repeat):
            r, data = run_acceld(tk, bench, work, inv, a.events, i)
            ours.append(r['events'] / r['seconds'])
            theirs.append(r['events'] / run_kcat(tk, data, r['events']))
            n, size, t = run_replay(tk, bench, acceld, work, inv, a.events, i)
            replay.append((n + 1) / t)
        n_ev = r['events']
        value_bytes = len(data) - data.count(b'\n') * 1
        print('bench kafka: %d accelerator.device.update events (%d rounds of 16, dgx2), '
              '%.0f bytes of key and value each on average, to %s (64 partitions) of a '
              'fresh librdkafka %s mock cluster each run; median of %d runs'
              % (n_ev, r['rounds'], value_bytes / n_ev, EVENTS,
                 subprocess.run(['pkg-config', '--modversion', 'rdkafka'], capture_output=True,
                                text=True).stdout.strip() or '?', a.repeat))
        med_o, med_t, med_r = (statistics.median(x) for x in (ours, theirs, replay))
        print('  a. acceld producer path (stream.c: envelope, spool append, fdatasync per '
              'round, librdkafka, until every report): %8.0f events/s  (runs: %s)'
              % (med_o, ', '.join('%.0f' % x for x in ours)))
        print('     kcat -P, the same keys, values and six CloudEvents headers (-H, the same '
              'sizes):         %8.0f events/s  (runs: %s)'
              % (med_t, ', '.join('%.0f' % x for x in theirs)))
        print('     ratio acceld / kcat: %.2f' % (med_o / med_t))
        print('  b. spool replay: %d records in the spool (%d bytes) after an outage, the '
              'brokers back, acceld --retire until all and the tombstone are acknowledged: '
              '%8.0f records/s  (runs: %s)'
              % (n + 1, size, med_r, ', '.join('%.0f' % x for x in replay)))
        print('     ratio replay / kcat -P: %.2f' % (med_r / med_t))
        print('  commands: %s --config CONF --inventory dgx2.json --events %d [--fill]; '
              '%s --config CONF --retire; %s -b BOOTSTRAP <records'
              % (bench, a.events, acceld, ' '.join(KCAT_P)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
