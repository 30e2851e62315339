#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make bench, Placement part: requests and wall time of acceld's first sync
and of a no-change sync for a multi-GPU fixture, against a client that
reads before every write (Cyborg's pattern) reporting the same tree, both
measured in this run against the same real Placement; then N simulated
hosts (default 200) syncing at once: time to converge, requests per host.

Usage: bench_placement.py BIN FIXTURES [--hosts N]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'integration'))
import openstack as ostk  # noqa: E402

NS = uuid.uuid5(uuid.NAMESPACE_DNS, 'accelsched.openstack.org')


class PostgreSQL:
    """A private PostgreSQL cluster on 127.0.0.1 for Placement (sqlite
    serializes writers, PostgreSQL is for load). As root it runs as
    the postgres user, which initdb requires."""

    def __init__(self, work):
        import glob
        bins = sorted(glob.glob('/usr/lib/postgresql/*/bin'))
        self.bin = bins[-1] if bins else None
        self.dir = os.path.join(work, 'pg')
        self.port = ostk.free_port()
        self.as_user = ['runuser', '-u', 'postgres', '--'] if os.geteuid() == 0 else []

    def available(self):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            return False
        return self.bin is not None and (not self.as_user or shutil.which('runuser'))

    def run(self, *cmd):
        subprocess.run(self.as_user + list(cmd), check=True, capture_output=True, text=True)

    def start(self):
        os.makedirs(self.dir)
        if self.as_user:
            shutil.chown(self.dir, 'postgres', 'postgres')
            os.chmod(os.path.dirname(self.dir), 0o755)
        self.run(os.path.join(self.bin, 'initdb'), '-D', self.dir, '-A', 'trust', '-U', 'pg')
        self.run(os.path.join(self.bin, 'pg_ctl'), '-D', self.dir, '-w', '-l',
                 os.path.join(self.dir, 'log'), '-o',
                 '-p %d -k %s -h 127.0.0.1 -c max_connections=300 -c fsync=off'
                 % (self.port, self.dir), 'start')
        self.run(os.path.join(self.bin, 'createdb'), '-h', '127.0.0.1', '-p', str(self.port),
                 '-U', 'pg', 'placement')
        return 'postgresql+psycopg2://pg@127.0.0.1:%d/placement' % self.port

    def stop(self):
        try:
            self.run(os.path.join(self.bin, 'pg_ctl'), '-D', self.dir, '-m', 'fast', 'stop')
        except Exception:
            pass


def conf(work, ks, host, sysfs):
    d = tempfile.mkdtemp(dir=work)
    path = os.path.join(d, 'a.conf')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nhost = %s\nstate_dir = %s\nlog_level = warning\n'
                '[discovery]\nsysfs_root = %s\n[placement]\nauth_url = %s\nusername = admin\n'
                'password = %s\nuser_domain_name = Default\nproject_name = admin\n'
                'project_domain_name = Default\nmax_retries = 10\ntimeout = 60\n' % (
                    host, os.path.join(d, 'state'), sysfs, ks.url, ks.admin_password))
    os.chmod(path, 0o600)
    return path


def acceld(bin_, path, *args):
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(bin_, 'acceld'), '--config', path, '--once', *args],
                       capture_output=True, text=True)
    if p.returncode:
        raise SystemExit('acceld failed:\n' + p.stderr[-3000:])
    return time.monotonic() - t0


def naive_sync(s, host, inv):
    """Read before every write: the provider by name, its inventories, its
    traits, each custom trait and class, and write what differs."""
    root = s.get('/resource_providers?name=%s' % host).json['resource_providers'][0]['uuid']
    for d in inv['devices']:
        if d['kind'] == 'display':
            continue
        name = '%s_%s' % (host, d['address'])
        for t in d['traits'] + ['CUSTOM_OWNER_ACCELSCHED']:
            if t.startswith('CUSTOM_') and s.get('/traits/%s' % t,
                                                 expect=(204, 404)).status == 404:
                s.put('/traits/%s' % t, None, expect=(201, 204))
        rc = d['resource_class']
        if rc.startswith('CUSTOM_') and s.get('/resource_classes/%s' % rc,
                                              expect=(200, 404)).status == 404:
            s.put('/resource_classes/%s' % rc, None, expect=(201, 204))
        rps = s.get('/resource_providers?name=%s' % name).json['resource_providers']
        if rps:
            rp = rps[0]
        else:
            rp = s.post('/resource_providers', {'name': name, 'uuid': str(uuid.uuid5(NS, name)),
                                                'parent_provider_uuid': root}).json
        u = rp['uuid']
        inv_want = {rc: {'total': 1, 'reserved': 0, 'min_unit': 1, 'max_unit': 1,
                         'step_size': 1, 'allocation_ratio': 1.0}}
        cur = s.get('/resource_providers/%s/inventories' % u).json
        if cur['inventories'] != inv_want:
            cur = s.put('/resource_providers/%s/inventories' % u, {
                'resource_provider_generation': cur['resource_provider_generation'],
                'inventories': inv_want}).json
        tr = s.get('/resource_providers/%s/traits' % u).json
        want = sorted(set(d['traits']) | {'CUSTOM_OWNER_ACCELSCHED'})
        if sorted(tr['traits']) != want:
            s.put('/resource_providers/%s/traits' % u, {
                'resource_provider_generation': tr['resource_provider_generation'],
                'traits': want})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('bin')
    ap.add_argument('fixtures')
    ap.add_argument('--hosts', type=int, default=200)
    ap.add_argument('--fixture', default='dgx2')
    a = ap.parse_args()
    bin_ = os.path.abspath(a.bin)
    sysfs = os.path.join(os.path.abspath(a.fixtures), a.fixture, 'sys')
    work = tempfile.mkdtemp(prefix='accel-bench-')
    pg = PostgreSQL(work)
    db = pg.start() if pg.available() else 'sqlite'
    ks = ostk.Keystone(work)
    # keystonemiddleware's production default: tokens cached 300 s
    pl = ostk.Placement(work, keystone=ks, db=db, token_cache_time=300)
    try:
        ostk.start_all(ks, pl)
        s = ostk.PlacementSession(pl)
        inv = json.loads(subprocess.run([os.path.join(bin_, 'accelctl'), 'list', '-f', 'json',
                                         '-q', '--sysfs-root', sysfs], capture_output=True,
                                        text=True, check=True).stdout)
        n_dev = sum(d['kind'] != 'display' for d in inv['devices'])
        print('Placement sync, %s fixture (%d accelerators), real Keystone + Placement:'
              % (a.fixture, n_dev))
        rows = []
        # acceld: first sync, then one with nothing to change
        ostk.create_compute_node_provider(s, 'bench-ours')
        path = conf(work, ks, 'bench-ours', sysfs)
        n0 = pl.request_count()
        t1 = acceld(bin_, path)
        n1 = pl.request_count()
        t2 = acceld(bin_, path)
        n2 = pl.request_count()
        rows.append(('acceld', n1 - n0, t1, n2 - n1, t2))
        # the same tree by a client that reads before every write
        ostk.create_compute_node_provider(s, 'bench-naive')
        inv_n = dict(inv, devices=[dict(d, address=d['address']) for d in inv['devices']])
        n0 = pl.request_count()
        t0 = time.monotonic()
        naive_sync(s, 'bench-naive', inv_n)
        t1 = time.monotonic() - t0
        n1 = pl.request_count()
        t0 = time.monotonic()
        naive_sync(s, 'bench-naive', inv_n)
        t2 = time.monotonic() - t0
        n2 = pl.request_count()
        rows.append(('read-before-write', n1 - n0, t1, n2 - n1, t2))
        print('  %-20s %14s %12s %16s %12s' % ('client', 'first: requests', 'time',
                                              'no-change: reqs', 'time'))
        for r in rows:
            print('  %-20s %14d %11.2fs %16d %11.2fs' % r)
        print('  requests, acceld / read-before-write: first %.2f, no-change %.3f' % (
            rows[0][1] / rows[1][1], rows[0][3] / rows[1][3]))

        # many hosts at once
        hosts = ['bench-h%03d' % i for i in range(a.hosts)]
        for h in hosts:
            ostk.create_compute_node_provider(s, h)
        confs = [conf(work, ks, h, sysfs) for h in hosts]
        n0 = pl.request_count()
        failures = []

        def one(c):
            p = subprocess.run([os.path.join(bin_, 'acceld'), '--config', c, '--once'],
                               capture_output=True, text=True)
            if p.returncode:
                failures.append(p.stderr[-500:])

        def all_at_once():
            """Every host's acceld --once in its own thread; seconds."""
            t0 = time.monotonic()
            th = [threading.Thread(target=one, args=(c,)) for c in confs]
            for t in th:
                t.start()
            for t in th:
                t.join()
            return time.monotonic() - t0

        t_conv = all_at_once()
        n1 = pl.request_count()
        # a second, no-change round for all
        t_nc = all_at_once()
        n2 = pl.request_count()
        print('%d hosts x %d accelerators syncing at once against one Placement '
              '(one uwsgi process, %s):' % (a.hosts, n_dev,
                                           'PostgreSQL' if db != 'sqlite' else 'sqlite'))
        print('  first sync:     converged in %6.1f s, %.1f requests per host%s' % (
            t_conv, (n1 - n0) / a.hosts,
            '' if not failures else ' (%d hosts failed; see below)' % len(failures)))
        print('  no-change sync: done in %6.1f s, %.1f requests per host' % (
            t_nc, (n2 - n1) / a.hosts))
        for f in failures[:3]:
            print('  failure:', f)
    finally:
        pl.stop()
        ks.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
