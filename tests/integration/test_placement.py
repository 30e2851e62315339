#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""acceld against the real Keystone and Placement (Debian's packages, started
by openstack.py on 127.0.0.1), checked with independent clients: the real
`openstack` CLI (osc-placement) and the harness's own Python session.

Faults are real too: Placement restarted, Keystone stopped, tokens expired
and revoked, and a FaultProxy in front of the real Placement (registered as
its catalog endpoint) answering 500/503, slowly, garbled, or not at all.

Run by `make integration` with ACCEL_BIN and ACCEL_FIXTURES set.
"""
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openstack as ostk  # noqa: E402

BIN = os.path.abspath(os.environ.get('ACCEL_BIN', 'build/bin'))
FX = os.path.abspath(os.environ.get('ACCEL_FIXTURES', 'build/fixtures'))
ACCELD = os.path.join(BIN, 'acceld')
ACCELCTL = os.path.join(BIN, 'accelctl')
# accelsched's namespace for provider UUIDs (placement-client/uuid.c)
NS = uuid.uuid5(uuid.NAMESPACE_DNS, 'accelsched.openstack.org')
OWNER = 'CUSTOM_OWNER_ACCELSCHED'

KS = PL = PX = WORK = None


def setUpModule():
    global KS, PL, PX, WORK
    WORK = tempfile.mkdtemp(prefix='accel-it-')
    KS = ostk.Keystone(WORK)
    PL = ostk.Placement(WORK, keystone=KS)
    ostk.start_all(KS, PL)
    # every client found Placement through the catalog, so through the proxy
    PX = ostk.FaultProxy(PL.url).start()
    PL.register_endpoint(PX.url)


def tearDownModule():
    if PX:
        PX.stop()
    if PL:
        PL.stop()
    if KS:
        KS.stop()
    if WORK and not os.environ.get('KEEP_WORKDIR'):
        shutil.rmtree(WORK, ignore_errors=True)


def fixture_copy(name):
    """A private copy of a built fixture's sys tree (tests change it)."""
    d = tempfile.mkdtemp(prefix='accel-fx-', dir=WORK)
    shutil.copytree(os.path.join(FX, name, 'sys'), os.path.join(d, 'sys'), symlinks=True)
    return os.path.join(d, 'sys')


def write_conf(host, sysfs, placement=None, default=None, rescan=10, dev_root=None):
    """An accelsched.conf for `host`, mode 600, keystoneauth options."""
    d = tempfile.mkdtemp(prefix='accel-conf-', dir=WORK)
    p = {
        'auth_type': 'password', 'auth_url': KS.url, 'username': ostk.ADMIN_USER,
        'password': KS.admin_password, 'user_domain_name': 'Default',
        'project_name': ostk.ADMIN_PROJECT, 'project_domain_name': 'Default',
        'region_name': ostk.REGION, 'interface': 'public', 'timeout': '10',
        'max_retries': '4',
    }
    p.update(placement or {})
    dflt = {'host': host, 'state_dir': os.path.join(d, 'state'), 'log_level': 'debug'}
    dflt.update(default or {})
    text = '[DEFAULT]\n' + ''.join('%s = %s\n' % kv for kv in dflt.items())
    text += '[discovery]\nsysfs_root = %s\nrescan_interval = %d\ndebounce_ms = 200\n' % (
        sysfs, rescan)
    if dev_root:
        text += 'dev_root = %s\n' % dev_root
    text += '[placement]\n' + ''.join('%s = %s\n' % kv for kv in p.items() if kv[1] is not None)
    path = os.path.join(d, 'accelsched.conf')
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def acceld(conf, *args, timeout=180):
    return subprocess.run([ACCELD, '--config', conf, *args], capture_output=True, text=True,
                          timeout=timeout)


def inventory(sysfs, host):
    p = subprocess.run([ACCELCTL, 'list', '-f', 'json', '-q', '--sysfs-root', sysfs,
                        '--host', host], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def session():
    # straight to Placement, not through the proxy: checks must not fail
    return ostk.PlacementSession(PL, url=PL.url)


def tree(host):
    """{name: {uuid, parent, generation, inventories, traits}} below host's root,
    read with the harness's own client (independent of ours)."""
    s = session()
    roots = s.get('/resource_providers?name=%s' % host).json['resource_providers']
    if not roots:
        return None, {}
    root = roots[0]['uuid']
    out = {}
    for rp in s.get('/resource_providers?in_tree=%s' % root).json['resource_providers']:
        if rp['uuid'] == root:
            continue
        # a daemon may delete it while we read
        inv = s.get('/resource_providers/%s/inventories' % rp['uuid'], expect=(200, 404))
        tr = s.get('/resource_providers/%s/traits' % rp['uuid'], expect=(200, 404))
        if inv.status == 404 or tr.status == 404:
            continue
        inv, tr = inv.json['inventories'], tr.json['traits']
        out[rp['name']] = dict(uuid=rp['uuid'], parent=rp['parent_provider_uuid'],
                               generation=rp['generation'], inventories=inv,
                               traits=set(tr))
    return root, out


def expected_tree(inv, host):
    """What docs/architecture.md (Placement) says the tree is, from the inventory."""
    want = {}
    for d in inv['devices']:
        if d['kind'] == 'display' or not d['resource_class']:
            continue
        name = '%s_%s' % (host, d['address'])
        want[name] = dict(uuid=str(uuid.uuid5(NS, name)), rc=d['resource_class'],
                          traits=set(d['traits']) | {OWNER}, failed=d['health'] == 'failed')
    return want


class Base(unittest.TestCase):
    def assertTreeExact(self, host, sysfs, scheme_traits=()):
        inv = inventory(sysfs, host)
        want = expected_tree(inv, host)
        root, got = tree(host)
        self.assertIsNotNone(root, 'no root provider %s' % host)
        self.assertEqual(sorted(got), sorted(want))
        for name, w in want.items():
            g = got[name]
            self.assertEqual(g['uuid'], w['uuid'], name)
            self.assertEqual(g['parent'], root, name)
            self.assertEqual(list(g['inventories']), [w['rc']], name)
            i = g['inventories'][w['rc']]
            self.assertGreaterEqual(i['total'], 1)
            self.assertEqual(i['max_unit'], i['total'])
            self.assertTrue(w['traits'] <= g['traits'], (name, w['traits'] - g['traits']))
            for t in scheme_traits:
                self.assertTrue(any(x.startswith(t) for x in g['traits']), (name, t))
        return root, got

    def run_ok(self, conf, *args):
        p = acceld(conf, '--once', *args)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return p


class Trees(Base):
    """acceld --once builds exactly the expected trees, and a second run
    writes nothing."""

    def test_fixture_hosts(self):
        for fixture in ('dgx2', 'esc8000a', 'edge-mixed', 'a100-vgpu-sriov', 'hgx-a100-vfio'):
            with self.subTest(fixture=fixture):
                host = 'trees-%s' % fixture
                sysfs = os.path.join(FX, fixture, 'sys')
                conf = write_conf(host, sysfs)
                n0 = PL.request_count()
                self.run_ok(conf, '--create-root')
                first = PL.requests(since=n0)
                self.assertTreeExact(host, sysfs)
                # the second run: no write, one read
                n1 = PL.request_count()
                p = self.run_ok(conf)
                second = PL.requests(since=n1)
                self.assertEqual([r for r in second if r.method != 'GET'], [], second)
                self.assertLessEqual(len(second), 1, second)
                self.assertIn('1 requests (1 reads, 0 writes', p.stderr)
                # no GET before every write (Cyborg's pattern): reads are few
                reads = [r for r in first if r.method == 'GET']
                self.assertLessEqual(len(reads), 5, reads)

    def test_osc_sees_it(self):
        """What Nova would see, through the openstack CLI."""
        host = 'osc-esc8000a'
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        self.run_ok(write_conf(host, sysfs), '--create-root')
        # through the catalog, so through the proxy (no faults set here)
        root = [r for r in ostk.osc('resource', 'provider', 'list', keystone=KS)
                if r['name'] == host][0]['uuid']
        rps = ostk.osc('resource', 'provider', 'list', '--in-tree', root, keystone=KS)
        names = sorted(r['name'] for r in rps if r['uuid'] != root)
        self.assertEqual(names, ['%s_0000:%s:00.0' % (host, b) for b in ('01', '41', 'c1', 'e1')])
        gpu = [r for r in rps if r['name'].endswith('0000:01:00.0')][0]
        self.assertEqual(gpu['uuid'], str(uuid.uuid5(NS, gpu['name'])))
        self.assertEqual(gpu['parent_provider_uuid'], root)
        inv = ostk.osc('resource', 'provider', 'inventory', 'list', gpu['uuid'], keystone=KS)
        self.assertEqual([(i['resource_class'], i['total'], i['reserved']) for i in inv],
                         [('PGPU', 1, 0)])
        traits = {t['name'] for t in ostk.osc('resource', 'provider', 'trait', 'list',
                                              gpu['uuid'], keystone=KS)}
        self.assertTrue({OWNER, 'CUSTOM_ACCEL_VENDOR_NVIDIA', 'CUSTOM_ACCEL_PRODUCT_10DE_26B1',
                         'CUSTOM_ACCEL_MODEL_RTX_6000_ADA'} <= traits, traits)
        # Nova's root keeps its own inventory: we never touch it
        self.assertEqual(ostk.osc('resource', 'provider', 'inventory', 'list', root,
                                  keystone=KS), [])

    def test_trait_schemes(self):
        sysfs = os.path.join(FX, 'edge-mixed', 'sys')
        host = 'scheme-cyborg'
        self.run_ok(write_conf(host, sysfs, placement={'trait_scheme': 'cyborg'}),
                    '--create-root')
        _, got = tree(host)
        fpga = got['%s_0000:02:00.1' % host]
        for p in ('CUSTOM_FPGA_XILINX', 'CUSTOM_FPGA_PRODUCT_ID_'):
            self.assertTrue(any(t.startswith(p) for t in fpga['traits']), (p, fpga))

    def test_nova_pci_scheme_as_nova_writes_it(self):
        """nova-pci: each device's provider as Nova 2025.1's PCI in
        Placement writes one (nova/compute/pci_placement_translator.py):
        resource class CUSTOM_PCI_<VENDOR>_<PRODUCT>, trait
        COMPUTE_MANAGED_PCI_DEVICE, no CUSTOM_PCI_* trait; accelsched's
        traits kept. Back to accelsched: PGPU, FPGA, ... and the trait gone."""
        for fixture in ('edge-mixed', 'hgx-a100-vfio', 'a100-vgpu-sriov'):
            host = 'scheme-nova-pci-%s' % fixture
            sysfs = os.path.join(FX, fixture, 'sys')
            inv = {d['address']: d for d in inventory(sysfs, host)['devices']}
            for scheme in ('nova-pci', 'accelsched', 'nova-pci'):
                with self.subTest(fixture=fixture, scheme=scheme):
                    self.run_ok(write_conf(host, sysfs, placement={'trait_scheme': scheme}),
                                '--create-root')
                    _, got = tree(host)
                    want = expected_tree(inventory(sysfs, host), host)
                    self.assertEqual(sorted(got), sorted(want))
                    for name, g in got.items():
                        d = inv[name[len(host) + 1:]]
                        nova = scheme == 'nova-pci' and d['resource_class'] != 'VGPU'
                        rc = ('CUSTOM_PCI_%s_%s' % (d['vendor_id'], d['device_id'])).upper() \
                            if nova else d['resource_class']
                        self.assertEqual(list(g['inventories']), [rc], name)
                        self.assertEqual('COMPUTE_MANAGED_PCI_DEVICE' in g['traits'], nova,
                                         (name, g['traits']))
                        self.assertFalse([t for t in g['traits'] if t.startswith('CUSTOM_PCI_')],
                                         (name, g['traits']))
                        self.assertTrue(set(d['traits']) | {OWNER} <= g['traits'], name)

    def test_vgpu_and_sriov(self):
        host = 'vgpu-host'
        sysfs = os.path.join(FX, 'a100-vgpu-sriov', 'sys')
        self.run_ok(write_conf(host, sysfs), '--create-root')
        _, got = tree(host)
        pf = got['%s_0000:41:00.0' % host]['inventories']['PGPU']
        # the PF gives out its VFs, not itself
        self.assertEqual(pf['reserved'], pf['total'])
        vf = got['%s_0000:41:00.4' % host]['inventories']
        self.assertEqual(list(vf), ['VGPU'])

    def test_root_missing(self):
        conf = write_conf('no-such-compute', os.path.join(FX, 'dgx2', 'sys'))
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1)
        self.assertIn("no resource provider named 'no-such-compute'", p.stderr)

    def test_nova_made_root(self):
        """The root as Nova's resource tracker makes it (with its own inventory)."""
        host = 'nova-compute-1'
        rp = ostk.create_compute_node_provider(session(), host)
        sysfs = os.path.join(FX, 'dgx2', 'sys')
        self.run_ok(write_conf(host, sysfs))
        root, _ = self.assertTreeExact(host, sysfs)
        self.assertEqual(root, rp['uuid'])
        inv = session().get('/resource_providers/%s/inventories' % root).json
        self.assertEqual(sorted(inv['inventories']), ['MEMORY_MB', 'VCPU'])

    def test_name_clash(self):
        """A provider of that name without our trait (Nova's PCI in
        Placement, say) is another owner's: left alone, a clear error, the
        other devices still synced."""
        host = 'clash-host'
        root = ostk.create_compute_node_provider(session(), host)['uuid']
        name = '%s_0000:01:00.0' % host
        theirs = session().post('/resource_providers', {
            'name': name, 'parent_provider_uuid': root}, version='1.20').json
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        p = acceld(write_conf(host, sysfs), '--once')
        self.assertEqual(p.returncode, 1)
        self.assertIn("not accelsched's", p.stderr)
        _, got = tree(host)
        self.assertEqual(got[name]['uuid'], theirs['uuid'])
        self.assertEqual(got[name]['traits'], set())
        self.assertEqual(got[name]['generation'], theirs['generation'])
        self.assertEqual(len(got), 4)

    def test_report_names_every_device_in_the_way(self):
        """Sixteen providers of our names belong to someone else: accelctl
        report names each one on its own line (a sync's warnings), not as
        many as fit in one error message."""
        host = 'clash-many'
        root = ostk.create_compute_node_provider(session(), host)['uuid']
        sysfs = os.path.join(FX, 'dgx2', 'sys')
        addrs = [d['address'] for d in inventory(sysfs, host)['devices']]
        self.assertGreaterEqual(len(addrs), 16)
        for a in addrs:
            session().post('/resource_providers', {
                'name': '%s_%s' % (host, a), 'parent_provider_uuid': root}, version='1.20')
        p = subprocess.run([ACCELCTL, 'report', '--config', write_conf(host, sysfs), '-q'],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = [l for l in p.stderr.splitlines() if "not accelsched's" in l]
        self.assertEqual(sorted(l.split(': ')[1] for l in lines),
                         sorted('%s_%s' % (host, a) for a in addrs), p.stderr)
        # and acceld logs each one
        p = acceld(write_conf(host, sysfs), '--once')
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        lines = [l for l in p.stderr.splitlines() if "not accelsched's" in l]
        self.assertEqual(len(lines), len(addrs), p.stderr[-3000:])
        for a in addrs:
            self.assertEqual(len([l for l in lines if 'clash-many_%s:' % a in l]), 1, a)

    def test_report(self):
        """accelctl report prints the writes a sync would make, makes none."""
        host = 'report-host'
        ostk.create_compute_node_provider(session(), host)
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        conf = write_conf(host, sysfs)
        n0 = PL.request_count()
        p = subprocess.run([ACCELCTL, 'report', '--config', conf, '-q'], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        self.assertEqual(p.stdout.count('POST /resource_providers '), 4)
        self.assertIn('"parent_provider_uuid"', p.stdout)
        self.run_ok(conf)
        p = subprocess.run([ACCELCTL, 'report', '--config', conf, '-q'], capture_output=True,
                           text=True)
        self.assertRegex(p.stdout, r'^0 writes for report-host')
        # OS_* variables as openstackclient takes them
        env = dict(os.environ, OS_PASSWORD='wrong-password')
        p = subprocess.run([ACCELCTL, 'report', '--config', conf, '-q'], capture_output=True,
                           text=True, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn('HTTP 401', p.stderr)


class Auth(Base):
    def test_application_credential(self):
        host = 'appcred-host'
        ostk.create_compute_node_provider(session(), host)
        KS.create_user('accel-ac', 'pw-ac', ostk.ADMIN_PROJECT, roles=('admin',))
        cred = KS.create_application_credential('accel-ac', 'pw-ac', ostk.ADMIN_PROJECT)
        conf = write_conf(host, os.path.join(FX, 'dgx2', 'sys'), placement={
            'auth_type': 'v3applicationcredential', 'username': None, 'password': None,
            'user_domain_name': None, 'project_name': None, 'project_domain_name': None,
            'application_credential_id': cred['id'],
            'application_credential_secret': cred['secret']})
        self.run_ok(conf)
        self.assertTreeExact(host, os.path.join(FX, 'dgx2', 'sys'))

    def test_token_auth(self):
        host = 'token-host'
        ostk.create_compute_node_provider(session(), host)
        sysfs = os.path.join(FX, 'dgx2', 'sys')
        conf = write_conf(host, sysfs, placement={
            'auth_type': 'token', 'token': KS.issue_token(), 'username': None,
            'password': None, 'user_domain_name': None})
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)

    def test_noauth2(self):
        """auth_type none: straight to a noauth2 Placement."""
        work = tempfile.mkdtemp(prefix='noauth-', dir=WORK)
        pl = ostk.Placement(work)  # noauth2
        pl.start()
        try:
            host = 'noauth-host'
            ostk.create_compute_node_provider(pl.session(), host)
            conf = write_conf(host, os.path.join(FX, 'esc8000a', 'sys'), placement={
                'auth_type': 'none', 'endpoint_override': pl.url, 'token': 'admin',
                'auth_url': None, 'username': None, 'password': None})
            self.run_ok(conf)
            rps = pl.session().get('/resource_providers').json['resource_providers']
            self.assertEqual(len([r for r in rps if r['name'].startswith(host + '_')]), 4)
        finally:
            pl.stop()

    def test_token_revoked_and_expired(self):
        """The daemon's token is revoked (its user's password changed and
        changed back), then expires (Keystone with 8 s tokens): each time the
        next sync gets a new one and succeeds."""
        host = 'token-life-host'
        KS.create_user('accel-rev', 'pw-rev-1', ostk.ADMIN_PROJECT, roles=('admin',))
        sysfs = fixture_copy('esc8000a')
        conf = write_conf(host, sysfs, placement={'username': 'accel-rev',
                                                   'password': 'pw-rev-1'},
                          default={'log_level': 'info'}, rescan=600)
        ostk.create_compute_node_provider(session(), host)
        logp = os.path.join(WORK, 'token-daemon.log')
        log = open(logp, 'w')
        proc = subprocess.Popen([ACCELD, '--config', conf], stderr=log)

        def syncs():
            return re.findall(r'placement sync: .*?(\d+) keystone requests', open(logp).read())

        def wait(n, what):
            t0 = time.monotonic()
            while len(syncs()) < n and time.monotonic() - t0 < 30:
                time.sleep(0.2)
            self.assertGreaterEqual(len(syncs()), n, what)

        def revoke():
            # a password change revokes the user's tokens (Keystone checks
            # roles when it validates, so taking one away and giving it
            # back would not): change it and change it back
            KS.create_user('accel-rev', 'pw-rev-tmp', ostk.ADMIN_PROJECT, roles=('admin',))
            KS.create_user('accel-rev', 'pw-rev-1', ostk.ADMIN_PROJECT, roles=('admin',))
            time.sleep(1.1)  # revocations are to the second

        # A rescan that the machine's own uevents set off may come between
        # two SIGHUPs and take the new token itself: what must hold is that
        # the first sync after a revocation, and some sync after the
        # short-lived token ran out, asked Keystone for a new one.
        try:
            wait(1, 'first sync')
            n = len(syncs())
            revoke()
            os.kill(proc.pid, signal.SIGHUP)
            wait(n + 1, 'sync after revocation')
            self.assertEqual(syncs()[n], '1', open(logp).read()[-2000:])  # one new token
            # tokens of 8 s from now on; revoke again so that it takes one
            KS.token_expiration = 8
            KS.restart()
            n = len(syncs())
            revoke()
            os.kill(proc.pid, signal.SIGHUP)
            wait(n + 1, 'sync with a short-lived token')
            self.assertEqual(syncs()[n], '1', open(logp).read()[-2000:])
            n = len(syncs())
            time.sleep(9)
            m = len(syncs())
            os.kill(proc.pid, signal.SIGHUP)
            wait(m + 1, 'sync after expiry')
            self.assertIn('1', syncs()[n:], open(logp).read()[-2000:])
            self.assertNotIn('error', open(logp).read())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            KS.token_expiration = 3600
            KS.restart()

    def test_bad_password_and_perms(self):
        conf = write_conf('x', os.path.join(FX, 'dgx2', 'sys'), placement={'password': 'nope'})
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1)
        self.assertIn('Keystone: POST %s/auth/tokens: HTTP 401' % KS.url, p.stderr)
        self.assertNotIn('nope', p.stderr)
        os.chmod(conf, 0o644)
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1)
        self.assertIn('readable by group or others', p.stderr)

    def test_no_secret_logged(self):
        host = 'secret-host'
        conf = write_conf(host, os.path.join(FX, 'edge-mixed', 'sys'))
        p = self.run_ok(conf, '--create-root')
        self.assertNotIn(KS.admin_password, p.stderr)
        self.assertNotIn('X-Auth-Token', p.stderr)
        self.assertNotRegex(p.stderr, r'gAAAAA[A-Za-z0-9_-]{20,}')  # fernet tokens


class Faults(Base):
    def setUp(self):
        PX.clear()

    def tearDown(self):
        PX.clear()

    def synced_host(self, name, fixture='esc8000a'):
        host = 'fault-%s' % name
        sysfs = fixture_copy(fixture)
        conf = write_conf(host, sysfs)
        ostk.create_compute_node_provider(session(), host)
        return host, sysfs, conf

    def test_503_then_ok(self):
        host, sysfs, conf = self.synced_host('503')
        PX.fail(3, 503)
        p = self.run_ok(conf)
        self.assertRegex(p.stderr, r'[1-9]\d* retries')
        self.assertTreeExact(host, sysfs)

    def test_500_until_recovery(self):
        host, sysfs, conf = self.synced_host('500')
        PX.fail(None, 500, path='/resource_providers')
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1)
        self.assertIn('HTTP 500', p.stderr)
        PX.clear()
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)

    def test_slow(self):
        host, sysfs, conf = self.synced_host('slow')
        conf = write_conf(host, sysfs, placement={'timeout': '1'})
        PX.delay(2.5, count=2, method='PUT')
        p = self.run_ok(conf)
        self.assertRegex(p.stderr, r'[1-9]\d* retries')
        self.assertTreeExact(host, sysfs)

    def test_malformed_json(self):
        host, sysfs, conf = self.synced_host('garbled')
        PX.malformed(2, 'truncate', method='GET')
        PX.malformed(1, 'garble', method='PUT')
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)

    def test_lost_answers(self):
        """Writes that happened but whose answers were lost: the retry meets
        a generation conflict or an existing provider, and converges."""
        host, sysfs, conf = self.synced_host('lost')
        PX.drop(2, method='PUT|POST', forward=True)
        PX.fail(1, 502, method='PUT', forward=True)
        p = self.run_ok(conf)
        # the retried PUTs carried a generation that their lost twin had
        # already used: conflicts, re-read and re-applied
        self.assertRegex(p.stderr, r'[1-9]\d* conflicts')
        self.assertTreeExact(host, sysfs)

    def test_placement_restarted_mid_sync(self):
        host, sysfs, conf = self.synced_host('restart', fixture='dgx2')
        PX.delay(0.3, count=None, method='PUT|POST')  # stretch the sync
        proc = subprocess.Popen([ACCELD, '--config', conf, '--once'], stderr=subprocess.PIPE,
                                text=True)
        time.sleep(2.0)
        PL.restart()
        _, err = proc.communicate(timeout=240)
        PX.clear()
        # it may have ridden out the restart, or given up: either way the
        # next sync converges and nothing is lost
        if proc.returncode != 0:
            self.assertRegex(err, r'Connection refused|reset|HTTP 50[023]|timed out|empty reply')
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)

    def test_keystone_down(self):
        host, sysfs, conf = self.synced_host('ksdown')
        conf = write_conf(host, sysfs, placement={'max_retries': '1'})
        KS.stop()
        try:
            p = acceld(conf, '--once')
        finally:
            KS.start()
        self.assertEqual(p.returncode, 1)
        self.assertIn('Keystone: POST %s/auth/tokens: Connection refused' % KS.url, p.stderr)
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)


def add_traits(rp, *names):
    """An operator adds traits to a provider (creating custom ones)."""
    s = session()
    for t in names:
        if t.startswith('CUSTOM_'):
            s.put('/traits/%s' % t, expect=(201, 204))
    cur = s.get('/resource_providers/%s/traits' % rp, expect=200).json
    s.put('/resource_providers/%s/traits' % rp, {
        'resource_provider_generation': cur['resource_provider_generation'],
        'traits': sorted(set(cur['traits']) | set(names))}, expect=200)


class NovaOwner(Base):
    """[placement] placement_owner = nova: nova-compute's PCI in Placement
    (2025.1) reports the devices; acceld writes no device provider, never
    a second one beside Nova's whatever the case of its address, and
    removes the ones it wrote before (an allocated one stays, reserved)."""

    def nova_providers(self, host, root, devices, upper=True):
        """Child providers as Nova 2025.1's translator makes them:
        "<host>_<ADDRESS>" (upper-cased), a random UUID, the device_spec's
        class (accelctl nova-config's: accelsched's), its traits plus
        COMPUTE_MANAGED_PCI_DEVICE."""
        s = session()
        made = {}
        for d in devices:
            name = '%s_%s' % (host, d['address'].upper() if upper else d['address'])
            old = s.get('/resource_providers?name=%s' % name).json['resource_providers']
            if old:
                # a provider of that name in its tree (accelsched's, for
                # an address without hex letters): Nova's ProviderTree
                # takes it and sets its own inventory and traits
                u, gen = old[0]['uuid'], old[0]['generation']
            else:
                u = str(uuid.uuid4())
                gen = s.post('/resource_providers', {'uuid': u, 'name': name,
                                                     'parent_provider_uuid': root},
                             version='1.20', expect=200).json['generation']
            gen = s.put('/resource_providers/%s/inventories' % u, {
                'resource_provider_generation': gen,
                'inventories': {d['resource_class']: {'total': 1, 'max_unit': 1}}},
                expect=200).json['resource_provider_generation']
            for t in d['traits']:  # Nova makes the custom traits it needs
                if t.startswith('CUSTOM_'):
                    s.put('/traits/%s' % t, expect=(201, 204))
            s.put('/resource_providers/%s/traits' % u, {
                'resource_provider_generation': gen,
                'traits': sorted(set(d['traits']) | {'COMPUTE_MANAGED_PCI_DEVICE'})},
                expect=200)
            made[name] = u
        return made

    def nova_state(self, host, names):
        _, got = tree(host)
        return {n: got[n] for n in names}

    def test_nova_owns_the_devices(self):
        host = 'nova-owned'
        sysfs = os.path.join(FX, 'hgx-a100-vfio', 'sys')
        root = ostk.create_compute_node_provider(session(), host)['uuid']
        devs = inventory(sysfs, host)['devices']
        self.assertTrue(any(re.search('[a-f]', d['address']) for d in devs))
        # Nova's names: upper case; one in lower case too (the same name as
        # accelsched's), which Nova does not make but another tool might
        nova = self.nova_providers(host, root, devs[1:])
        nova.update(self.nova_providers(host, root, devs[:1], upper=False))
        before = self.nova_state(host, nova)
        conf = write_conf(host, sysfs, placement={'placement_owner': 'nova'})
        n0 = PL.request_count()
        self.run_ok(conf)
        writes = [r for r in PL.requests(since=n0) if r.method != 'GET']
        self.assertEqual(writes, [])
        _, got = tree(host)
        self.assertEqual(sorted(got), sorted(nova))
        self.assertEqual(self.nova_state(host, nova), before)
        # and the default owner on the same host: still no second provider
        # for any device, each named in the error
        conf = write_conf(host, sysfs)
        n0 = PL.request_count()
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        _, got = tree(host)
        self.assertEqual(sorted(got), sorted(nova))
        self.assertEqual(self.nova_state(host, nova), before)
        for d in devs:
            a = d['address']
            if a.upper() != a and d is not devs[0]:
                self.assertIn("'%s_%s' already reports this device (Nova's PCI in Placement)"
                              % (host, a.upper()), p.stderr)
            else:  # the same name
                name = '%s_%s' % (host, a)
                self.assertIn('%s: provider %s has this name but is not accelsched' % (
                    name, nova[name]), p.stderr)

    def test_switch_from_accelsched_to_nova(self):
        host = 'owner-switch'
        sysfs = os.path.join(FX, 'hgx-a100-vfio', 'sys')
        state = os.path.join(WORK, 'owner-switch-state')
        conf = {o: write_conf(host, sysfs, placement={'placement_owner': o},
                              default={'state_dir': state})
                for o in ('accelsched', 'nova')}
        self.run_ok(conf['accelsched'], '--create-root')
        root, ours = tree(host)
        devs = inventory(sysfs, host)['devices']
        self.assertEqual(len(ours), len(devs))
        # both kinds of address: Nova's names differ from ours, or not
        same = [d for d in devs if d['address'].upper() == d['address']]
        self.assertTrue(same and len(same) < len(devs))
        busy = '%s_%s' % (host, [d for d in devs if d not in same][0]['address'])
        consumer = str(uuid.uuid4())
        ostk.make_allocation(session(), consumer, ours[busy]['uuid'], {'PGPU': 1})
        # the operator pastes accelctl nova-config into nova.conf: Nova
        # reports each device under its own name, taking over ours of the
        # same name (its traits replace ours)
        nova = self.nova_providers(host, root, devs)
        for d in same:
            name = '%s_%s' % (host, d['address'])
            self.assertEqual(nova[name], ours[name]['uuid'])
        before = self.nova_state(host, nova)
        p = acceld(conf['nova'], '--once')
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        said = [l for l in p.stderr.splitlines() if 'placement_owner = nova' in l]
        self.assertEqual(len(said), 1, p.stderr[-3000:])
        self.assertIn(busy, said[0])
        self.assertIn(ours[busy]['uuid'], said[0])
        self.assertIn('allocated to 1 consumer(s)', said[0])
        _, got = tree(host)
        # ours gone but the allocated one, reserved in full and marked
        self.assertEqual(sorted(got), sorted(set(nova) | {busy}))
        b = got[busy]['inventories']['PGPU']
        self.assertEqual(b['reserved'], b['total'])
        self.assertIn('CUSTOM_ACCEL_UNAVAILABLE', got[busy]['traits'])
        self.assertEqual(self.nova_state(host, nova), before)
        # free: it goes too, and then nothing more is written
        ostk.delete_allocation(session(), consumer)
        self.run_ok(conf['nova'])
        _, got = tree(host)
        self.assertEqual(sorted(got), sorted(nova))
        n0 = PL.request_count()
        self.run_ok(conf['nova'])
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        self.assertEqual(self.nova_state(host, nova), before)


class OperatorData(Base):
    """What operators put on accelsched's providers is theirs (issue 9)."""

    # shapes operators use, several under the prefixes of the trait schemes
    THEIRS = ('CUSTOM_GPU_TEAM_A_ONLY', 'CUSTOM_PCI_FOO', 'CUSTOM_FPGA_LOW_LATENCY',
              'CUSTOM_NPU_TENANT_X', 'CUSTOM_TEAM_B', 'HW_CPU_X86_AVX2',
              'HW_GPU_API_OPENCL_V1_0', 'COMPUTE_STATUS_DISABLED')

    def test_operator_traits_survive_every_scheme(self):
        host = 'optraits-host'
        sysfs = fixture_copy('edge-mixed')
        state = os.path.join(WORK, 'optraits-state')
        conf = {s: write_conf(host, sysfs, placement={'trait_scheme': s},
                              default={'state_dir': state})
                for s in ('accelsched', 'cyborg', 'nova-pci')}
        self.run_ok(conf['accelsched'], '--create-root')
        root, got = tree(host)
        add_traits(root, 'CUSTOM_GPU_TEAM_A_ONLY', 'HW_CPU_X86_AVX2')
        for name in got:
            add_traits(got[name]['uuid'], *self.THEIRS)
        for scheme in ('accelsched', 'cyborg', 'nova-pci', 'cyborg', 'accelsched'):
            with self.subTest(scheme=scheme):
                self.run_ok(conf[scheme])
                self.run_ok(conf[scheme])
                _, got = tree(host)
                for name, g in got.items():
                    self.assertTrue(set(self.THEIRS) <= g['traits'],
                                    (scheme, name, set(self.THEIRS) - g['traits']))
                    self.assertIn(OWNER, g['traits'])
                    gen = set(t for t in g['traits'] if t.startswith(
                        ('CUSTOM_GPU_', 'CUSTOM_FPGA_', 'CUSTOM_NPU_', 'CUSTOM_ACCEL_',
                         'CUSTOM_PCI_'))) - set(self.THEIRS)
                    cyb = set(t for t in gen if re.match(
                        r'CUSTOM_(GPU|FPGA|NPU|ACCEL)_(PRODUCT_ID_|XILINX|INTEL|HABANA|HUAWEI)',
                        t))
                    pci = 'COMPUTE_MANAGED_PCI_DEVICE' in g['traits']
                    # this scheme's names, and none of the others'
                    self.assertEqual(bool(cyb), scheme == 'cyborg', (scheme, name, gen))
                    self.assertEqual(pci, scheme == 'nova-pci', (scheme, name, g['traits']))
                    # Nova's CUSTOM_PCI_<V>_<P> is a class: never a trait
                    self.assertEqual(gen & {t for t in gen if re.match(
                        r'CUSTOM_PCI_[0-9A-F]{4}_[0-9A-F]{4}$', t)}, set(), (scheme, name))
                    self.assertEqual(any(re.match(r'CUSTOM_PCI_[0-9A-F]{4}_[0-9A-F]{4}$', rc)
                                         for rc in g['inventories']),
                                     scheme == 'nova-pci', (scheme, name, g['inventories']))
                rt = set(session().get('/resource_providers/%s/traits' % root).json['traits'])
                self.assertTrue({'CUSTOM_GPU_TEAM_A_ONLY', 'HW_CPU_X86_AVX2'} <= rt, rt)
        # a stale trait of our own namespace still goes
        npu = got['%s_0000:08:00.0' % host]['uuid']
        add_traits(npu, 'CUSTOM_ACCEL_HEALTH_DEGRADED')
        self.run_ok(conf['accelsched'])
        _, got = tree(host)
        self.assertNotIn('CUSTOM_ACCEL_HEALTH_DEGRADED', got['%s_0000:08:00.0' % host]['traits'])
        self.assertTrue(set(self.THEIRS) <= got['%s_0000:08:00.0' % host]['traits'])

    def test_resource_class_change_while_allocated(self):
        """VGPU to PGPU under an allocation: the old inventory is kept,
        reserved and marked, the refusal named once, and the rest of the
        plan (the vanished allocated device first) still written."""
        host = 'inuse-host'
        sysfs = fixture_copy('a100-vgpu-sriov')
        conf = write_conf(host, sysfs)
        self.run_ok(conf, '--create-root')
        _, got = tree(host)
        changed, other, gone = ('%s_0000:41:%s' % (host, a) for a in ('00.4', '00.5', '02.3'))
        c1, c2 = str(uuid.uuid4()), str(uuid.uuid4())
        ostk.make_allocation(session(), c1, got[changed]['uuid'], {'VGPU': 1})
        ostk.make_allocation(session(), c2, got[gone]['uuid'], {'VGPU': 1})
        dev = os.path.realpath(os.path.join(sysfs, 'bus/pci/devices/0000:41:00.4'))
        shutil.rmtree(os.path.join(dev, 'mdev_supported_types'))
        dev = os.path.realpath(os.path.join(sysfs, 'bus/pci/devices/0000:41:00.5'))
        shutil.rmtree(os.path.join(dev, 'mdev_supported_types'))
        link = os.path.join(sysfs, 'bus/pci/devices/0000:41:02.3')
        target = os.path.realpath(link)
        os.unlink(link)
        shutil.rmtree(target)
        p = acceld(conf, '--once')
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        msgs = [l for l in p.stderr.splitlines() if 'placement.inventory.inuse' in l]
        self.assertEqual(len(msgs), 1, p.stderr[-3000:])
        self.assertIn(changed, msgs[0])
        self.assertIn(got[changed]['uuid'], msgs[0])
        self.assertNotIn('changed under us', p.stderr)
        _, now = tree(host)
        # kept: the VGPU inventory, reserved in full, marked
        self.assertEqual(list(now[changed]['inventories']), ['VGPU'])
        v = now[changed]['inventories']['VGPU']
        self.assertEqual(v['reserved'], v['total'])
        self.assertIn('CUSTOM_ACCEL_UNAVAILABLE', now[changed]['traits'])
        # the rest written: the free one became PGPU, the vanished one reserved
        self.assertEqual(list(now[other]['inventories']), ['PGPU'])
        self.assertNotIn('CUSTOM_ACCEL_UNAVAILABLE', now[other]['traits'])
        g = now[gone]['inventories']['VGPU']
        self.assertEqual(g['reserved'], g['total'])
        self.assertIn('CUSTOM_ACCEL_UNAVAILABLE', now[gone]['traits'])
        # while allocated: no write, the same one message
        n0 = PL.request_count()
        p = acceld(conf, '--once')
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        self.assertEqual(len([l for l in p.stderr.splitlines()
                              if 'placement.inventory.inuse' in l]), 1, p.stderr[-3000:])
        # the daemon retries, and says it once, not at every retry
        logp = os.path.join(os.path.dirname(conf), 'daemon-inuse.log')
        with open(logp, 'w') as log:
            proc = subprocess.Popen([ACCELD, '--config', conf], stderr=log)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with open(logp, errors='replace') as f:
                    if f.read().count('placement sync: still:') >= 2:
                        break
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        with open(logp, errors='replace') as f:
            text = f.read()
        self.assertGreaterEqual(text.count('placement sync: still:'), 2, text[-3000:])
        said = [l for l in text.splitlines()
                if 'placement.inventory.inuse' in l and ': debug: ' not in l]
        self.assertEqual(len(said), 1, text[-3000:])
        # freed: replaced, unmarked
        ostk.delete_allocation(session(), c1)
        self.run_ok(conf)
        _, now = tree(host)
        self.assertEqual(list(now[changed]['inventories']), ['PGPU'])
        self.assertEqual(now[changed]['inventories']['PGPU']['reserved'], 0)
        self.assertNotIn('CUSTOM_ACCEL_UNAVAILABLE', now[changed]['traits'])
        self.assertIn(gone, now)
        ostk.delete_allocation(session(), c2)
        self.run_ok(conf)
        self.assertNotIn(gone, tree(host)[1])

    def test_many_classes_and_traits(self):
        """A cloud with more than 256 resource classes and traits (Ironic's,
        Nova's PCI ones): a node that needs CUSTOM_NPU still syncs."""
        s = session()
        for i in range(300):
            s.put('/resource_classes/CUSTOM_IRONIC_NODE_%03d' % i, expect=(201, 204))
            s.put('/traits/CUSTOM_IRONIC_TRAIT_%03d' % i, expect=(201, 204))
        self.assertGreater(len(s.get('/resource_classes').json['resource_classes']), 300)
        host = 'manyrc-host'
        sysfs = os.path.join(FX, 'edge-mixed', 'sys')
        conf = write_conf(host, sysfs)
        n0 = PL.request_count()
        self.run_ok(conf, '--create-root')
        self.assertTreeExact(host, sysfs)
        # asked by name, never the whole lists
        paths = [r.path for r in PL.requests(since=n0) if r.method == 'GET']
        self.assertNotIn('/resource_classes', [p.split('?')[0] for p in paths], paths)
        self.assertFalse([p for p in paths if p.split('?')[0] == '/traits' and 'name=' not in p],
                         paths)
        # a provider of ours with more than 256 traits (an operator's)
        _, got = tree(host)
        npu = got['%s_0000:08:00.0' % host]['uuid']
        add_traits(npu, *('CUSTOM_IRONIC_TRAIT_%03d' % i for i in range(300)))
        os.unlink(os.path.join(os.path.dirname(conf), 'state', 'placement-%s.json' % host))
        self.run_ok(conf)
        _, got = tree(host)
        self.assertEqual(len(got['%s_0000:08:00.0' % host]['traits'] & {
            'CUSTOM_IRONIC_TRAIT_%03d' % i for i in range(300)}), 300)

    def test_name_taken_outside_tree(self):
        """A provider of a device's name outside this host's tree: named in
        one clear error, no ten rounds, the other devices synced."""
        host = 'dupname-host'
        ostk.create_compute_node_provider(session(), host)
        other = ostk.create_compute_node_provider(session(), 'dupname-elsewhere')
        name = '%s_0000:41:00.0' % host
        theirs = session().post('/resource_providers', {
            'name': name, 'parent_provider_uuid': other['uuid']}, version='1.20').json
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        n0 = PL.request_count()
        p = acceld(write_conf(host, sysfs), '--once')
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        self.assertNotIn('changed under us', p.stderr)
        self.assertIn(name, p.stderr)
        self.assertIn(theirs['uuid'], p.stderr)
        self.assertIn(other['uuid'], p.stderr)
        posts = [r for r in PL.requests(since=n0) if r.method == 'POST']
        self.assertEqual(len(posts), 4, posts)
        _, got = tree(host)
        self.assertEqual(len(got), 3)
        self.assertNotIn(name, got)

    def test_state_tmp_link_not_followed(self):
        """A link planted where the state's temporary file goes is not
        followed: its target is untouched and the state is still saved."""
        host = 'statelink-host'
        sysfs = os.path.join(FX, 'dgx2', 'sys')
        conf = write_conf(host, sysfs)
        state = os.path.join(os.path.dirname(conf), 'state', 'placement-%s.json' % host)
        os.makedirs(os.path.dirname(state), mode=0o700)
        victim = os.path.join(WORK, 'statelink-victim')
        with open(victim, 'w') as f:
            f.write('not yours')
        os.symlink(victim, state + '.tmp')
        self.run_ok(conf, '--create-root')
        with open(victim) as f:
            self.assertEqual(f.read(), 'not yours')
        self.assertFalse(os.path.lexists(state + '.tmp'))
        with open(state) as f:
            self.assertIn(host, json.load(f)['root']['name'])


class Lifecycle(Base):
    def test_removed_while_allocated(self):
        """A device that vanishes while allocated is reserved in full and
        marked unavailable, and deleted once its allocation is gone."""
        host = 'alloc-host'
        sysfs = fixture_copy('esc8000a')
        conf = write_conf(host, sysfs)
        self.run_ok(conf, '--create-root')
        _, got = tree(host)
        name = '%s_0000:41:00.0' % host
        rp = got[name]['uuid']
        consumer = str(uuid.uuid4())
        ostk.make_allocation(session(), consumer, rp, {'PGPU': 1})
        # the GPU leaves the bus (its directory and its bus link)
        link = os.path.join(sysfs, 'bus/pci/devices/0000:41:00.0')
        target = os.path.realpath(link)
        os.unlink(link)
        shutil.rmtree(target)
        self.run_ok(conf)
        _, got = tree(host)
        self.assertIn(name, got)
        pgpu = got[name]['inventories']['PGPU']
        self.assertEqual(pgpu['reserved'], pgpu['total'])
        self.assertIn('CUSTOM_ACCEL_UNAVAILABLE', got[name]['traits'])
        # nothing to do while it stays allocated
        n0 = PL.request_count()
        self.run_ok(conf)
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        ostk.delete_allocation(session(), consumer)
        self.run_ok(conf)
        _, got = tree(host)
        self.assertNotIn(name, got)
        self.assertEqual(len(got), 3)

    def test_state_file_lost_or_broken(self):
        host = 'state-host'
        sysfs = os.path.join(FX, 'dgx2', 'sys')
        conf = write_conf(host, sysfs)
        self.run_ok(conf, '--create-root')
        state = os.path.join(os.path.dirname(conf), 'state', 'placement-%s.json' % host)
        with open(state, 'w') as f:
            f.write('{ not json')
        n0 = PL.request_count()
        p = self.run_ok(conf)
        # a warning that names the file
        self.assertIn('sync cache: %s: ' % state, p.stderr)
        self.assertEqual([r for r in PL.requests(since=n0) if r.method != 'GET'], [])
        os.unlink(state)
        self.run_ok(conf)
        self.assertTreeExact(host, sysfs)


class Concurrency(Base):
    HOSTS = 12

    def test_many_hosts_and_a_writer(self):
        """Many hosts sync at once while a writer changes their providers:
        every tree converges to exactly what it should be, and the writer's
        own traits (not ours to manage) are kept."""
        s = session()
        hosts = ['conc-%02d' % i for i in range(self.HOSTS)]
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        confs = {h: write_conf(h, sysfs) for h in hosts}
        for h in hosts:
            ostk.create_compute_node_provider(s, h)
        stop = threading.Event()
        writes = []
        tagged = set()

        def writer():
            w = session()
            s.put('/traits/CUSTOM_OPERATOR_TAG', None, version='1.6', expect=(201, 204))
            while not stop.is_set():
                for h in hosts:
                    name = '%s_0000:01:00.0' % h
                    rps = w.get('/resource_providers?name=%s' % name).json['resource_providers']
                    if not rps:
                        continue
                    u = rps[0]['uuid']
                    t = w.get('/resource_providers/%s/traits' % u).json
                    # sqlite serializes writers: a 500 "database is
                    # locked" is Placement's, and not a write
                    r = w.put('/resource_providers/%s/traits' % u, {
                        'resource_provider_generation': t['resource_provider_generation'],
                        'traits': sorted(set(t['traits']) | {'CUSTOM_OPERATOR_TAG'})},
                        expect=(200, 409, 500))
                    writes.append(r.status)
                    if r.status == 200:
                        tagged.add(h)
                    i = w.get('/resource_providers/%s/inventories' % u).json
                    if 'PGPU' in i['inventories']:
                        inv = dict(i['inventories'])
                        inv['PGPU'] = dict(inv['PGPU'], total=5, max_unit=5)
                        r = w.put('/resource_providers/%s/inventories' % u, {
                            'resource_provider_generation': i['resource_provider_generation'],
                            'inventories': inv}, expect=(200, 409, 500))
                        writes.append(r.status)

        wt = threading.Thread(target=writer)
        wt.start()
        results = {}

        def sync(h):
            results[h] = acceld(confs[h], '--once')

        threads = [threading.Thread(target=sync, args=(h,)) for h in hosts]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        wt.join()
        elapsed = time.monotonic() - t0
        self.assertTrue(any(w == 200 for w in writes), 'the writer never got through')
        # whatever the first round met, the next converges
        for h in hosts:
            self.run_ok(confs[h])
        for h in hosts:
            _, got = self.assertTreeExact(h, sysfs)
            gpu = got['%s_0000:01:00.0' % h]
            self.assertEqual(gpu['inventories']['PGPU']['total'], 1, h)
            if h in tagged:
                self.assertIn('CUSTOM_OPERATOR_TAG', gpu['traits'], h)
        self.assertTrue(tagged)
        conflicts = sum(int(m.group(1)) for r in results.values()
                        for m in re.finditer(r'(\d+) conflicts', r.stderr))
        print('\n  %d hosts in %.1f s; %d writer writes; %d conflicts handled' % (
            len(hosts), elapsed, len(writes), conflicts), file=sys.stderr)


class Daemon(Base):
    def test_uevent_sighup_sigterm(self):
        """The daemon syncs at start, rescans on a real kernel uevent
        (debounced) and on SIGHUP, retries while Placement is away, and
        exits cleanly on SIGTERM."""
        host = 'daemon-host'
        sysfs = fixture_copy('esc8000a')
        conf = write_conf(host, sysfs, default={'log_level': 'info'})
        ostk.create_compute_node_provider(session(), host)
        log = open(os.path.join(WORK, 'daemon.log'), 'w+')
        proc = subprocess.Popen([ACCELD, '--config', conf], stderr=log)
        try:
            self.wait_for(lambda: len(tree(host)[1]) == 4, 'first sync')
            # the GPU at c1 goes; the kernel tells (a synthetic uevent on a
            # real PCI device of this machine: discovery reads the fixture)
            link = os.path.join(sysfs, 'bus/pci/devices/0000:c1:00.0')
            target = os.path.realpath(link)
            os.unlink(link)
            shutil.rmtree(target)
            if self.kernel_uevent():
                self.wait_for(lambda: len(tree(host)[1]) == 3, 'rescan after a uevent', 5)
            else:
                os.kill(proc.pid, signal.SIGHUP)
                self.wait_for(lambda: len(tree(host)[1]) == 3, 'rescan after SIGHUP', 5)
            # Placement away: the daemon keeps trying and catches up
            link = os.path.join(sysfs, 'bus/pci/devices/0000:e1:00.0')
            target = os.path.realpath(link)
            os.unlink(link)
            shutil.rmtree(target)
            PX.fail(None, 503)
            os.kill(proc.pid, signal.SIGHUP)
            time.sleep(3)
            self.assertEqual(len(tree(host)[1]), 3)
            PX.clear()
            self.wait_for(lambda: len(tree(host)[1]) == 2, 'resync after Placement is back',
                          30)
        finally:
            PX.clear()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=20)
        self.assertEqual(rc, 0)
        log.seek(0)
        text = log.read()
        self.assertIn('stopping', text)
        self.assertIn('stopped', text)

    def test_kmod_events(self):
        """accelinv.ko's stream (a FIFO as DEV_ROOT/accelinv): a device
        gone, the module says so, the daemon rescans (debounced, long
        before its rescan interval) and Placement follows; the log says
        what changed. A stream that ends leaves the daemon running."""
        host = 'kmod-host'
        sysfs = fixture_copy('esc8000a')
        dev = tempfile.mkdtemp(prefix='accel-dev-', dir=WORK)
        fifo = os.path.join(dev, 'accelinv')
        os.mkfifo(fifo)
        conf = write_conf(host, sysfs, rescan=600, dev_root=dev)
        ostk.create_compute_node_provider(session(), host)
        logp = os.path.join(WORK, 'kmod-daemon.log')
        proc = subprocess.Popen([ACCELD, '--config', conf], stderr=open(logp, 'w'))
        w = None
        try:
            # once acceld has its end open (ENXIO until then)
            t0 = time.monotonic()
            while w is None:
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                    os.set_blocking(fd, True)
                    w = os.fdopen(fd, 'w', buffering=1)
                except OSError as e:
                    if e.errno != errno.ENXIO or time.monotonic() - t0 > 15:
                        self.fail('acceld did not open DEV_ROOT/accelinv: %s' % e)
                    time.sleep(0.1)
            self.wait_for(lambda: len(tree(host)[1]) == 4, 'first sync')
            w.write('v=1 type=begin gen=1\n'
                    'v=1 type=dev addr=0000:c1:00.0 vendor=10de device=26b1 class=030000\n'
                    'v=1 type=end gen=1 count=1\n')
            link = os.path.join(sysfs, 'bus/pci/devices/0000:c1:00.0')
            target = os.path.realpath(link)
            os.unlink(link)
            shutil.rmtree(target)
            w.write('v=1 type=del seq=1 addr=0000:c1:00.0 vendor=10de device=2236 '
                    'class=030200\n')
            self.wait_for(lambda: len(tree(host)[1]) == 3, 'rescan after a kmod event', 5)
            w.close()
            w = None
            self.wait_for(lambda: 'end of stream; going on with uevents' in open(logp).read(),
                          'the end of the stream said', 5)
            self.assertIsNone(proc.poll())
        finally:
            if w:
                w.close()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=20)
        self.assertEqual(rc, 0)
        text = open(logp).read()
        self.assertIn('accelinv on', text)
        self.assertIn('inventory: -0000:c1:00.0', text)

    @staticmethod
    def kernel_uevent():
        try:
            dev = sorted(os.listdir('/sys/bus/pci/devices'))[0]
            with open('/sys/bus/pci/devices/%s/uevent' % dev, 'w') as f:
                f.write('change')
            return True
        except OSError:
            return False

    def wait_for(self, cond, what, timeout=15):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if cond():
                return
            time.sleep(0.25)
        self.fail('timed out waiting for %s' % what)


class Valgrind(Base):
    """acceld leaks nothing and touches no invalid memory: one sync, and a
    daemon through a sync, a SIGHUP rescan and SIGTERM, under valgrind."""

    VG = ['valgrind', '-q', '--suppressions=' + os.path.join(
              os.path.dirname(os.path.abspath(__file__)), '..', 'valgrind.supp'),
          '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
          '--show-leak-kinds=definite,indirect', '--error-exitcode=99']
    # valgrind runs the plain build: the ASan one cannot run under it
    PLAIN = os.path.abspath(os.environ.get('ACCEL_PLAIN_BIN', BIN))

    def test_once_and_daemon(self):
        if shutil.which('valgrind') is None:
            self.skipTest('valgrind not installed')
        acceld_bin = os.path.join(self.PLAIN, 'acceld')
        host = 'valgrind-host'
        sysfs = fixture_copy('edge-mixed')
        conf = write_conf(host, sysfs)
        p = subprocess.run(self.VG + [acceld_bin, '--config', conf, '--once', '--create-root'],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-4000:])
        self.assertNotIn('==', ''.join(l for l in p.stderr.splitlines(True)
                                       if l.startswith('==')))
        log = os.path.join(WORK, 'vg-daemon.log')
        with open(log, 'w') as f:
            proc = subprocess.Popen(self.VG + [acceld_bin, '--config', conf], stderr=f)
        time.sleep(8)
        os.kill(proc.pid, signal.SIGHUP)
        time.sleep(5)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        text = open(log).read()
        self.assertEqual(rc, 0, text[-4000:])
        self.assertIn('stopped', text)
        self.assertNotRegex(text, r'(?m)^==\d+== ')


class Stop(Base):
    """SIGTERM in the middle of a sync that retries (issue 9, item 3): the
    backoff wait and the request in flight are cut short, acceld exits
    within a second, and the sync state file is left as it was."""

    LIMIT = 1.0

    def setUp(self):
        PX.clear()

    def tearDown(self):
        PX.clear()

    def state_of(self, conf, host):
        return os.path.join(os.path.dirname(conf), 'state', 'placement-%s.json' % host)

    def stop_and_time(self, proc, logp):
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        took = time.monotonic() - t0
        text = open(logp, errors='replace').read()
        print('\n  %s: exit %.3f s after SIGTERM' % (self.id().rsplit('.', 1)[-1], took),
              file=sys.stderr)
        self.assertLess(took, self.LIMIT, text[-3000:])
        self.assertEqual(rc, 0, text[-3000:])
        self.assertIn('stopped', text)
        return text

    def assertStateIntact(self, path, before):
        with open(path, 'rb') as f:
            after = f.read()
        self.assertEqual(after, before)
        json.loads(after)
        self.assertEqual([f for f in os.listdir(os.path.dirname(path))
                          if f != os.path.basename(path)], [])

    def daemon(self, conf, name):
        logp = os.path.join(WORK, '%s.log' % name)
        return subprocess.Popen([ACCELD, '--config', conf], stderr=open(logp, 'w')), logp

    def synced(self, name):
        """A host synced once, and its state file's bytes."""
        host = 'stop-%s' % name
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        ostk.create_compute_node_provider(session(), host)
        conf = write_conf(host, sysfs)
        self.run_ok(conf)
        state = self.state_of(conf, host)
        with open(state, 'rb') as f:
            return host, sysfs, conf, state, f.read()

    def test_placement_hanging_behind_proxy(self):
        """Placement (through the catalog's proxy) takes the request and
        does not answer: the daemon's rescan hangs in it."""
        host = 'stop-proxy'
        sysfs = os.path.join(FX, 'esc8000a', 'sys')
        ostk.create_compute_node_provider(session(), host)
        conf = write_conf(host, sysfs, placement={'timeout': '120'},
                          default={'log_level': 'info'}, rescan=600)
        proc, logp = self.daemon(conf, 'stop-proxy')
        state = self.state_of(conf, host)
        t0 = time.monotonic()
        while 'placement sync: ' not in open(logp).read() and time.monotonic() - t0 < 60:
            time.sleep(0.1)
        with open(state, 'rb') as f:
            before = f.read()
        PX.delay(90, count=None)
        n0 = PX.received
        os.kill(proc.pid, signal.SIGHUP)
        t0 = time.monotonic()
        while PX.received == n0 and time.monotonic() - t0 < 10:
            time.sleep(0.05)
        self.assertGreater(PX.received, n0, 'the rescan sent nothing')
        time.sleep(0.5)  # well inside the request
        self.assertIsNone(proc.poll())
        self.stop_and_time(proc, logp)
        self.assertStateIntact(state, before)

    def test_placement_never_answers(self):
        """A socket that accepts and never answers (endpoint_override)."""
        host, sysfs, conf, state, before = self.synced('socket')
        lsock = socket.socket()
        lsock.bind(('127.0.0.1', 0))
        lsock.listen(8)
        got = threading.Event()
        held = []

        def accept():
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            held.append(c)
            if c.recv(4096):
                got.set()
        threading.Thread(target=accept, daemon=True).start()
        conf = write_conf(host, sysfs, placement={
            'endpoint_override': 'http://127.0.0.1:%d' % lsock.getsockname()[1],
            'timeout': '120'}, default={'state_dir': os.path.dirname(state)})
        proc, logp = self.daemon(conf, 'stop-socket')
        try:
            self.assertTrue(got.wait(30), open(logp).read()[-3000:])
            time.sleep(0.5)
            self.assertIsNone(proc.poll())
            self.stop_and_time(proc, logp)
        finally:
            lsock.close()
            for c in held:
                c.close()
        self.assertStateIntact(state, before)

    def test_placement_unreachable_in_backoff(self):
        """Nothing listens: refused connections, retried with backoff."""
        host, sysfs, conf, state, before = self.synced('backoff')
        port = ostk.free_port()
        conf = write_conf(host, sysfs, placement={
            'endpoint_override': 'http://127.0.0.1:%d' % port, 'max_retries': '20'},
            default={'state_dir': os.path.dirname(state)})
        proc, logp = self.daemon(conf, 'stop-backoff')
        time.sleep(3)  # Keystone's token, then the refused requests' backoff
        self.assertIsNone(proc.poll(), open(logp).read()[-3000:])
        self.assertNotIn('placement sync: ', open(logp).read())  # still retrying
        self.stop_and_time(proc, logp)
        self.assertStateIntact(state, before)

    def test_once_stopped(self):
        """acceld --once too: SIGTERM during its retries ends it at once
        (exit 1: not in sync), with the state file as it was."""
        host, sysfs, conf, state, before = self.synced('once')
        conf = write_conf(host, sysfs, placement={
            'endpoint_override': 'http://127.0.0.1:%d' % ostk.free_port(),
            'max_retries': '20'}, default={'state_dir': os.path.dirname(state)})
        logp = os.path.join(WORK, 'stop-once.log')
        proc = subprocess.Popen([ACCELD, '--config', conf, '--once'], stderr=open(logp, 'w'))
        time.sleep(3)
        self.assertIsNone(proc.poll())
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        took = time.monotonic() - t0
        self.assertLess(took, self.LIMIT)
        self.assertEqual(rc, 1)
        self.assertIn('cancelled', open(logp).read())
        self.assertStateIntact(state, before)


class AuthRetry(Base):
    """Keystone refuses the credentials (issue 9, item 4): one attempt per
    auth_retry_interval, each logged once, and --once exits 1 at the first.
    Keystone's attempts are counted by a proxy in front of it."""

    def setUp(self):
        self.kpx = ostk.FaultProxy(KS.url).start()

    def tearDown(self):
        self.kpx.stop()

    def test_wrong_password_daemon(self):
        interval, window = 4, 11
        host = 'authretry-host'
        ostk.create_compute_node_provider(session(), host)
        conf = write_conf(host, os.path.join(FX, 'esc8000a', 'sys'), placement={
            'auth_url': self.kpx.url, 'password': 'wrong-password',
            'auth_retry_interval': str(interval)}, default={'log_level': 'info'})
        logp = os.path.join(WORK, 'authretry.log')
        proc = subprocess.Popen([ACCELD, '--config', conf], stderr=open(logp, 'w'))
        times, seen = [], 0
        t0 = time.monotonic()
        hup = False
        try:
            while time.monotonic() - t0 < window:
                n = self.kpx.received
                times += [time.monotonic() - t0] * (n - seen)
                seen = n
                if not hup and time.monotonic() - t0 > 1.5:
                    # a rescan asked for in the hold does not ask Keystone
                    os.kill(proc.pid, signal.SIGHUP)
                    hup = True
                time.sleep(0.02)
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=30)
        text = open(logp).read()
        print('\n  Keystone attempts at %s s (auth_retry_interval %d)' % (
            ', '.join('%.2f' % t for t in times), interval), file=sys.stderr)
        self.assertEqual(rc, 0, text[-3000:])
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertEqual(len(times), 3, (times, text[-3000:]))
        for g in gaps:
            self.assertGreater(g, interval - 0.5, times)
        # said once per attempt
        self.assertEqual(text.count('HTTP 401'), len(times), text[-3000:])
        self.assertEqual(text.count('next attempt in %d s' % interval), len(times),
                         text[-3000:])
        self.assertEqual(text.count('Keystone is not asked again for %d s (auth_retry_interval)'
                                    % interval), len(times), text[-3000:])
        self.assertNotIn('wrong-password', text)

    def test_wrong_password_once(self):
        conf = write_conf('authretry-once', os.path.join(FX, 'esc8000a', 'sys'), placement={
            'auth_url': self.kpx.url, 'password': 'wrong-password'})
        t0 = time.monotonic()
        p = acceld(conf, '--once')
        took = time.monotonic() - t0
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        self.assertEqual(self.kpx.received, 1)
        self.assertLess(took, 10)
        self.assertIn('HTTP 401', p.stderr)
        self.assertIn('Keystone is not asked again for 600 s (auth_retry_interval)', p.stderr)

    def test_option_checked(self):
        for bad in ('0', '-5', 'soon', '86401'):
            conf = write_conf('authretry-bad', os.path.join(FX, 'esc8000a', 'sys'),
                              placement={'auth_url': self.kpx.url,
                                         'auth_retry_interval': bad})
            p = acceld(conf, '--once')
            self.assertEqual(p.returncode, 1)
            self.assertIn('auth_retry_interval', p.stderr)
            self.assertEqual(self.kpx.received, 0)


class ErrorText(Base):
    """What Placement answers is logged safely (issue 9, item 7); that URLs
    of any length are sent whole is tests/unit/test_placement.c's
    test_long_url."""

    def setUp(self):
        PX.clear()

    def tearDown(self):
        PX.clear()

    def test_raw_error_body_escaped(self):
        host = 'errtext-host'
        ostk.create_compute_node_provider(session(), host)
        conf = write_conf(host, os.path.join(FX, 'esc8000a', 'sys'))
        body = (b'\x1b[2J\x1b]0;owned\x07<html>\r\n'
                b'2026-12-02T00:00:00.000Z acceld: info: placement sync: 0 requests\x00\xff')
        PX.fail(None, 400, path='/resource_providers', body=body)
        p = subprocess.run([ACCELD, '--config', conf, '--once'], capture_output=True,
                           timeout=120)
        err = p.stderr.decode('utf-8', 'replace')
        self.assertEqual(p.returncode, 1, err[-3000:])
        self.assertIn('HTTP 400', err)
        for c in '\x1b\x07\r\x00\ufffd':
            self.assertNotIn(c, err)
        self.assertNotRegex(err, r'(?m)^2026-12-02T00:00:00.000Z')
        self.assertIn(r'\x1b[2J\x1b]0;owned\x07<html>\x0d\x0a2026-12-02', err)


if __name__ == '__main__':
    unittest.main(verbosity=2)
