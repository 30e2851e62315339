#!/usr/bin/python3
"""Checks that tests/integration/openstack.py really runs Keystone and
Placement, and that its helpers (request log, FaultProxy, osc, sessions)
do what they claim.

Run with Debian's Python:  /usr/bin/python3 tests/integration/test_harness.py
(KEEP_WORKDIR=1 keeps the temporary directory for inspection.)
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openstack as ostk  # noqa: E402


def _stray(workdir):
    """pids of processes whose command line mentions workdir."""
    p = subprocess.run(['pgrep', '-f', workdir], capture_output=True,
                       text=True)
    return [int(x) for x in p.stdout.split() if int(x) != os.getpid()]


class HarnessTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix='accelsched-ostk-')
        cls.ks = ostk.Keystone(cls.workdir)
        cls.pl = ostk.Placement(cls.workdir, keystone=cls.ks)
        t = time.monotonic()
        try:
            ostk.start_all(cls.ks, cls.pl)
        except BaseException:
            cls._cleanup()
            raise
        sys.stderr.write(
            '\n[harness] start_all %.1fs: keystone setup %.1fs + uwsgi '
            'ready %.1fs; placement db sync %.1fs, uwsgi ready %.1fs\n' % (
                time.monotonic() - t, cls.ks.setup_seconds,
                cls.ks.ready_seconds, cls.pl.setup_seconds,
                cls.pl.ready_seconds))
        cls.s = ostk.PlacementSession(cls.pl)

    @classmethod
    def _cleanup(cls):
        cls.pl.stop()
        cls.ks.stop()
        left = _stray(cls.workdir)
        if os.environ.get('KEEP_WORKDIR'):
            sys.stderr.write('[harness] workdir kept: %s\n' % cls.workdir)
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)
        return left

    @classmethod
    def tearDownClass(cls):
        s = getattr(cls, 's', None)
        if s is not None:
            s.close()
        left = cls._cleanup()
        if left:
            raise AssertionError('processes left behind: %s' % left)

    # -- Keystone -----------------------------------------------------------

    def test_token_issued(self):
        tok, body = self.ks.issue_token(return_body=True)
        self.assertTrue(tok)
        self.assertEqual(body['token']['project']['name'], 'admin')
        self.assertIn('admin', [r['name'] for r in body['token']['roles']])
        self.assertEqual(self.ks.validate_token(tok), 200)
        types = {s['type'] for s in self.ks.catalog(tok)}
        self.assertIn('identity', types)
        self.assertIn('placement', types)

    def test_application_credential(self):
        self.ks.create_user('acuser', 'acpass', 'acproject', roles=('admin',))
        ac = self.ks.create_application_credential('acuser', 'acpass',
                                                   'acproject')
        tok = self.ks.issue_token(application_credential=ac)
        s = ostk.PlacementSession(self.pl, token=tok)
        self.assertEqual(s.get('/resource_providers').status, 200)
        s.close()
        # a member-only user is authenticated but not allowed
        self.ks.create_user('reader1', 'pw', 'acproject', roles=('member',))
        s = ostk.PlacementSession(self.pl, user='reader1', password='pw',
                                  project='acproject')
        self.assertEqual(s.get('/resource_providers').status, 403)
        s.close()

    def test_revoked_token_refused(self):
        tok = self.ks.issue_token()
        s = ostk.PlacementSession(self.pl, token=tok)
        self.assertEqual(s.get('/resource_providers').status, 200)
        self.ks.revoke_token(tok)
        self.assertEqual(s.get('/resource_providers').status, 401)
        s.close()

    # -- Placement ----------------------------------------------------------

    def test_root_document_microversions(self):
        r = ostk.http_request(self.pl.url, 'GET', '/', expect=200)
        v = r.json['versions'][0]
        sys.stderr.write('\n[harness] Placement microversions %s .. %s\n' % (
            v['min_version'], v['max_version']))
        mx = tuple(int(x) for x in v['max_version'].split('.'))
        self.assertGreaterEqual(mx, (1, 28))
        self.assertEqual(v['max_version'], ostk.PLACEMENT_API_VERSION)

    def test_auth_required(self):
        self.assertEqual(self.s.get('/resource_providers').status, 200)
        r = ostk.http_request(self.pl.url, 'GET', '/resource_providers',
                              headers={'OpenStack-API-Version':
                                       'placement 1.39'})
        self.assertEqual(r.status, 401)
        r = ostk.http_request(self.pl.url, 'GET', '/resource_providers',
                              headers={'X-Auth-Token': 'bogus'})
        self.assertEqual(r.status, 401)

    def test_01_osc_empty_then_sees_provider(self):
        # runs first (name order): the database is still empty
        self.assertEqual(ostk.osc('resource', 'provider', 'list',
                                  keystone=self.ks), [])
        rp = ostk.create_compute_node_provider(self.s, 'cn-osc')
        lst = ostk.osc('resource', 'provider', 'list', keystone=self.ks)
        self.assertEqual([(p['uuid'], p['name']) for p in lst],
                         [(rp['uuid'], 'cn-osc')])
        inv = ostk.osc('resource', 'provider', 'inventory', 'list',
                       rp['uuid'], keystone=self.ks)
        self.assertEqual({i['resource_class']: i['total'] for i in inv},
                         {'VCPU': 16, 'MEMORY_MB': 65536})
        self.s.put('/traits/CUSTOM_OWNER_ACCELSCHED', expect=(201, 204))
        self.s.put('/resource_providers/%s/traits' % rp['uuid'], {
            'resource_provider_generation': rp['generation'],
            'traits': ['CUSTOM_OWNER_ACCELSCHED', 'HW_CPU_X86_AVX2']},
            expect=200)
        traits = ostk.osc('resource', 'provider', 'trait', 'list',
                          rp['uuid'], keystone=self.ks)
        self.assertEqual(sorted(t['name'] for t in traits),
                         ['CUSTOM_OWNER_ACCELSCHED', 'HW_CPU_X86_AVX2'])
        # in_tree (1.14)
        tree = ostk.osc('resource', 'provider', 'list', '--in-tree',
                        rp['uuid'], keystone=self.ks)
        self.assertEqual([p['uuid'] for p in tree], [rp['uuid']])

    def test_request_log_counts_exactly(self):
        rp = ostk.create_compute_node_provider(self.s, 'cn-log')
        n = self.pl.request_count()
        self.s.get('/resource_providers/%s' % rp['uuid'], expect=200)
        self.s.put('/traits/CUSTOM_LOGTEST', version='1.6',
                   expect=(201, 204))
        self.s.get('/resource_providers/%s/inventories' % rp['uuid'],
                   version=None, expect=200)
        self.assertEqual(self.pl.requests(since=n), [
            ('GET', '/resource_providers/%s' % rp['uuid'], 200),
            ('PUT', '/traits/CUSTOM_LOGTEST', 201),
            ('GET', '/resource_providers/%s/inventories' % rp['uuid'], 200),
        ])
        det = self.pl.requests_detailed(since=n)
        self.assertEqual([d.microversion for d in det],
                         ['placement 1.39', 'placement 1.6', None])
        self.assertEqual(self.pl.request_count(), n + 3)

    def test_keep_alive(self):
        s = ostk.PlacementSession(self.pl)
        s.get('/resource_providers', expect=200)
        port = s._conn.sock.getsockname()[1]
        for _ in range(3):
            s.get('/resource_providers', expect=200)
        self.assertEqual(s._conn.sock.getsockname()[1], port)
        s.close()

    def test_allocation_helpers(self):
        rp = ostk.create_compute_node_provider(self.s, 'cn-alloc')
        c = str(uuid.uuid4())
        ostk.make_allocation(self.s, c, rp['uuid'],
                             {'VCPU': 2, 'MEMORY_MB': 512},
                             uuid.uuid4().hex, uuid.uuid4().hex)
        u = self.s.get('/resource_providers/%s/usages' % rp['uuid'],
                       expect=200).json['usages']
        self.assertEqual(u, {'VCPU': 2, 'MEMORY_MB': 512})
        # update with the consumer generation read back (auto)
        ostk.make_allocation(self.s, c, rp['uuid'], {'VCPU': 4},
                             uuid.uuid4().hex, uuid.uuid4().hex,
                             version='1.39')
        a = self.s.get('/allocations/%s' % c, expect=200).json
        self.assertEqual(a['consumer_type'], 'INSTANCE')
        # a stale generation is a 409 conflict, as for Nova
        r = ostk.make_allocation(self.s, c, rp['uuid'], {'VCPU': 1},
                                 uuid.uuid4().hex, uuid.uuid4().hex,
                                 consumer_generation=None, expect=None)
        self.assertEqual(r.status, 409)
        ostk.delete_allocation(self.s, c)
        u = self.s.get('/resource_providers/%s/usages' % rp['uuid'],
                       expect=200).json['usages']
        self.assertEqual(u, {'VCPU': 0, 'MEMORY_MB': 0})

    # -- FaultProxy ---------------------------------------------------------

    def test_fault_proxy_503_once_then_passes(self):
        with ostk.FaultProxy(self.pl.url) as px:
            s = ostk.PlacementSession(self.pl, url=px.url)
            s.get('/resource_providers', expect=200)   # token, connection
            n = self.pl.request_count()
            px.fail(1, 503)
            r = s.get('/resource_providers')
            self.assertEqual(r.status, 503)
            self.assertEqual(r.json['errors'][0]['status'], 503)
            self.assertEqual(r.json['errors'][0]['title'],
                             'Service Unavailable')
            r = s.get('/resource_providers')
            self.assertEqual(r.status, 200)
            self.assertEqual(px.forwarded, 2)   # the 503 never reached it
            self.assertEqual(px.received, 3)
            self.assertEqual(px.connections, 1)  # keep-alive through it
            self.assertEqual(self.pl.requests(since=n),
                             [('GET', '/resource_providers', 200)])
            s.close()

    def test_fault_proxy_filters_and_kinds(self):
        with ostk.FaultProxy(self.pl.url) as px:
            s = ostk.PlacementSession(self.pl, url=px.url)
            # only PUTs under /traits fail
            px.fail(None, 500, method='PUT', path=r'^/traits/')
            self.assertEqual(s.get('/traits', expect=200).status, 200)
            self.assertEqual(s.put('/traits/CUSTOM_PX').status, 500)
            self.assertEqual(s.put('/traits/CUSTOM_PX').status, 500)
            px.clear()
            self.assertIn(s.put('/traits/CUSTOM_PX').status, (201, 204))
            # forward=True: Placement did the write, the answer was lost
            px.fail(1, 503, method='PUT', forward=True)
            self.assertEqual(s.put('/traits/CUSTOM_PX_FWD').status, 503)
            self.assertEqual(s.get('/traits/CUSTOM_PX_FWD').status, 204)
            # malformed JSON, valid HTTP
            px.malformed(1, 'truncate')
            r = s.get('/resource_providers')
            self.assertEqual(r.status, 200)
            self.assertIsNone(r.json)
            self.assertRaises(ValueError, json.loads, r.body)
            px.malformed(1, 'garble')
            r = s.get('/resource_providers')
            self.assertRaises(ValueError, json.loads, r.body)
            # short body: the HTTP message itself is cut
            px.malformed(1, 'short')
            self.assertRaises(http.client.IncompleteRead, s.get,
                              '/resource_providers')
            # dropped connection, then the next request works
            px.drop(1)
            self.assertRaises((http.client.RemoteDisconnected,
                               ConnectionResetError), s.get,
                              '/resource_providers')
            self.assertEqual(s.get('/resource_providers').status, 200)
            # delay
            px.delay(0.5, 1, method='GET')
            t = time.monotonic()
            self.assertEqual(s.get('/resource_providers').status, 200)
            self.assertGreaterEqual(time.monotonic() - t, 0.5)
            self.assertEqual(px.pending(), [])
            s.close()

    def test_fault_proxy_in_catalog(self):
        with ostk.FaultProxy(self.pl.url) as px:
            try:
                self.pl.register_endpoint(px.url)
                lst = ostk.osc('resource', 'provider', 'list',
                               keystone=self.ks)
                self.assertIsInstance(lst, list)
                self.assertGreaterEqual(px.forwarded, 1)
                # osc retries nothing: a 503 on its GET is an error
                px.fail(None, 503)
                p = ostk.osc('resource', 'provider', 'list',
                             keystone=self.ks, check=False)
                self.assertNotEqual(p.returncode, 0)
                px.clear()
            finally:
                self.pl.register_endpoint()

    # -- lifecycle ----------------------------------------------------------

    def test_token_expiration(self):
        ks = self.ks
        ks.token_expiration = 4
        try:
            ks.restart()
            tok = ks.issue_token()
            fixed = ostk.PlacementSession(self.pl, token=tok)
            renewing = ostk.PlacementSession(self.pl)
            self.assertEqual(fixed.get('/resource_providers').status, 200)
            self.assertEqual(renewing.get('/resource_providers').status, 200)
            old = renewing.token
            time.sleep(5.5)
            self.assertEqual(fixed.get('/resource_providers').status, 401)
            self.assertEqual(ks.validate_token(tok), 404)
            # the renewing session re-authenticates once on the 401
            n = self.pl.request_count()
            self.assertEqual(renewing.get('/resource_providers').status, 200)
            self.assertNotEqual(renewing.token, old)
            self.assertEqual([r.status for r in self.pl.requests(since=n)],
                             [401, 200])
            fixed.close()
            renewing.close()
        finally:
            ks.token_expiration = 3600
            ks.restart()

    def test_placement_restart_keeps_data(self):
        rp = ostk.create_compute_node_provider(self.s, 'cn-restart')
        old_pid = self.pl.pid()
        self.pl.restart()
        self.assertNotEqual(self.pl.pid(), old_pid)
        r = self.s.get('/resource_providers/%s' % rp['uuid'], expect=200)
        self.assertEqual(r.json['name'], 'cn-restart')
        inv = self.s.get('/resource_providers/%s/inventories' % rp['uuid'],
                         expect=200).json['inventories']
        self.assertEqual(inv['VCPU']['total'], 16)


class NoAuthAndCliTest(unittest.TestCase):
    """noauth2 Placement and the up/down CLI, as a separate process tree."""

    def test_cli_up_down_noauth(self):
        d = tempfile.mkdtemp(prefix='accelsched-ostk-cli-')
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'openstack.py')
        try:
            p = subprocess.run(['/usr/bin/python3', script, 'up', '--dir', d,
                                '--noauth'], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            sys.stderr.write('\n[harness] up --noauth: %s' % p.stdout)
            env = {}
            with open(os.path.join(d, 'env.sh')) as f:
                for line in f:
                    if line.startswith('export '):
                        k, v = line[7:].strip().split('=', 1)
                        env[k] = v
            pl = ostk.Placement(d, auth_strategy='noauth2')
            self.assertTrue(pl.running())
            self.assertEqual(env['PLACEMENT_URL'], pl.url)
            s = ostk.PlacementSession(pl)
            rp = ostk.create_compute_node_provider(s, 'cn-noauth')
            s.close()
            lst = ostk.osc('resource', 'provider', 'list', placement=pl)
            self.assertEqual([x['uuid'] for x in lst], [rp['uuid']])
            r = ostk.http_request(pl.url, 'GET', '/resource_providers')
            self.assertEqual(r.status, 401)     # noauth2 still wants a token
            with open(os.path.join(d, 'accelsched.conf')) as f:
                self.assertIn('auth_type = admin_token', f.read())
        finally:
            subprocess.run(['/usr/bin/python3', script, 'down', '--dir', d],
                           capture_output=True, timeout=60)
            left = _stray(d)
            shutil.rmtree(d, ignore_errors=True)
        self.assertEqual(left, [])


if __name__ == '__main__':
    unittest.main(verbosity=2)
