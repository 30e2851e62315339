#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""accelsched's DevStack plugin (devstack/) run with DevStack's own function
library, phase by phase, in a sandbox, against the real Keystone and
Placement that tests/integration/openstack.py starts.

A full DevStack cannot run here (it clones from the network and installs
the whole cloud). harness.sh plays stack.sh, unstack.sh and clean.sh: it
sources DevStack's stackrc, functions, functions-common, inc/ini-config,
lib/keystone and lib/nova from DEVSTACK_DIR (default /opt/stack/devstack;
skipped, saying so, where it is absent), registers the plugin with
enable_plugin and runs each phase through DevStack's run_phase. What it
sets itself, and why, is at its top.

Checked: nova.conf holds the filter (Nova's all_filters kept), the enabled
filter and the weigher and the [accelsched] options; the service user was
made in Keystone; acceld runs (started by DevStack's run_process) and has
reported the fixture node's accelerators to Placement, read back through
the API; unstack stops it; clean leaves nothing the plugin made. The modes
not built yet (nova-pci, cyborg) stop stack.sh before anything is done.

Run by `make devstack-tests` with ACCEL_FIXTURES and DEVSTACK_DIR.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))
import openstack as ostk  # noqa: E402

DEVSTACK_DIR = os.path.abspath(os.environ.get('DEVSTACK_DIR', '/opt/stack/devstack'))
FX = os.path.abspath(os.environ.get('ACCEL_FIXTURES', os.path.join(REPO, 'build', 'fixtures')))
BIN = os.path.abspath(os.environ.get('ACCEL_BIN', os.path.join(REPO, 'build', 'bin')))
HARNESS = os.path.join(HERE, 'harness.sh')
FIXTURE = 'edge-mixed'
HOST = 'devstack-node'
UNIT = 'devstack@accelsched-agent.service'
NS = uuid.uuid5(uuid.NAMESPACE_DNS, 'accelsched.openstack.org')
OWNER = 'CUSTOM_OWNER_ACCELSCHED'
FILTER = 'accelsched.nova.filters.AcceleratorFilter'
WEIGHER = 'accelsched.nova.weighers.AcceleratorWeigher'
# How long acceld may take for its first sync (normally a second or two).
SYNC_DEADLINE = 120

KS = PL = WORK = None

# nova-scheduler's view of the sandbox's nova.conf, in a child interpreter
# with the sandbox's install first on sys.path: Nova's CONF parses the
# file, Nova's handlers resolve the filter and weigher classes by their
# dotted paths, accelsched's [accelsched] options are read and checked.
NOVA_CHILD = r'''
import json, logging, sys
import nova.conf
from nova import objects
from nova.scheduler import filters, weights
from accelsched.nova import conf
logging.basicConfig(level=logging.CRITICAL)
objects.register_all()
CONF = nova.conf.CONF
CONF(["--config-file", sys.argv[1]], project="nova", default_config_files=[])
fs = filters.HostFilterHandler().get_matching_classes(CONF.filter_scheduler.available_filters)
ws = weights.HostWeightHandler().get_matching_classes(CONF.filter_scheduler.weight_classes)
names = {f.__name__: f for f in fs}
c = conf.load()
print(json.dumps({
    "missing": [n for n in CONF.filter_scheduler.enabled_filters if n not in names],
    "filter_file": sys.modules[names["AcceleratorFilter"].__module__].__file__,
    "weighers": sorted(w.__module__ + "." + w.__name__ for w in ws
                       if w.__module__.startswith("accelsched")),
    "nova_weighers": len([w for w in ws if w.__module__.startswith("nova.")]),
    "state_source": list(c.state_source), "refresh_interval": c.refresh_interval}))
'''


def setUpModule():
    global KS, PL, WORK
    missing = [f for f in ('stackrc', 'functions', 'functions-common', 'inc/ini-config',
                           'lib/keystone', 'lib/nova')
               if not os.path.isfile(os.path.join(DEVSTACK_DIR, f))]
    if missing:
        raise unittest.SkipTest(
            'no DevStack at DEVSTACK_DIR=%s (missing %s): clone '
            'https://opendev.org/openstack/devstack there or point DEVSTACK_DIR at a '
            'copy' % (DEVSTACK_DIR, ', '.join(missing)))
    if not os.path.isdir(os.path.join(FX, FIXTURE, 'sys')):
        raise RuntimeError('no fixture %s in %s: run `make fixtures`' % (FIXTURE, FX))
    if shutil.which('sudo') is None:
        raise RuntimeError('DevStack runs its privileged steps with sudo: install sudo')
    WORK = tempfile.mkdtemp(prefix='accel-devstack-')
    KS = ostk.Keystone(WORK)
    PL = ostk.Placement(WORK, keystone=KS)
    ostk.start_all(KS, PL)
    # what nova-compute's resource tracker does at its start
    s = ostk.PlacementSession(PL)
    ostk.create_compute_node_provider(s, HOST)
    s.close()


def tearDownModule():
    if PL:
        PL.stop()
    if KS:
        KS.stop()
    if WORK and not os.environ.get('KEEP_WORKDIR'):
        shutil.rmtree(WORK, ignore_errors=True)


def walk(root):
    """Every path under root, relative, folders with a trailing /."""
    out = set()
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        for n in dirs:
            link = os.path.islink(os.path.join(d, n))
            out.add(os.path.normpath(os.path.join(rel, n)) + ('' if link else '/'))
        for n in files:
            out.add(os.path.normpath(os.path.join(rel, n)))
    return out


def read_ini(path):
    """{section: {key: [values]}} (multi-valued options keep every line)."""
    out, sec = {}, None
    with open(path) as f:
        for line in f:
            s = line.strip()
            if not s or s[0] in '#;':
                continue
            if s.startswith('['):
                sec = out.setdefault(s[1:-1], {})
                continue
            k, _, v = s.partition('=')
            sec.setdefault(k.strip(), []).append(v.strip())
    return out


class Sandbox:
    """A folder standing for /, with local.conf's localrc."""

    def __init__(self, mode='placement', lines=(), **extra):
        self.root = tempfile.mkdtemp(prefix='sandbox-', dir=WORK)
        s = self.root
        # what a Debian machine has before DevStack, so that the test sees
        # which folders the plugin makes and which it only fills
        for d in ('dev', 'etc/systemd/system', 'var/lib', 'usr/local/bin', 'usr/local/sbin',
                  'usr/local/lib', 'usr/local/include', 'usr/local/share/man',
                  'usr/lib/python3/dist-packages'):
            os.makedirs(os.path.join(s, d))
        self.dev = os.path.join(s, 'dev')
        self.localrc = {
            # stackrc sets these before it reads localrc: an operator moving
            # DevStack elsewhere sets them in local.conf the same way
            'DEST': s + '/opt/stack',
            'DATA_DIR': s + '/opt/stack/data',
            'SYSTEMD_DIR': s + '/etc/systemd/system',
            # the plugin's own variables (docs/devstack.md)
            'ACCELSCHED_MODE': mode,
            'ACCELSCHED_PREFIX': s + '/usr/local',
            'ACCELSCHED_SYSCONF_DIR': s + '/etc',
            'ACCELSCHED_STATE_DIR': s + '/var/lib/accelsched',
            'ACCELSCHED_PYTHON_SITE': s + '/usr/lib/python3/dist-packages',
            'ACCELSCHED_HOST': HOST,
            'ACCELSCHED_SYSFS_ROOT': os.path.join(FX, FIXTURE, 'sys'),
            'ACCELSCHED_DEV_ROOT': self.dev,
            'ACCELSCHED_LOG_LEVEL': 'debug',
            'ACCELSCHED_MAKE_JOBS': '2',
            # no insmod on this machine (and no headers of its kernel)
            'ACCELSCHED_KMOD': 'False',
        }
        self.localrc.update(extra)
        with open(os.path.join(s, 'localrc'), 'w') as f:
            for k, v in self.localrc.items():
                f.write('%s=%s\n' % (k, v))
            for line in lines:
                f.write(line + '\n')
        self.before = walk(s)

    def path(self, *p):
        return os.path.join(self.root, *p)

    def run(self, mode, check=True):
        # stack.sh does not run under make: the plugin's own `make` must not
        # inherit `make devstack-tests`'s flags and jobserver
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'PYENV')) and
               k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES')}
        env.update({
            'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            'DEVSTACK_DIR': DEVSTACK_DIR, 'SANDBOX': self.root, 'ACCEL_REPO': REPO,
            'KEYSTONE_URI': KS.base_url, 'ADMIN_PASSWORD': KS.admin_password,
            'ENABLED_SERVICES': 'key,placement-api,placement-client,n-sch',
            'HOME': self.path('home'),
        })
        os.makedirs(env['HOME'], exist_ok=True)
        p = subprocess.run(['/bin/bash', HARNESS, mode], env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=1800)
        # beside the sandbox, kept with KEEP_WORKDIR=1
        with open('%s-%s.log' % (self.root, mode), 'w') as f:
            f.write('--- stdout\n%s\n--- stderr\n%s' % (p.stdout, p.stderr))
        if check and p.returncode != 0:
            raise AssertionError('harness.sh %s exited %d\n--- stdout\n%s\n--- stderr\n%s%s' % (
                mode, p.returncode, p.stdout[-6000:], p.stderr[-8000:], self.journal()))
        return p

    def log(self):
        """acceld's output (the systemd stand-in's journal), all of it."""
        try:
            with open(self.path('run', 'systemd', UNIT + '.log')) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def journal(self):
        """The end of acceld's output, for failure messages."""
        text = self.log()
        return '\n--- acceld\n%s' % text[-6000:] if text else ''

    def agent_pid(self):
        try:
            with open(self.path('run', 'systemd', UNIT + '.pid')) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return None
        try:
            with open('/proc/%d/stat' % pid) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            return None
        return None if state in 'ZX' else pid

    def kill_leftovers(self):
        pid = self.agent_pid()
        if pid:
            os.kill(pid, 9)


def expected_tree(host):
    p = subprocess.run([os.path.join(BIN, 'accelctl'), 'list', '-q', '-f',
                        'json', '--host', host, '--sysfs-root',
                        os.path.join(FX, FIXTURE, 'sys')],
                       capture_output=True, text=True, check=True)
    want = {}
    for d in json.loads(p.stdout)['devices']:
        if d['kind'] == 'display' or not d['resource_class']:
            continue
        name = '%s_%s' % (host, d['address'])
        want[name] = dict(uuid=str(uuid.uuid5(NS, name)), rc=d['resource_class'],
                          traits=set(d['traits']) | {OWNER})
    return want


def placement_tree(host):
    """{name: {uuid, parent, rc, traits}} below host's provider, read with the
    test harness's own Placement client as admin."""
    s = ostk.PlacementSession(PL)
    try:
        root = s.get('/resource_providers?name=%s' % host).json['resource_providers'][0]['uuid']
        out = {}
        for rp in s.get('/resource_providers?in_tree=%s' % root).json['resource_providers']:
            if rp['uuid'] == root:
                continue
            # acceld may still be writing: a provider it deletes meanwhile is skipped
            inv = s.get('/resource_providers/%s/inventories' % rp['uuid'], expect=(200, 404))
            tr = s.get('/resource_providers/%s/traits' % rp['uuid'], expect=(200, 404))
            if inv.status == 404 or tr.status == 404:
                continue
            out[rp['name']] = dict(uuid=rp['uuid'], parent=rp['parent_provider_uuid'],
                                   rc=sorted(inv.json['inventories']),
                                   traits=set(tr.json['traits']))
    finally:
        s.close()
    return root, out


class TestPlugin(unittest.TestCase):

    def test_stack_unstack_clean(self):
        sb = Sandbox()
        self.addCleanup(sb.kill_leftovers)
        p = sb.run('stack')
        # each phase did its part, in stack.sh's order (echo_summary lines)
        said = [s for s in ("Installing accelsched's prerequisites",
                            'Building and installing accelsched',
                            'Configuring accelsched (ACCELSCHED_MODE=placement)',
                            'Starting acceld',
                            "Checking that Placement holds this node's accelerators")
                if s in p.stdout]
        self.assertEqual(len(said), 5, p.stdout[-3000:])
        self.assertEqual(said, sorted(said, key=p.stdout.index))
        self.assertNotIn('[ERROR]', p.stderr)

        # nova.conf: Nova's filters and weighers kept, accelsched's added
        nova = read_ini(sb.path('etc', 'nova', 'nova.conf'))
        fs = nova['filter_scheduler']
        self.assertEqual(fs['available_filters'],
                         ['nova.scheduler.filters.all_filters', FILTER])
        enabled = fs['enabled_filters'][0].split(',')
        self.assertEqual(enabled[-1], 'AcceleratorFilter')
        self.assertIn('ComputeFilter', enabled)
        self.assertEqual(fs['weight_classes'],
                         ['nova.scheduler.weights.all_weighers,' + WEIGHER])
        self.assertEqual(nova['accelsched'], {'state_source': ['placement'],
                                              'refresh_interval': ['10'],
                                              'weight_multiplier': ['1.0']})

        # ... as nova-scheduler reads it, with the plugin the install put
        site = sb.path('usr', 'lib', 'python3', 'dist-packages')
        c = subprocess.run(['/usr/bin/python3', '-c', NOVA_CHILD,
                            sb.path('etc', 'nova', 'nova.conf')],
                           capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, PYTHONPATH=site))
        self.assertEqual(c.returncode, 0, c.stderr[-4000:])
        seen = json.loads(c.stdout.strip().splitlines()[-1])
        self.assertEqual(seen['missing'], [])
        self.assertTrue(seen['filter_file'].startswith(site + '/'), seen['filter_file'])
        self.assertEqual(seen['weighers'], [WEIGHER])
        self.assertGreater(seen['nova_weighers'], 0)
        self.assertEqual(seen['state_source'][0], 'placement')
        self.assertEqual(seen['refresh_interval'], 10)

        # accelsched.conf: 0600, the service user's keystoneauth options
        conf_path = sb.path('etc', 'accelsched', 'accelsched.conf')
        self.assertEqual(os.stat(conf_path).st_mode & 0o777, 0o600)
        conf = read_ini(conf_path)
        self.assertEqual(conf['placement']['username'], ['accelsched'])
        self.assertEqual(conf['placement']['auth_url'], [KS.base_url])
        self.assertEqual(conf['DEFAULT']['host'], [HOST])
        self.assertEqual(conf['discovery']['sysfs_root'], [os.path.join(FX, FIXTURE, 'sys')])
        # the service user exists in Keystone, with the roles DevStack's
        # create_service_user gives
        users = ostk.osc('user', 'list', '--project', 'service', keystone=KS)
        self.assertIn('accelsched', [u['Name'] for u in users])
        roles = ostk.osc('role', 'assignment', 'list', '--user', 'accelsched', '--project',
                         'service', '--names', keystone=KS)
        self.assertEqual(sorted(r['Role'] for r in roles), ['admin', 'service'])

        # the files went to the sandbox only
        with open(sb.path('opt', 'stack', 'data', 'accelsched', 'installed-files')) as f:
            installed = f.read().split()
        self.assertTrue(installed)
        for path in installed:
            self.assertTrue(path.startswith(sb.root + '/'), path)
            self.assertTrue(os.path.lexists(path), path)
        self.assertTrue(any(p.endswith('/acceld') for p in installed))
        self.assertTrue(os.path.isfile(sb.path('usr', 'lib', 'python3', 'dist-packages',
                                               'accelsched', 'nova', 'filters.py')))

        # acceld runs, from the sandbox's install, and has reported the node:
        # test-config's `acceld --once` said in sync; read it back here
        pid = sb.agent_pid()
        self.assertIsNotNone(pid, 'acceld is not running' + sb.journal())
        exe = os.readlink('/proc/%d/exe' % pid)
        self.assertTrue(exe.startswith(sb.root + '/usr/local/'), exe)
        want = expected_tree(HOST)
        self.assertGreater(len(want), 0)
        deadline = time.monotonic() + SYNC_DEADLINE
        while True:
            root, got = placement_tree(HOST)
            if sorted(got) == sorted(want) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(sorted(got), sorted(want), sb.journal())
        for name, w in want.items():
            self.assertEqual(got[name]['uuid'], w['uuid'], name)
            self.assertEqual(got[name]['parent'], root, name)
            self.assertEqual(got[name]['rc'], [w['rc']], name)
            self.assertEqual(got[name]['traits'], w['traits'], name)
        # the daemon itself synced too, not only test-config's acceld --once
        deadline = time.monotonic() + SYNC_DEADLINE
        while 'acceld: info: placement sync:' not in sb.log() and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertIn('acceld: info: placement sync:', sb.log(), sb.journal())
        self.assertIn('acceld: info: started: host %s' % HOST, sb.log(), sb.journal())

        # unstack: acceld stopped through stop_process, its unit disabled
        sb.run('unstack')
        self.assertIsNone(sb.agent_pid(), 'acceld still runs after unstack' + sb.journal())
        self.assertFalse(os.path.exists(sb.path('run', 'systemd', UNIT + '.enabled')))

        # stack.sh again without clean.sh: nothing doubled in nova.conf (its
        # filter_scheduler lines are the first run's but enabled_filters,
        # which harness.sh writes again as lib/nova does), acceld back
        first = read_ini(sb.path('etc', 'nova', 'nova.conf'))
        sb.run('stack')
        self.assertEqual(read_ini(sb.path('etc', 'nova', 'nova.conf')), first)
        self.assertIsNotNone(sb.agent_pid(), 'acceld is not running again' + sb.journal())
        sb.run('unstack')
        self.assertIsNone(sb.agent_pid())

        # clean: nothing of the plugin's is left; nova.conf as lib/nova wrote it
        sb.run('clean')
        nova = read_ini(sb.path('etc', 'nova', 'nova.conf'))
        self.assertEqual(nova, {'filter_scheduler': {
            'enabled_filters': [','.join(enabled[:-1])]}})
        left = walk(sb.root) - sb.before
        # DevStack's own, not the plugin's: the checkout's link, clouds.yaml,
        # nova.conf, the systemd stand-in's state, the CLI's cache
        devstack_own = {'opt/', 'opt/stack/', 'opt/stack/accelsched', 'opt/stack/data/',
                        'etc/openstack/', 'etc/openstack/clouds.yaml',
                        'etc/nova/', 'etc/nova/nova.conf', 'run/', 'run/systemd/', 'home/'}
        left = {p for p in left if p not in devstack_own and not p.startswith(
            ('run/systemd/', 'home/'))}
        self.assertEqual(sorted(left), [])

    def test_scheduler_only_node(self):
        """disable_service accelsched-agent (a controller without
        accelerators): nova-scheduler's side only, no acceld."""
        sb = Sandbox(lines=['disable_service accelsched-agent'])
        self.addCleanup(sb.kill_leftovers)
        p = sb.run('stack')
        self.assertNotIn('Starting acceld', p.stdout)
        nova = read_ini(sb.path('etc', 'nova', 'nova.conf'))
        self.assertEqual(nova['filter_scheduler']['available_filters'][-1], FILTER)
        self.assertIn('accelsched', nova)
        # no acceld configuration (the install layout's `make install` puts
        # the sample there, comments only; older Makefiles nothing)
        conf = sb.path('etc', 'accelsched', 'accelsched.conf')
        if os.path.exists(conf):
            with open(conf) as f, open(os.path.join(REPO, 'etc', 'accelsched.conf.sample')) as g:
                self.assertEqual(f.read(), g.read())
        self.assertIsNone(sb.agent_pid())
        self.assertFalse(os.path.exists(sb.path('etc', 'systemd', 'system', UNIT)))
        # the Nova plugin is installed all the same
        self.assertTrue(os.path.isfile(sb.path('usr', 'lib', 'python3', 'dist-packages',
                                               'accelsched', 'nova', 'weighers.py')))
        sb.run('unstack')
        sb.run('clean')
        self.assertNotIn('accelsched', read_ini(sb.path('etc', 'nova', 'nova.conf')))
        left = {p for p in walk(sb.root) - sb.before
                if not p.startswith(('home/', 'opt/', 'etc/openstack/', 'etc/nova/'))}
        self.assertEqual(sorted(left), [])

    def test_packages(self):
        """files/debs/accelsched, as DevStack reads it, names installed
        Debian packages (install-deps.sh installs the build's)."""
        sb = Sandbox()
        p = sb.run('packages')
        line = [ln for ln in p.stdout.splitlines() if ln.startswith('PACKAGES: ')]
        self.assertEqual(len(line), 1, p.stdout)
        pkgs = line[0].split()[1:]
        self.assertIn('libpci-dev', pkgs)
        for pkg in pkgs:
            q = subprocess.run(['dpkg-query', '-W', '-f=${Status}', pkg],
                               capture_output=True, text=True)
            self.assertEqual(q.stdout, 'install ok installed', pkg)

    def test_modes_not_built_are_refused(self):
        for mode, says in (('nova-pci', 'no Nova PCI passthrough mode yet'),
                           ('cyborg', 'no Cyborg driver yet'),
                           ('kafka', 'is not a mode')):
            with self.subTest(mode=mode):
                sb = Sandbox(mode=mode)
                p = sb.run('stack', check=False)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn('ACCELSCHED_MODE=%s' % mode, p.stderr)
                self.assertIn(says, p.stderr)
                self.assertIn('Set ACCELSCHED_MODE=placement' if mode != 'kafka'
                              else 'set ACCELSCHED_MODE=placement', p.stderr)
                # stopped before anything was installed or configured: the
                # sandbox has only the plugin's checkout and clouds.yaml
                # (harness.sh's, before pre-install)
                left = walk(sb.root) - sb.before
                self.assertEqual(sorted(p for p in left if not p.startswith('home/')), [
                    'etc/openstack/', 'etc/openstack/clouds.yaml', 'opt/',
                    'opt/stack/', 'opt/stack/accelsched'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
