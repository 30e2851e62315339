#!/usr/bin/python3
"""Real OpenStack Keystone and Placement for accelsched's integration tests.

What
    Starts Debian's real Keystone (python3-keystone) and Placement
    (python3-placement) on 127.0.0.1, each as ONE uwsgi process
    (``uwsgi --plugin python3 --http11-socket``, HTTP/1.1 keep-alive,
    a few threads) with a sqlite database, and gives tests:

    * ``Keystone``   -- keystone-manage db_sync / fernet_setup /
      credential_setup / bootstrap (admin user, admin project, RegionOne,
      identity endpoints public/internal/admin), plus helpers to create
      users, application credentials, issue and revoke tokens and register
      catalog entries.
    * ``Placement``  -- placement-manage db sync, ``[api] auth_strategy``
      keystone (keystonemiddleware against the Keystone above, service user
      ``placement``/admin in project ``service``, placement registered in the
      catalog) or noauth2; a per-request log (``requests()``) so tests can
      count exactly what a client sent.
    * ``FaultProxy`` -- a threaded HTTP/1.1 reverse proxy in front of the
      REAL Placement that injects 5xx answers, delays, malformed JSON and
      dropped connections on demand (thread-safe method calls), and counts
      what it forwarded.
    * ``osc()``      -- runs the real ``openstack`` CLI (osc-placement) and
      returns its parsed ``-f json`` output.
    * ``PlacementSession`` and helpers (``create_compute_node_provider``,
      ``make_allocation``, ``delete_allocation``) that talk to the real API.

How
    As a module (from a test)::

        sys.path.insert(0, 'tests/integration'); import openstack as ostk
        ks = ostk.Keystone(workdir, token_expiration=3600)
        pl = ostk.Placement(workdir, keystone=ks)
        ostk.start_all(ks, pl)      # or ks.start(); pl.start() (slower)
        s = ostk.PlacementSession(pl)              # admin token, keep-alive
        rp = ostk.create_compute_node_provider(s, 'compute1')
        n = pl.request_count(); ...; pl.requests(since=n)
        ostk.osc('resource', 'provider', 'list', keystone=ks)
        px = ostk.FaultProxy(pl.url).start(); pl.register_endpoint(px.url)
        px.fail(1, 503); ...; pl.register_endpoint(); px.stop()
        pl.stop(); ks.stop()                       # also done at exit

    Keystone and Placement may share one workdir (all files are prefixed
    ``keystone*`` / ``placement*``: .conf, .sqlite, .log, -setup.log, .pid,
    .port).  ``start()`` is idempotent: an initialised workdir is reused
    (same port, same data) and a stale uwsgi left in that workdir is stopped
    first.  Settings such as ``token_expiration`` are written to the config
    file at every start, so ``ks.token_expiration = 3; ks.restart()`` works.

    As a CLI (uses the same code; the uwsgi processes stay running)::

        /usr/bin/python3 tests/integration/openstack.py up --dir DIR [--noauth]
        . DIR/env.sh; openstack resource provider list
        /usr/bin/python3 tests/integration/openstack.py status --dir DIR
        /usr/bin/python3 tests/integration/openstack.py down --dir DIR

    ``up`` writes DIR/env.sh (OS_* for the admin) and DIR/accelsched.conf (a
    ``[placement]`` section with keystoneauth option names); with --noauth
    only Placement runs (noauth2) and both use auth_type admin_token with
    token ``admin``.

Timing (2-core machine): a fresh Keystone + Placement with start_all()
    about 12 s (keystone-manage 5.5 s || placement-manage 5 s, then both
    uwsgi imports, Keystone ~4.5 s); a restart of an initialised workdir
    about 5 s; Placement alone (noauth2) about 4.5 s fresh, 2.3 s restart.

Limits and choices
    * Debian's system Python only (/usr/bin/python3); nothing from pip.
    * 127.0.0.1 only; ports are picked by binding port 0 (tiny race).
    * No memcache.  Keystone uses an in-process dogpile memory cache (one
      process, so it stays coherent; without it each authenticated request
      costs ~400 SQL statements, 0.6 s).  Placement's keystonemiddleware runs
      with ``token_cache_time = -1`` by default, so a revoked or expired
      token is refused at once (each Placement request then validates its
      token in Keystone, ~0.1 s); ``token_cache_time=300`` is the
      production default.
    * sqlite files are switched to WAL and opened with ``timeout=30``:
      Keystone 22 leaks one read transaction per token issued (federation's
      get_enabled_service_providers returns a live Query), which in sqlite's
      default journal mode locks every writer out until garbage collection.
    * uwsgi runs 16 threads in its one process: each HTTP/1.1 keep-alive
      connection holds a thread until closed or idle for 5 s
      (``socket_timeout``); a 17th simultaneous connection waits.  uwsgi
      does not answer ``Expect: 100-continue`` (curl waits 1 s; libcurl only
      sends it for bodies over 1 MiB).
    * Non-daemon servers are started with PR_SET_PDEATHSIG (SIGKILLed when
      the *thread* that started them ends) and stopped at interpreter exit;
      the CLI ``up`` starts them detached instead.
    * The Placement request log (uwsgi lines tagged ``REQ|`` in
      placement.log) counts everything Placement served, including the
      harness's own readiness probes and helper calls; take
      ``n = request_count()`` just before the code under test and read
      ``requests(since=n)``.
    * A password change revokes the user's tokens with one-second
      precision; create_user() waits for the next second after one.
"""

import argparse
import atexit
import collections
import ctypes
import grp
import http
import http.client
import http.server
import json
import os
import pwd
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

PYTHON = '/usr/bin/python3'
UWSGI = '/usr/bin/uwsgi-core' if os.path.exists('/usr/bin/uwsgi-core') \
    else (shutil.which('uwsgi') or '/usr/bin/uwsgi')
KEYSTONE_WSGI = '/usr/bin/keystone-wsgi-public'
KEYSTONE_MANAGE = '/usr/bin/keystone-manage'
PLACEMENT_WSGI = '/usr/bin/placement-api'
PLACEMENT_MANAGE = '/usr/bin/placement-manage'
OPENSTACK_CLI = '/usr/bin/openstack'

REGION = 'RegionOne'
ADMIN_USER = 'admin'
ADMIN_PASSWORD = 'admin-secret'
ADMIN_PROJECT = 'admin'
DEFAULT_DOMAIN = 'Default'
SERVICE_PROJECT = 'service'
PLACEMENT_SERVICE_USER = 'placement'
PLACEMENT_SERVICE_PASSWORD = 'placement-secret'
# osc-placement 4.0 (Debian bookworm) knows microversions up to 1.39, the same
# maximum as Placement 8.0 (Zed).
OSC_PLACEMENT_API_VERSION = '1.39'
PLACEMENT_API_VERSION = '1.39'
ALL_INTERFACES = ('public', 'internal', 'admin')

# uwsgi logs one line per request, in this format, to placement.log (the
# same file as the application's log; the 'REQ|' tag tells them apart).  The
# microversion header contains a space ("placement 1.39"), so fields are
# separated by '|', and the URI (no raw spaces or '|') comes last.
_REQ_LOGFORMAT = ('REQ|%(epoch)|%(method)|%(status)|%(msecs)|'
                  '%(var.HTTP_OPENSTACK_API_VERSION)|%(uri)')
_REQ_RE = re.compile(r'REQ\|(\d+)\|([A-Z]+)\|(\d+)\|(\d+)\|([^|\n]*)\|(\S*)$')

Request = collections.namedtuple('Request', 'method path status')
RequestDetail = collections.namedtuple(
    'RequestDetail', 'method path status epoch msecs microversion')


# --------------------------------------------------------------------------
# process plumbing
# --------------------------------------------------------------------------

_LIVE = set()          # services started (non-daemon) by this interpreter
_LIVE_LOCK = threading.Lock()


def _stop_all_at_exit():
    with _LIVE_LOCK:
        live = list(_LIVE)
    for svc in live:
        try:
            svc.stop()
        except Exception as exc:  # pragma: no cover - best effort
            sys.stderr.write('openstack.py: stopping %s: %s\n' % (svc, exc))


atexit.register(_stop_all_at_exit)

_libc = None
try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
except (OSError, AttributeError):  # pragma: no cover
    _prctl = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: SIGKILL the child when the thread that forked it dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _clean_env(extra=None):
    """Environment for OpenStack subprocesses: system Python, no OS_* leaks."""
    drop = ('OS_', 'PYTHON', 'VIRTUAL_ENV', 'UWSGI_', 'PYENV', 'CONDA')
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env['PATH'] = '/usr/sbin:/usr/bin:/sbin:/bin'
    env.setdefault('LANG', 'C.UTF-8')
    env['LC_ALL'] = 'C.UTF-8'
    if extra:
        env.update(extra)
    return env


def free_port():
    """A currently free TCP port on 127.0.0.1 (bind port 0, then close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _tail(path, lines=40):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            data = f.read().decode('utf-8', 'replace')
    except OSError as exc:
        return '(no log %s: %s)' % (path, exc)
    return '\n'.join(data.splitlines()[-lines:])


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state not in ('Z', 'X')
    except (OSError, IndexError):
        return False


def _pid_cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().replace(b'\0', b' ').decode('utf-8', 'replace')
    except OSError:
        return ''


def _run(cmd, log, env=None, timeout=300):
    """Run a setup command, appending its output to `log`; raise on error."""
    with open(log, 'ab') as out:
        out.write(('\n$ %s\n' % ' '.join(shlex.quote(c) for c in cmd))
                  .encode())
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env,
                              timeout=timeout, preexec_fn=_die_with_parent)
    if proc.returncode != 0:
        raise RuntimeError('%s failed (exit %d); log %s:\n%s' % (
            ' '.join(cmd[:4]), proc.returncode, log, _tail(log)))


class HTTPError(Exception):
    def __init__(self, method, url, status, body):
        self.method, self.url, self.status, self.body = \
            method, url, status, body
        super().__init__('%s %s -> %s: %s' % (method, url, status,
                                               body[:2000]))


Response = collections.namedtuple('Response', 'status headers body json')


def http_request(url, method='GET', path='', body=None, headers=None,
                 timeout=30, expect=None):
    """One request on a fresh connection; returns a Response.

    `url` is the base (http://127.0.0.1:PORT[/prefix]); `path` is appended.
    `body` may be bytes/str (sent as is) or any JSON-serialisable object.
    `expect` is a status or tuple of statuses; others raise HTTPError.
    """
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80,
                                      timeout=timeout)
    try:
        return _do_request(conn, u.path.rstrip('/') + path, method, body,
                           headers, expect, url + path)
    finally:
        conn.close()


def _do_request(conn, fullpath, method, body, headers, expect, label):
    hdrs = {'Accept': 'application/json'}
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        hdrs['Content-Type'] = 'application/json'
    if isinstance(body, str):
        body = body.encode()
    hdrs.update(headers or {})
    conn.request(method, fullpath or '/', body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    parsed = None
    if data and 'json' in (resp.getheader('Content-Type') or ''):
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
    r = Response(resp.status, resp.headers, data, parsed)
    if expect is not None:
        ok = (expect,) if isinstance(expect, int) else tuple(expect)
        if r.status not in ok:
            raise HTTPError(method, label, r.status,
                            data.decode('utf-8', 'replace'))
    return r


class _UwsgiService:
    """One uwsgi process serving one WSGI script on 127.0.0.1:port."""

    name = None            # 'keystone' / 'placement'
    wsgi_script = None
    ready_path = '/'
    threads = 16
    socket_timeout = 5

    def __init__(self, workdir, port=None, daemon=False, start_timeout=90):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.daemon = daemon
        self.start_timeout = start_timeout
        self._proc = None
        self._port = port
        self.ready_seconds = None   # last start(): spawn -> API answers
        self.setup_seconds = None   # last start(): one-time initialisation
        if self._port is None and os.path.exists(self.port_file):
            with open(self.port_file) as f:
                self._port = int(f.read().strip())

    def __repr__(self):
        return '<%s %s port=%s>' % (type(self).__name__, self.workdir,
                                    self._port)

    # files
    def _f(self, suffix):
        return os.path.join(self.workdir, self.name + suffix)

    @property
    def conf_file(self):
        return self._f('.conf')

    @property
    def log_file(self):
        return self._f('.log')

    @property
    def setup_log(self):
        return self._f('-setup.log')

    @property
    def pid_file(self):
        return self._f('.pid')

    @property
    def port_file(self):
        return self._f('.port')

    @property
    def port(self):
        if self._port is None:
            self._port = free_port()
            with open(self.port_file, 'w') as f:
                f.write('%d\n' % self._port)
        return self._port

    @property
    def base_url(self):
        return 'http://127.0.0.1:%d' % self.port

    # hooks
    def _write_config(self):
        raise NotImplementedError

    def _initialise(self):
        raise NotImplementedError

    def _uwsgi_env(self):
        return {}

    def _extra_uwsgi_args(self):
        return []

    # lifecycle
    def pid(self):
        """pid of the running uwsgi for this workdir, or None."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        try:
            with open(self.pid_file) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        cmdline = _pid_cmdline(pid)
        if _pid_alive(pid) and self.workdir in cmdline and \
                self.wsgi_script in cmdline:
            return pid
        return None

    def running(self):
        return self.pid() is not None

    def start(self):
        """Initialise the workdir if needed, start uwsgi, wait until the
        API answers (raises with the log tail otherwise).  Idempotent."""
        if self._proc is not None and self._proc.poll() is None:
            return self
        self._prepare()
        self._spawn()
        self._finish_start()
        return self

    # start() in phases, so that start_all() can overlap two services.
    def _prepare(self):
        self.stop()                       # stale process from an old run
        self._t0 = time.monotonic()
        self.port                         # fixes the port before config
        self._write_config()
        self._initialise()
        self.setup_seconds = time.monotonic() - self._t0

    def _spawn(self):
        self._t1 = time.monotonic()
        cmd = [UWSGI, '--plugin', 'python3',
               '--http11-socket', '127.0.0.1:%d' % self.port,
               '--wsgi-file', self.wsgi_script,
               '--processes', '1', '--threads', str(self.threads),
               '--enable-threads', '--need-app',
               '--buffer-size', '65535',
               '--socket-timeout', str(self.socket_timeout),
               '--chdir', self.workdir,
               '--ignore-sigpipe', '--ignore-write-errors',
               '--disable-write-exception',
               '--die-on-term', '--skip-atexit-teardown']
        for k, v in sorted(self._uwsgi_env().items()):
            cmd += ['--env', '%s=%s' % (k, v)]
        cmd += self._extra_uwsgi_args()
        with open(self.log_file, 'ab') as log:
            log.write(('\n===== %s start %s\n' % (
                self.name, time.strftime('%Y-%m-%d %H:%M:%S'))).encode())
            log.flush()
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=_clean_env(),
                cwd=self.workdir, start_new_session=True,
                preexec_fn=None if self.daemon else _die_with_parent)
        with open(self.pid_file, 'w') as f:
            f.write('%d\n' % self._proc.pid)
        if not self.daemon:
            with _LIVE_LOCK:
                _LIVE.add(self)

    def _finish_start(self):
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.monotonic() - self._t1

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while True:
            rc = self._proc.poll()
            if rc is not None:
                raise RuntimeError('%s uwsgi exited with %s before answering '
                                   'on %s; log %s:\n%s' % (
                                       self.name, rc, self.base_url,
                                       self.log_file, _tail(self.log_file)))
            try:
                r = http_request(self.base_url, 'GET', self.ready_path,
                                 timeout=5)
                if r.status < 500:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError('%s did not answer on %s within %ss; log '
                                   '%s:\n%s' % (self.name, self.base_url,
                                                self.start_timeout,
                                                self.log_file,
                                                _tail(self.log_file)))
            time.sleep(0.05)

    def stop(self, timeout=10):
        pid = self.pid()
        proc = self._proc
        if pid is not None:
            for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    if proc is not None and proc.pid == pid:
                        if proc.poll() is not None:
                            break
                    elif not _pid_alive(pid):
                        break
                    time.sleep(0.02)
                else:
                    continue
                break
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            self._proc = None
        try:
            os.unlink(self.pid_file)
        except FileNotFoundError:
            pass
        with _LIVE_LOCK:
            _LIVE.discard(self)
        return self

    def restart(self):
        self.stop()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _sqlite_url(path):
    # timeout: sqlite serialises writers, let them queue instead of failing.
    # check_same_thread=false: Keystone leaks a read connection per token
    # (federation's get_enabled_service_providers returns a live Query) and
    # the garbage collector may finalise it from another uwsgi thread.
    return 'sqlite:///%s?timeout=30&check_same_thread=false' % path


def _sqlite_wal(path):
    """Switch a sqlite database to WAL (persistent in the file): readers and
    the writer stop blocking each other, so a leaked read transaction (see
    _sqlite_url) cannot lock writers out until it is garbage collected."""
    import sqlite3
    con = sqlite3.connect(path, timeout=30)
    try:
        mode = con.execute('PRAGMA journal_mode=WAL').fetchone()[0]
    finally:
        con.close()
    if mode.lower() != 'wal':
        raise RuntimeError('%s: cannot switch to WAL (%s)' % (path, mode))


def _set_cfg(path, sections):
    """Write an INI file from {section: {key: value}} (values str()-ed)."""
    lines = []
    for sect, opts in sections.items():
        lines.append('[%s]' % sect)
        for k, v in opts.items():
            if v is None:
                continue
            if isinstance(v, bool):
                v = 'true' if v else 'false'
            lines.append('%s = %s' % (k, v))
        lines.append('')
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Keystone
# --------------------------------------------------------------------------

# keystone-manage CMD1; keystone-manage CMD2; ... in one interpreter.
_KEYSTONE_MANAGE_MANY = """
import json, sys
from keystone.cmd import cli
from keystone.conf import CONF
conf, steps = sys.argv[1], json.loads(sys.argv[2])
for step in steps:
    print('=== keystone-manage --config-file %s %s' % (conf, ' '.join(step)),
          flush=True)
    CONF.clear()
    cli.main(argv=['keystone-manage', '--config-file', conf] + step)
"""


class Keystone(_UwsgiService):
    """Debian's Keystone, sqlite + fernet, one uwsgi process on 127.0.0.1.

    `url` is the identity v3 endpoint (http://127.0.0.1:PORT/v3).  The admin
    is ADMIN_USER/ADMIN_PASSWORD in project ADMIN_PROJECT, domain Default.
    """

    name = 'keystone'
    wsgi_script = KEYSTONE_WSGI
    ready_path = '/v3'

    def __init__(self, workdir, token_expiration=3600, port=None,
                 admin_password=ADMIN_PASSWORD, daemon=False,
                 start_timeout=90, debug=False):
        super().__init__(workdir, port=port, daemon=daemon,
                         start_timeout=start_timeout)
        self.token_expiration = int(token_expiration)
        self.admin_password = admin_password
        self.debug = debug
        self._admin_token = None
        self._admin_token_at = 0.0

    @property
    def url(self):
        return self.base_url + '/v3'

    @property
    def db_file(self):
        return self._f('.sqlite')

    @property
    def _done_marker(self):
        return self._f('.initialised')

    def _write_config(self):
        _set_cfg(self.conf_file, {
            'DEFAULT': {'debug': self.debug, 'use_stderr': True},
            'database': {'connection': _sqlite_url(self.db_file)},
            'token': {'provider': 'fernet',
                      'expiration': self.token_expiration},
            'fernet_tokens': {'key_repository': self._f('-fernet-keys'),
                              'max_active_keys': 3},
            'fernet_receipts': {'key_repository': self._f('-receipt-keys')},
            'credential': {'key_repository': self._f('-credential-keys')},
            # Without a cache Keystone runs ~400 SQL statements per
            # authenticated request (0.6 s on sqlite).  An in-process
            # dogpile memory cache is coherent here (one process) and
            # Keystone invalidates it itself on writes and revocations.
            'cache': {'enabled': True, 'backend': 'dogpile.cache.memory',
                      'expiration_time': 600},
            'catalog': {'driver': 'sql'},
            'identity': {'password_hash_algorithm': 'bcrypt',
                         # bcrypt's minimum: fast test logins
                         'password_hash_rounds': 4},
            'oslo_policy': {'policy_file': self._f('-policy.yaml')},
            'oslo_concurrency': {'lock_path': self._f('-locks')},
        })

    def _initialise(self):
        if os.path.exists(self._done_marker):
            return
        env = _clean_env()
        base = [PYTHON, KEYSTONE_MANAGE, '--config-file', self.conf_file]
        try:
            os.unlink(self.db_file)
        except FileNotFoundError:
            pass
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        for d in ('-fernet-keys', '-receipt-keys', '-credential-keys'):
            shutil.rmtree(self._f(d), ignore_errors=True)
            os.makedirs(self._f(d), mode=0o700)
        log = self.setup_log
        steps = [
            ['db_sync'],
            ['fernet_setup', '--keystone-user', user,
             '--keystone-group', group],
            ['credential_setup', '--keystone-user', user,
             '--keystone-group', group],
            ['bootstrap',
             '--bootstrap-username', ADMIN_USER,
             '--bootstrap-password', self.admin_password,
             '--bootstrap-project-name', ADMIN_PROJECT,
             '--bootstrap-role-name', 'admin',
             '--bootstrap-service-name', 'keystone',
             '--bootstrap-region-id', REGION,
             '--bootstrap-admin-url', self.url,
             '--bootstrap-public-url', self.url,
             '--bootstrap-internal-url', self.url],
        ]
        try:
            # Importing keystone costs ~4 s: run the four keystone-manage
            # commands in one interpreter (keystone.cmd.cli.main, as
            # /usr/bin/keystone-manage does) ...
            _run([PYTHON, '-c', _KEYSTONE_MANAGE_MANY, self.conf_file,
                  json.dumps(steps)], log, env)
        except RuntimeError:
            # ... or, should that ever break, one keystone-manage each.
            with open(log, 'a') as f:
                f.write('\ncombined keystone-manage run failed; '
                        'retrying command by command\n')
            for path in (self.db_file, self.db_file + '-wal',
                         self.db_file + '-shm'):
                if os.path.exists(path):
                    os.unlink(path)
            for step in steps:
                _run(base + step, log, env)
        _sqlite_wal(self.db_file)
        with open(self._done_marker, 'w') as f:
            f.write('ok\n')

    def _uwsgi_env(self):
        return {'OS_KEYSTONE_CONFIG_FILES': self.conf_file}

    def _spawn(self):
        self._admin_token = None
        super()._spawn()

    # -- REST helpers ------------------------------------------------------

    def api(self, method, path, body=None, token=None, headers=None,
            expect=(200, 201, 202, 204)):
        """Identity API call (path relative to /v3) as admin by default."""
        hdrs = dict(headers or {})
        hdrs['X-Auth-Token'] = token or self.admin_token()
        return http_request(self.url, method, path, body, hdrs, expect=expect)

    def admin_token(self):
        age = time.monotonic() - self._admin_token_at
        if self._admin_token is None or age > self.token_expiration / 3.0:
            self._admin_token = self.issue_token()
            self._admin_token_at = time.monotonic()
        return self._admin_token

    def issue_token(self, user=ADMIN_USER, password=None,
                    project=ADMIN_PROJECT, domain=DEFAULT_DOMAIN,
                    project_domain=DEFAULT_DOMAIN,
                    application_credential=None, unscoped=False,
                    return_body=False):
        """POST /v3/auth/tokens.  Returns the token (and the body if asked).

        application_credential=(id, secret) or a dict with id/secret uses
        the application_credential method (scope comes from the credential).
        """
        if application_credential is not None:
            ac = application_credential
            if isinstance(ac, dict):
                ac = (ac['id'], ac['secret'])
            auth = {'identity': {'methods': ['application_credential'],
                                 'application_credential': {
                                     'id': ac[0], 'secret': ac[1]}}}
        else:
            if password is None:
                password = self.admin_password if user == ADMIN_USER \
                    else None
            auth = {'identity': {'methods': ['password'], 'password': {
                'user': {'name': user, 'password': password,
                         'domain': {'name': domain}}}}}
            if not unscoped and project:
                auth['scope'] = {'project': {
                    'name': project, 'domain': {'name': project_domain}}}
        r = http_request(self.url, 'POST', '/auth/tokens', {'auth': auth},
                         expect=201)
        tok = r.headers['X-Subject-Token']
        return (tok, r.json) if return_body else tok

    def validate_token(self, token):
        """Status of GET /v3/auth/tokens for `token` (200 valid, 404 not)."""
        return self.api('GET', '/auth/tokens',
                        headers={'X-Subject-Token': token}, expect=None).status

    def revoke_token(self, token):
        """DELETE /v3/auth/tokens (refused at once by Placement, since
        keystonemiddleware's token cache is off by default)."""
        self.api('DELETE', '/auth/tokens', headers={'X-Subject-Token': token},
                 expect=204)

    def _find(self, collection, key, **query):
        q = urllib.parse.urlencode(query)
        items = self.api('GET', '/%s?%s' % (collection, q),
                         expect=200).json[collection]
        return items[0] if items else None

    def domain_id(self, domain=DEFAULT_DOMAIN):
        if domain in ('default', 'Default'):
            return 'default'
        d = self._find('domains', 'domain', name=domain)
        if d is None:
            d = self.api('POST', '/domains', {'domain': {'name': domain}},
                         expect=201).json['domain']
        return d['id']

    def ensure_project(self, name, domain=DEFAULT_DOMAIN):
        did = self.domain_id(domain)
        p = self._find('projects', 'project', name=name, domain_id=did)
        if p is None:
            p = self.api('POST', '/projects', {'project': {
                'name': name, 'domain_id': did}}, expect=201).json['project']
        return p

    def ensure_role(self, name):
        r = self._find('roles', 'role', name=name)
        if r is None:
            r = self.api('POST', '/roles', {'role': {'name': name}},
                         expect=201).json['role']
        return r

    def _password_works(self, name, password, domain):
        auth = {'identity': {'methods': ['password'], 'password': {
            'user': {'name': name, 'password': password,
                     'domain': {'name': domain}}}}}
        r = http_request(self.url, 'POST', '/auth/tokens', {'auth': auth})
        return r.status == 201

    def create_user(self, name, password, project, roles=('member',),
                    domain=DEFAULT_DOMAIN):
        """Create (or update the password of) a user with roles on a project.

        Returns {'id', 'name', 'project_id', 'domain_id'}."""
        did = self.domain_id(domain)
        proj = self.ensure_project(project, domain)
        u = self._find('users', 'user', name=name, domain_id=did)
        if u is None:
            u = self.api('POST', '/users', {'user': {
                'name': name, 'password': password, 'domain_id': did,
                'default_project_id': proj['id'], 'enabled': True}},
                expect=201).json['user']
        elif not self._password_works(name, password, domain):
            self.api('PATCH', '/users/%s' % u['id'], {'user': {
                'password': password, 'enabled': True}}, expect=200)
            # A password change revokes the user's tokens issued up to now,
            # at one-second resolution: wait so that new tokens are valid.
            time.sleep(1.05 - (time.time() % 1.0))
        if isinstance(roles, str):
            roles = (roles,)
        for role in roles:
            rid = self.ensure_role(role)['id']
            self.api('PUT', '/projects/%s/users/%s/roles/%s' % (
                proj['id'], u['id'], rid), expect=204)
        return {'id': u['id'], 'name': name, 'project_id': proj['id'],
                'domain_id': did}

    def create_application_credential(self, user, password, project,
                                      name=None, roles=None,
                                      unrestricted=False, expires_at=None,
                                      domain=DEFAULT_DOMAIN,
                                      access_rules=None):
        """Create an application credential as `user` (Keystone only lets a
        user create its own).  roles: names (default: all the user's roles
        on the project).  Returns {'id', 'secret', 'name', 'user_id',
        'project_id'}."""
        tok, body = self.issue_token(user, password, project, domain,
                                     domain, return_body=True)
        uid = body['token']['user']['id']
        ac = {'name': name or 'ac-%s' % uuid.uuid4().hex[:8],
              'unrestricted': bool(unrestricted)}
        if roles is not None:
            ac['roles'] = [{'name': r} for r in roles]
        if expires_at is not None:
            ac['expires_at'] = expires_at
        if access_rules is not None:
            ac['access_rules'] = access_rules
        r = self.api('POST', '/users/%s/application_credentials' % uid,
                     {'application_credential': ac}, token=tok,
                     expect=201).json['application_credential']
        return {'id': r['id'], 'secret': r['secret'], 'name': r['name'],
                'user_id': uid, 'project_id': r.get('project_id')}

    def add_service_endpoint(self, service_type, name, url, region=REGION,
                             interfaces=ALL_INTERFACES):
        """Register (or re-point) a catalog service and its endpoints.

        Idempotent: an existing endpoint for (service, interface, region)
        gets its URL updated, so this also switches Placement's catalog
        entry to a FaultProxy.  Returns the service id."""
        svcs = self.api('GET', '/services?type=%s' % urllib.parse.quote(
            service_type), expect=200).json['services']
        svc = next((s for s in svcs if s.get('name') == name), None)
        if svc is None:
            svc = self.api('POST', '/services', {'service': {
                'type': service_type, 'name': name, 'enabled': True}},
                expect=201).json['service']
        if self.api('GET', '/regions/%s' % urllib.parse.quote(region),
                    expect=(200, 404)).status == 404:
            self.api('POST', '/regions', {'region': {'id': region}},
                     expect=(201, 409))
        eps = self.api('GET', '/endpoints?service_id=%s' % svc['id'],
                       expect=200).json['endpoints']
        for iface in interfaces:
            ep = next((e for e in eps if e['interface'] == iface and
                       e.get('region_id') == region), None)
            if ep is None:
                self.api('POST', '/endpoints', {'endpoint': {
                    'service_id': svc['id'], 'interface': iface,
                    'region_id': region, 'url': url, 'enabled': True}},
                    expect=201)
            elif ep['url'] != url:
                self.api('PATCH', '/endpoints/%s' % ep['id'], {'endpoint': {
                    'url': url}}, expect=200)
        return svc['id']

    def catalog(self, token=None):
        return self.api('GET', '/auth/catalog', token=token,
                        expect=200).json['catalog']


# --------------------------------------------------------------------------
# Placement
# --------------------------------------------------------------------------

class Placement(_UwsgiService):
    """Debian's Placement, one uwsgi process on 127.0.0.1.

    auth_strategy 'keystone' (needs `keystone`) or 'noauth2' (clients send
    ``X-Auth-Token: admin`` or ``user:project``).  db: 'sqlite' or an
    SQLAlchemy URL (e.g. postgresql+psycopg2://...).
    """

    name = 'placement'
    wsgi_script = PLACEMENT_WSGI
    ready_path = '/'

    def __init__(self, workdir, keystone=None, auth_strategy=None,
                 db='sqlite', port=None, token_cache_time=-1,
                 register_catalog=True, daemon=False, start_timeout=90,
                 debug=False):
        super().__init__(workdir, port=port, daemon=daemon,
                         start_timeout=start_timeout)
        if auth_strategy is None:
            auth_strategy = 'keystone' if keystone is not None else 'noauth2'
        if auth_strategy not in ('keystone', 'noauth2'):
            raise ValueError('auth_strategy: keystone or noauth2')
        if auth_strategy == 'keystone' and keystone is None:
            raise ValueError("auth_strategy='keystone' needs a Keystone")
        self.keystone = keystone
        self.auth_strategy = auth_strategy
        self.db = db
        self.token_cache_time = token_cache_time
        self.register_catalog = register_catalog
        self.debug = debug
        self._catalog_url = None

    @property
    def url(self):
        return self.base_url

    @property
    def db_url(self):
        if self.db == 'sqlite':
            return _sqlite_url(self._f('.sqlite'))
        return self.db

    @property
    def request_log(self):
        return self.log_file

    @property
    def _done_marker(self):
        return self._f('.initialised')

    def _write_config(self):
        sections = {
            'DEFAULT': {'debug': self.debug, 'use_stderr': True},
            'api': {'auth_strategy': self.auth_strategy},
            'placement_database': {'connection': self.db_url},
            'oslo_policy': {'policy_file': self._f('-policy.yaml')},
            'oslo_concurrency': {'lock_path': self._f('-locks')},
        }
        if self.keystone is not None:
            ks = self.keystone
            sections['keystone_authtoken'] = {
                'www_authenticate_uri': ks.url,
                'auth_url': ks.url,
                'auth_type': 'password',
                'username': PLACEMENT_SERVICE_USER,
                'password': PLACEMENT_SERVICE_PASSWORD,
                'user_domain_name': DEFAULT_DOMAIN,
                'project_name': SERVICE_PROJECT,
                'project_domain_name': DEFAULT_DOMAIN,
                'region_name': REGION,
                'interface': 'internal',
                'token_cache_time': self.token_cache_time,
                'http_connect_timeout': 10,
                'http_request_max_retries': 1,
            }
        _set_cfg(self.conf_file, sections)

    def _initialise(self):
        self._initialise_db()
        if self.keystone is not None and not self.keystone.running():
            self.keystone.start()
        self._initialise_keystone()

    def _initialise_keystone(self):
        """Service user placement (admin in project service) and the
        catalog entry; needs Keystone answering."""
        if self.keystone is None:
            return
        self.keystone.create_user(PLACEMENT_SERVICE_USER,
                                  PLACEMENT_SERVICE_PASSWORD,
                                  SERVICE_PROJECT, roles=('admin',))
        if self.register_catalog:
            self.register_endpoint(self._catalog_url)

    def _initialise_db(self):
        marker = self.db_url
        try:
            with open(self._done_marker) as f:
                if f.read().strip() == marker:
                    return
        except OSError:
            pass
        if self.db == 'sqlite':
            for sfx in ('.sqlite', '.sqlite-wal', '.sqlite-shm'):
                try:
                    os.unlink(self._f(sfx))
                except FileNotFoundError:
                    pass
        _run([PYTHON, PLACEMENT_MANAGE, '--config-file', self.conf_file,
              'db', 'sync'], self.setup_log, _clean_env())
        if self.db == 'sqlite':
            _sqlite_wal(self._f('.sqlite'))
        with open(self._done_marker, 'w') as f:
            f.write(marker + '\n')

    def register_endpoint(self, url=None):
        """Point the catalog's placement endpoints at `url` (default: this
        Placement; pass a FaultProxy's url to route clients through it).
        Remembered: a restart of Placement registers the same URL again."""
        self._catalog_url = url
        return self.keystone.add_service_endpoint(
            'placement', 'placement', url or self.url)

    def _uwsgi_env(self):
        return {'OS_PLACEMENT_CONFIG_DIR': self.workdir}

    def _extra_uwsgi_args(self):
        # A separate --req-logger would make uwsgi add a master process;
        # request lines go to the main log instead, tagged 'REQ|'.
        return ['--logformat', _REQ_LOGFORMAT]

    # -- request log -------------------------------------------------------

    def _read_log(self, settle):
        # uwsgi logs a request right after it has sent the response, so a
        # client may see the answer a moment before the line is written:
        # wait until the file stops growing for `settle` seconds.
        last = -1
        deadline = time.monotonic() + max(settle * 10, 1.0)
        while settle > 0 and time.monotonic() < deadline:
            try:
                size = os.path.getsize(self.request_log)
            except FileNotFoundError:
                size = 0
            if size == last:
                break
            last = size
            time.sleep(settle)
        out = []
        try:
            with open(self.request_log, encoding='utf-8',
                      errors='replace') as f:
                for line in f:
                    m = _REQ_RE.search(line)
                    if m is None:
                        continue
                    mv = m.group(5).strip()
                    if mv in ('', '-'):
                        mv = None
                    out.append(RequestDetail(m.group(2), m.group(6),
                                             int(m.group(3)),
                                             int(m.group(1)),
                                             int(m.group(4)), mv))
        except FileNotFoundError:
            pass
        return out

    def requests_detailed(self, since=0, settle=0.05):
        """[RequestDetail(method, path, status, epoch, msecs, microversion)]
        for every request Placement served, oldest first, from index
        `since` on.  path is the request target including its query."""
        return self._read_log(settle)[since:]

    def requests(self, since=0, settle=0.05):
        """[(method, path, status)] served since index `since`."""
        return [Request(d.method, d.path, d.status)
                for d in self.requests_detailed(since, settle)]

    def request_count(self, settle=0.05):
        """Number of requests served so far (use as `since=`)."""
        return len(self._read_log(settle))

    def session(self, **kw):
        """A PlacementSession as admin (or noauth2 admin)."""
        return PlacementSession(self, **kw)


# --------------------------------------------------------------------------
# A small Placement client
# --------------------------------------------------------------------------

class PlacementSession:
    """Keep-alive HTTP client for Placement with a Keystone token.

    target: a Placement (its url, its keystone and auth_strategy are used)
    or a base URL string (then pass keystone= or token=).  version: default
    microversion ('1.39'); per-request `version=` overrides (None: no
    header, i.e. 1.0).  With keystone credentials, a 401 triggers one
    re-authentication and retry; a fixed `token=` is never renewed.
    """

    def __init__(self, target, keystone=None, user=ADMIN_USER, password=None,
                 project=ADMIN_PROJECT, domain=DEFAULT_DOMAIN, token=None,
                 version=PLACEMENT_API_VERSION, url=None, timeout=60,
                 application_credential=None):
        if isinstance(target, Placement):
            self.url = url or target.url
            keystone = keystone or target.keystone
            noauth = target.auth_strategy == 'noauth2'
        else:
            self.url = url or target
            noauth = keystone is None and token is None
        self.keystone = None if noauth else keystone
        self.version = version
        self.timeout = timeout
        self._creds = dict(user=user, password=password, project=project,
                           domain=domain, project_domain=domain,
                           application_credential=application_credential)
        self._fixed = token is not None or noauth
        self.token = token if token is not None else \
            ('admin' if noauth else None)
        self._conn = None
        self._lock = threading.Lock()
        u = urllib.parse.urlsplit(self.url)
        self._host, self._port = u.hostname, u.port or 80
        self._prefix = u.path.rstrip('/')

    def authenticate(self):
        if self._fixed:
            return self.token
        c = self._creds
        if c['application_credential'] is not None:
            self.token = self.keystone.issue_token(
                application_credential=c['application_credential'])
        else:
            self.token = self.keystone.issue_token(
                c['user'], c['password'], c['project'], c['domain'],
                c['project_domain'])
        return self.token

    def close(self):
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self):
        c = self._conn
        if c is not None and c.sock is not None:
            # Drop a connection the server closed while idle (uwsgi's
            # socket-timeout) without masking faults on live ones.
            try:
                r, _, _ = select.select([c.sock], [], [], 0)
                if r and not c.sock.recv(1, socket.MSG_PEEK):
                    c.close()
                    c = None
            except OSError:
                c.close()
                c = None
        if c is None:
            c = http.client.HTTPConnection(self._host, self._port,
                                           timeout=self.timeout)
            self._conn = c
        return c

    def request(self, method, path, body=None, version='default',
                headers=None, expect=None):
        """Returns Response(status, headers, body bytes, json)."""
        if version == 'default':
            version = self.version
        hdrs = {}
        if version:
            hdrs['OpenStack-API-Version'] = 'placement %s' % version
        hdrs.update(headers or {})
        # 401 once: a new token. 503 from keystonemiddleware while Keystone
        # is slow to answer its token check (a loaded machine right after
        # start): up to 5 more tries a second apart. This client is the
        # tests' own, for setup and checks, never the code under test.
        reauthed = False
        for attempt in range(6):
            if self.token is None:
                self.authenticate()
            h = dict(hdrs)
            if self.token is not None and 'X-Auth-Token' not in h:
                h['X-Auth-Token'] = self.token
            with self._lock:
                conn = self._connection()
                try:
                    r = _do_request(conn, self._prefix + path, method, body,
                                    h, None, self.url + path)
                except BaseException:
                    conn.close()
                    self._conn = None
                    raise
                if (r.headers.get('Connection') or '').lower() == 'close':
                    conn.close()
                    self._conn = None
            if r.status == 401 and not reauthed and not self._fixed:
                reauthed = True
                self.token = None
                continue
            if (r.status == 503 and attempt < 5
                    and b'Keystone service is temporarily unavailable' in r.body):
                time.sleep(1)
                continue
            break
        if expect is not None:
            ok = (expect,) if isinstance(expect, int) else tuple(expect)
            if r.status not in ok:
                raise HTTPError(method, self.url + path, r.status,
                                r.body.decode('utf-8', 'replace'))
        return r

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request('PUT', path, body, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)


def _session(placement_or_session):
    if isinstance(placement_or_session, PlacementSession):
        return placement_or_session
    if isinstance(placement_or_session, Placement):
        return PlacementSession(placement_or_session)
    raise TypeError('need a Placement or a PlacementSession')


def create_compute_node_provider(placement_or_session, name, uuid_=None,
                                 vcpus=16, memory_mb=65536, disk_gb=None,
                                 reserved_memory_mb=512,
                                 cpu_allocation_ratio=16.0,
                                 ram_allocation_ratio=1.5):
    """The root provider as Nova's resource tracker makes it: POST
    /resource_providers (name, uuid) at 1.20, then PUT its VCPU/MEMORY_MB
    (and DISK_GB if given) inventory.  Returns the provider dict
    (uuid, name, generation, ...)."""
    s = _session(placement_or_session)
    rp_uuid = str(uuid_ or uuid.uuid4())
    rp = s.post('/resource_providers', {'uuid': rp_uuid, 'name': name},
                version='1.20', expect=200).json
    inv = {
        'VCPU': {'total': vcpus, 'reserved': 0, 'min_unit': 1,
                 'max_unit': vcpus, 'step_size': 1,
                 'allocation_ratio': cpu_allocation_ratio},
        'MEMORY_MB': {'total': memory_mb, 'reserved': reserved_memory_mb,
                      'min_unit': 1, 'max_unit': memory_mb, 'step_size': 1,
                      'allocation_ratio': ram_allocation_ratio},
    }
    if disk_gb:
        inv['DISK_GB'] = {'total': disk_gb, 'reserved': 0, 'min_unit': 1,
                          'max_unit': disk_gb, 'step_size': 1,
                          'allocation_ratio': 1.0}
    r = s.put('/resource_providers/%s/inventories' % rp_uuid,
              {'resource_provider_generation': rp['generation'],
               'inventories': inv}, version='1.20', expect=200).json
    rp['generation'] = r['resource_provider_generation']
    return rp


def make_allocation(placement_or_session, consumer_uuid, provider_uuid,
                    resources=None, project_id=None, user_id=None,
                    consumer_generation='auto', version='1.28',
                    consumer_type='INSTANCE', expect=204):
    """PUT /allocations/{consumer} (microversion >= 1.28).

    provider_uuid + resources ({'VCPU': 2, ...}) for one provider, or
    provider_uuid={rp_uuid: {'VCPU': 2}, ...} for several.  With
    consumer_generation='auto' the current generation is read first (None
    for a new consumer).  consumer_type is sent at 1.38+."""
    s = _session(placement_or_session)
    if isinstance(provider_uuid, dict):
        allocs = {str(rp): {'resources': res}
                  for rp, res in provider_uuid.items()}
    else:
        allocs = {str(provider_uuid): {'resources': resources}}
    project_id = project_id or uuid.uuid4().hex
    user_id = user_id or uuid.uuid4().hex
    if consumer_generation == 'auto':
        cur = s.get('/allocations/%s' % consumer_uuid, version=version,
                    expect=200).json
        consumer_generation = cur.get('consumer_generation')
    body = {'allocations': allocs, 'project_id': project_id,
            'user_id': user_id, 'consumer_generation': consumer_generation}
    major, minor = (int(x) for x in version.split('.'))
    if (major, minor) >= (1, 38):
        body['consumer_type'] = consumer_type
    return s.put('/allocations/%s' % consumer_uuid, body, version=version,
                 expect=expect)


def delete_allocation(placement_or_session, consumer_uuid, expect=(204, 404)):
    """DELETE /allocations/{consumer}."""
    s = _session(placement_or_session)
    return s.delete('/allocations/%s' % consumer_uuid, version='1.28',
                    expect=expect)


# --------------------------------------------------------------------------
# openstack CLI (osc-placement)
# --------------------------------------------------------------------------

def osc(*args, keystone=None, placement=None, user=ADMIN_USER, password=None,
        project=ADMIN_PROJECT, domain=DEFAULT_DOMAIN,
        api_version=OSC_PLACEMENT_API_VERSION, endpoint=None, token=None,
        json_output=True, check=True, timeout=120, env=None):
    """Run the real `openstack` CLI; return its parsed -f json output.

    With keystone=: password auth as user/project (the catalog gives
    Placement's URL; `endpoint` overrides it).  With only placement= in
    noauth2 (or token=/endpoint=): admin_token auth straight to the
    endpoint.  Commands printing nothing return None.  check=False returns
    a CompletedProcess instead of raising on a non-zero exit.
    """
    if keystone is None and placement is not None:
        keystone = placement.keystone
    noauth = placement is not None and placement.auth_strategy == 'noauth2'
    home = None
    base_dir = (keystone or placement).workdir if (keystone or placement) \
        else None
    if base_dir:
        home = os.path.join(base_dir, 'osc-home')
        os.makedirs(home, exist_ok=True)
    e = _clean_env({'HOME': home} if home else None)
    cmd = [PYTHON, OPENSTACK_CLI, '--os-region-name', REGION,
           '--os-interface', 'public']
    if api_version:
        cmd += ['--os-placement-api-version', str(api_version)]
    if token is not None or noauth or keystone is None:
        ep = endpoint or (placement.url if placement is not None else None)
        if ep is None:
            raise ValueError('osc: need keystone=, placement= or endpoint=')
        cmd += ['--os-auth-type', 'admin_token',
                '--os-token', token or 'admin', '--os-endpoint', ep]
    else:
        if password is None:
            password = keystone.admin_password if user == ADMIN_USER else None
        cmd += ['--os-auth-type', 'password',
                '--os-auth-url', keystone.url,
                '--os-identity-api-version', '3',
                '--os-username', user, '--os-password', password,
                '--os-project-name', project,
                '--os-user-domain-name', domain,
                '--os-project-domain-name', domain]
        if endpoint:
            cmd += ['--os-placement-endpoint', endpoint]
    cmd += list(args)
    if json_output:
        cmd += ['-f', 'json']
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    if not check:
        return p
    if p.returncode != 0:
        raise RuntimeError('openstack %s failed (exit %d):\n%s\n%s' % (
            ' '.join(args), p.returncode, p.stdout[-2000:],
            p.stderr[-4000:]))
    out = p.stdout.strip()
    if not json_output:
        return out
    return json.loads(out) if out else None


# --------------------------------------------------------------------------
# FaultProxy
# --------------------------------------------------------------------------

_HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-authenticate',
               'proxy-authorization', 'te', 'trailer', 'trailers',
               'transfer-encoding', 'upgrade', 'content-length'}

Seen = collections.namedtuple('Seen', 'method path action status')


class _Rule:
    def __init__(self, kind, count, method, path, **params):
        self.kind = kind
        self.count = count          # None: forever
        self.method = re.compile(method, re.I) if method else None
        self.path = re.compile(path) if path else None
        self.params = params

    def matches(self, method, path):
        if self.count is not None and self.count <= 0:
            return False
        if self.method is not None and not self.method.fullmatch(method):
            return False
        if self.path is not None and not self.path.search(path):
            return False
        return True


class FaultProxy:
    """Threaded HTTP/1.1 (keep-alive) reverse proxy with fault injection.

    All the injection methods are thread-safe and take optional `method`
    (regex, full match, case-insensitive, e.g. 'PUT|POST') and `path`
    (regex searched in the request target, query included) filters, and a
    `count` (None: every matching request until clear()).

      fail(count, status=503)      answer with a Placement-style JSON error;
                                   forward=True first lets Placement handle it
                                   (a write that happened but whose answer
                                   was lost)
      delay(seconds, count)        wait before forwarding
      malformed(count, mode)       'truncate': valid HTTP, JSON cut in half;
                                   'garble': same length, bytes replaced;
                                   'short': full Content-Length announced,
                                   half the body sent, connection closed
      drop(count, forward=False)   close the connection without answering
                                   (reset=True sends a TCP RST)

    `forwarded` counts requests that reached the target, `received` all of
    them, `connections` the client connections accepted (keep-alive reuse
    shows as fewer connections than requests), `seen` lists
    Seen(method, path, action, status).
    """

    def __init__(self, target_url, port=0):
        u = urllib.parse.urlsplit(target_url)
        self.target_url = target_url
        self._thost, self._tport = u.hostname, u.port or 80
        self._prefix = u.path.rstrip('/')
        self._lock = threading.Lock()
        self._rules = []
        self._clients = set()
        self.forwarded = 0
        self.received = 0
        self.connections = 0
        self.seen = []
        self._server = None
        self._thread = None
        self._port = port

    @property
    def url(self):
        return 'http://127.0.0.1:%d%s' % (self.port, self._prefix)

    @property
    def port(self):
        if self._server is None:
            raise RuntimeError('FaultProxy not started')
        return self._server.server_address[1]

    # -- control ------------------------------------------------------------

    def _add(self, kind, count, method, path, **params):
        with self._lock:
            self._rules.append(_Rule(kind, count, method, path, **params))
        return self

    def fail(self, count=1, status=503, method=None, path=None,
             forward=False, body=None, headers=None):
        return self._add('fail', count, method, path, status=status,
                         forward=forward, body=body, headers=headers or {})

    def delay(self, seconds, count=1, method=None, path=None):
        return self._add('delay', count, method, path, seconds=seconds)

    def malformed(self, count=1, mode='truncate', method=None, path=None):
        if mode not in ('truncate', 'garble', 'short'):
            raise ValueError('mode: truncate, garble or short')
        return self._add('malformed', count, method, path, mode=mode)

    def drop(self, count=1, method=None, path=None, forward=False,
             reset=False):
        return self._add('drop', count, method, path, forward=forward,
                         reset=reset)

    def clear(self):
        """Forget all pending faults (counters are kept)."""
        with self._lock:
            self._rules = []
        return self

    def reset_counters(self):
        with self._lock:
            self.forwarded = self.received = self.connections = 0
            self.seen = []

    def pending(self):
        with self._lock:
            return [(r.kind, r.count) for r in self._rules
                    if r.count is None or r.count > 0]

    def _take(self, method, path):
        """Consume the first matching delay rule and the first matching
        outcome rule; returns (delay_rule, outcome_rule)."""
        delay = outcome = None
        with self._lock:
            self.received += 1
            for r in self._rules:
                if not r.matches(method, path):
                    continue
                if r.kind == 'delay':
                    if delay is not None:
                        continue
                    delay = r
                else:
                    if outcome is not None:
                        continue
                    outcome = r
                if r.count is not None:
                    r.count -= 1
            self._rules = [r for r in self._rules
                           if r.count is None or r.count > 0]
        return delay, outcome

    def _record(self, method, path, action, status, forwarded):
        with self._lock:
            if forwarded:
                self.forwarded += 1
            self.seen.append(Seen(method, path, action, status))

    # -- lifecycle ----------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        proxy = self

        class Handler(_ProxyHandler):
            pass
        Handler.proxy = proxy

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            block_on_close = False
            request_queue_size = 128

        self._server = Server(('127.0.0.1', self._port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={'poll_interval': 0.1},
                                        name='FaultProxy', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        srv = self._server
        if srv is None:
            return
        srv.shutdown()
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        srv.server_close()
        self._thread.join(5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    proxy = None   # set per FaultProxy
    timeout = 60

    def setup(self):
        super().setup()
        self._up = None
        with self.proxy._lock:
            self.proxy._clients.add(self.connection)
            self.proxy.connections += 1

    def finish(self):
        try:
            super().finish()
        finally:
            with self.proxy._lock:
                self.proxy._clients.discard(self.connection)
            if self._up is not None:
                self._up.close()

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        te = (self.headers.get('Transfer-Encoding') or '').lower()
        if 'chunked' in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b'\r\n', b'\n',
                                                              b''):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b''.join(chunks)
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else None

    def _forward(self, body):
        p = self.proxy
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in _HOP_BY_HOP and k.lower() != 'expect'}
        if body is not None:
            headers['Content-Length'] = str(len(body))
        path = p._prefix + self.path if p._prefix and \
            not self.path.startswith(p._prefix) else self.path
        for attempt in (0, 1):
            reused = self._up is not None
            if self._up is None:
                self._up = http.client.HTTPConnection(p._thost, p._tport,
                                                      timeout=120)
            try:
                self._up.request(self.command, path, body=body,
                                 headers=headers)
                resp = self._up.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError, http.client.BadStatusLine) as exc:
                self._up.close()
                self._up = None
                if reused and attempt == 0:
                    continue       # upstream closed an idle keep-alive conn
                raise exc
            if (resp.getheader('Connection') or '').lower() == 'close':
                self._up.close()
                self._up = None
            return resp.status, resp.reason, resp.getheaders(), data

    def _send(self, status, reason, headers, data, announce=None):
        self.send_response_only(status, reason)
        for k, v in headers:
            if k.lower() in _HOP_BY_HOP or k.lower() in ('date', 'server'):
                continue
            self.send_header(k, v)
        self.send_header('Date', self.date_time_string())
        if self.command == 'HEAD':
            cl = next((v for k, v in headers
                       if k.lower() == 'content-length'), None)
            if cl is not None:
                self.send_header('Content-Length', cl)
            data = b''
        elif not (status < 200 or status in (204, 304)):
            self.send_header('Content-Length',
                             str(announce if announce is not None
                                 else len(data)))
        else:
            data = b''
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if data:
            self.wfile.write(data)
        self.wfile.flush()

    def _error_body(self, status, detail):
        phrase = http.HTTPStatus(status).phrase if status in \
            http.HTTPStatus._value2member_map_ else 'Error'
        rid = 'req-%s' % uuid.uuid4()
        body = {'errors': [{'status': status, 'title': phrase,
                            'detail': detail, 'request_id': rid}]}
        return phrase, json.dumps(body).encode(), rid

    def _drop(self, reset):
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER,
                    b'\x01\x00\x00\x00\x00\x00\x00\x00')
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self):
        p = self.proxy
        method, path = self.command, self.path
        body = self._read_body()
        delay, rule = p._take(method, path)
        if delay is not None:
            time.sleep(delay.params['seconds'])
        kind = rule.kind if rule is not None else None
        prm = rule.params if rule is not None else {}
        forward = kind in (None, 'malformed') or prm.get('forward')
        upstream = None
        if forward:
            try:
                upstream = self._forward(body)
            except (OSError, http.client.HTTPException) as exc:
                p._record(method, path, 'upstream-error', 502, False)
                phrase, data, rid = self._error_body(
                    502, 'FaultProxy: upstream %s:%s: %s' % (
                        p._thost, p._tport, exc))
                self._send(502, phrase, [
                    ('Content-Type', 'application/json'),
                    ('openstack-request-id', rid)], data)
                return
        action = kind or 'forward'
        if kind == 'drop':
            p._record(method, path, action, None, forward)
            self._drop(prm.get('reset'))
            return
        if kind == 'fail':
            status = prm['status']
            phrase, data, rid = self._error_body(
                status, 'Injected by FaultProxy.')
            if prm.get('body') is not None:
                data = prm['body']
                data = data.encode() if isinstance(data, str) else data
            hdrs = [('Content-Type', 'application/json'),
                    ('openstack-request-id', rid)]
            hdrs += list(prm['headers'].items())
            p._record(method, path, action, status, forward)
            self._send(status, phrase, hdrs, data)
            return
        status, reason, hdrs, data = upstream
        if kind == 'malformed':
            mode = prm['mode']
            half = data[:max(1, len(data) // 2)] if data else b'{'
            p._record(method, path, 'malformed-' + mode, status, True)
            if mode == 'truncate':
                self._send(status, reason, hdrs, half)
            elif mode == 'garble':
                g = bytes(b if i % 3 else 0x7e
                          for i, b in enumerate(data or b'{}'))
                g = b'#' + g[1:]
                self._send(status, reason, hdrs, g)
            else:
                self.close_connection = True
                self._send(status, reason, hdrs, half,
                           announce=max(len(data), len(half) + 1))
                self._drop(False)
            return
        p._record(method, path, action, status, True)
        self._send(status, reason, hdrs, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = \
        do_OPTIONS = _handle


def start_all(keystone, placement):
    """Start Keystone and Placement with their slow parts overlapped
    (keystone-manage || placement-manage db sync, then both uwsgi imports),
    about 40% faster than keystone.start(); placement.start().  Either both
    end up running or neither does."""
    if placement.keystone not in (None, keystone):
        raise ValueError('placement belongs to another Keystone')
    try:
        if keystone.running() and placement.running():
            return keystone, placement
        keystone.stop()
        placement.stop()
        errors = []

        def prep_keystone():
            try:
                keystone._prepare()
            except BaseException as exc:   # re-raised below
                errors.append(exc)
        t = threading.Thread(target=prep_keystone, name='keystone-setup')
        t.start()
        try:
            placement.stop()
            placement._t0 = time.monotonic()
            placement.port
            placement._write_config()
            placement._initialise_db()
        finally:
            t.join()
        if errors:
            raise errors[0]
        keystone._spawn()
        placement._spawn()
        keystone._finish_start()
        placement.setup_seconds = placement._t1 - placement._t0
        placement._initialise_keystone()
        placement._finish_start()
        return keystone, placement
    except BaseException:
        placement.stop()
        keystone.stop()
        raise


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def write_env_files(dirpath, keystone=None, placement=None):
    """DIR/env.sh (admin OS_* variables) and DIR/accelsched.conf."""
    env = ['# generated by tests/integration/openstack.py',
           'unset OS_CLOUD OS_TOKEN OS_ENDPOINT']
    conf = ['# generated by tests/integration/openstack.py', '[placement]']
    if keystone is not None and (placement is None or
                                 placement.auth_strategy == 'keystone'):
        kv = [('OS_AUTH_TYPE', 'password'), ('OS_AUTH_URL', keystone.url),
              ('OS_IDENTITY_API_VERSION', '3'),
              ('OS_USERNAME', ADMIN_USER),
              ('OS_PASSWORD', keystone.admin_password),
              ('OS_USER_DOMAIN_NAME', DEFAULT_DOMAIN),
              ('OS_PROJECT_NAME', ADMIN_PROJECT),
              ('OS_PROJECT_DOMAIN_NAME', DEFAULT_DOMAIN),
              ('OS_REGION_NAME', REGION), ('OS_INTERFACE', 'public')]
        conf += ['auth_type = password', 'auth_url = %s' % keystone.url,
                 'username = %s' % ADMIN_USER,
                 'password = %s' % keystone.admin_password,
                 'user_domain_name = %s' % DEFAULT_DOMAIN,
                 'project_name = %s' % ADMIN_PROJECT,
                 'project_domain_name = %s' % DEFAULT_DOMAIN,
                 'region_name = %s' % REGION, 'interface = public']
    else:
        # noauth2: Placement accepts any X-Auth-Token ("admin" is admin).
        kv = [('OS_AUTH_TYPE', 'admin_token'), ('OS_TOKEN', 'admin'),
              ('OS_ENDPOINT', placement.url)]
        conf += ['auth_type = admin_token', 'token = admin',
                 'endpoint = %s' % placement.url,
                 'endpoint_override = %s' % placement.url]
    if placement is not None:
        kv += [('OS_PLACEMENT_API_VERSION', OSC_PLACEMENT_API_VERSION),
               ('PLACEMENT_URL', placement.url)]
    if keystone is not None:
        kv.append(('KEYSTONE_URL', keystone.url))
    env += ['export %s=%s' % (k, shlex.quote(v)) for k, v in kv]
    with open(os.path.join(dirpath, 'env.sh'), 'w') as f:
        f.write('\n'.join(env) + '\n')
    with open(os.path.join(dirpath, 'accelsched.conf'), 'w') as f:
        f.write('\n'.join(conf) + '\n')


def _cli_up(a):
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    ks = None
    if a.noauth:
        pl = Placement(d, auth_strategy='noauth2', db=a.db, daemon=True)
        pl.start()
    else:
        ks = Keystone(d, token_expiration=a.token_expiration, daemon=True)
        pl = Placement(d, keystone=ks, db=a.db, daemon=True)
        start_all(ks, pl)
    for svc in (ks, pl):
        if svc is not None:
            print('%-9s %s  (pid %s; setup %.1fs, uwsgi ready %.1fs)' % (
                svc.name, svc.url, svc.pid(), svc.setup_seconds or 0,
                svc.ready_seconds or 0))
    write_env_files(d, ks, pl)
    with open(os.path.join(d, 'services'), 'w') as f:
        f.write('noauth\n' if a.noauth else 'keystone\n')
    print('env       %s' % os.path.join(d, 'env.sh'))
    print('config    %s' % os.path.join(d, 'accelsched.conf'))
    return 0


def _cli_down(a):
    d = os.path.abspath(a.dir)
    for cls in (Placement, Keystone):
        svc = cls.__new__(cls)
        _UwsgiService.__init__(svc, d)
        pid = svc.pid()
        svc.stop()
        if pid:
            print('stopped %s (pid %d)' % (cls.name, pid))
    return 0


def _cli_status(a):
    d = os.path.abspath(a.dir)
    try:
        with open(os.path.join(d, 'services')) as f:
            noauth = f.read().strip() == 'noauth'
    except OSError:
        noauth = False
    rc = 0
    for cls in ((Placement,) if noauth else (Keystone, Placement)):
        svc = cls.__new__(cls)
        _UwsgiService.__init__(svc, d)
        pid = svc.pid()
        print('%-9s %s %s' % (cls.name, 'running pid %d' % pid if pid
                              else 'stopped', svc.base_url if svc._port
                              else ''))
        rc |= 0 if pid else 1
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    up = sub.add_parser('up', help='start Keystone + Placement, detached')
    up.add_argument('--dir', required=True)
    up.add_argument('--noauth', action='store_true',
                    help='Placement with auth_strategy=noauth2, no Keystone')
    up.add_argument('--token-expiration', type=int, default=3600)
    up.add_argument('--db', default='sqlite',
                    help="'sqlite' or an SQLAlchemy URL")
    down = sub.add_parser('down', help='stop what `up` started in DIR')
    down.add_argument('--dir', required=True)
    st = sub.add_parser('status', help='exit 0 when both are running')
    st.add_argument('--dir', required=True)
    a = ap.parse_args(argv)
    return {'up': _cli_up, 'down': _cli_down, 'status': _cli_status}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
