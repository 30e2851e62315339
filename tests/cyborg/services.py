# SPDX-License-Identifier: Apache-2.0
"""MariaDB, RabbitMQ and Cyborg 2025.1 (api, conductor, agent) on
127.0.0.1, for tests/cyborg/test_cyborg.py, inside the Debian 13 root
(scripts/debian13-root.sh run): everything lives under one work folder
and ends with the run. Keystone and Placement come from
tests/integration/openstack.py, unchanged.
"""
import http.server
import json
import os
import threading
import pwd
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import openstack as ostk  # noqa: E402

CYBORG_USER = "cyborg"
CYBORG_PASSWORD = "cyborg-secret"
NOVA_USER = "nova"
NOVA_PASSWORD = "nova-secret"


def _wait(what, check, timeout, log=None):
    end = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        if time.monotonic() > end:
            tail = ostk._tail(log) if log and os.path.exists(log) else ""
            raise RuntimeError("%s not up after %d s%s" % (
                what, timeout, (": see %s\n%s" % (log, tail)) if log else ""))
        time.sleep(0.3)


def _chown(path, user):
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)


class MariaDB:
    """A MariaDB server with its data in WORK/mariadb, run as the mysql
    user, TCP on 127.0.0.1. (Cyborg 14's migrations do not run on
    PostgreSQL: tests/debian13/packages says why.)"""

    def __init__(self, work):
        self.dir = os.path.join(work, "mariadb")
        self.sock = os.path.join(self.dir, "mysqld.sock")
        self.log = os.path.join(work, "mariadb.log")
        self.port = ostk.free_port()
        self.proc = None

    def start(self):
        os.makedirs(self.dir)
        _chown(self.dir, "mysql")
        with open(self.log, "ab") as logf:
            subprocess.run(["mariadb-install-db", "--user=mysql", "--datadir=" + self.dir,
                            "--skip-test-db", "--auth-root-authentication-method=socket"],
                           check=True, stdout=logf, stderr=subprocess.STDOUT)
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=mysql", "--datadir=" + self.dir,
             "--socket=" + self.sock, "--port=%d" % self.port, "--bind-address=127.0.0.1",
             "--pid-file=" + os.path.join(self.dir, "mysqld.pid"), "--skip-log-bin",
             "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0"],
                stdout=logf, stderr=subprocess.STDOUT)
        _wait("MariaDB", lambda: self.sql("SELECT 1") == "1", 60, self.log)
        return self

    def sql(self, text):
        return subprocess.run(["mariadb", "--no-defaults", "-S", self.sock, "-u", "root",
                               "-N", "-B", "-e", text], check=True, capture_output=True,
                              text=True).stdout.strip()

    def create_db(self, name, user, password):
        self.sql("CREATE DATABASE %s; CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'; "
                 "GRANT ALL ON %s.* TO '%s'@'127.0.0.1'" % (name, user, password, name, user))
        return "mysql+pymysql://%s:%s@127.0.0.1:%d/%s" % (user, password, self.port, name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


class RabbitMQ:
    """rabbitmq-server with its files in WORK/rabbit, on 127.0.0.1
    (docs/debian13.md lists the variables it needs)."""

    def __init__(self, work):
        self.dir = os.path.join(work, "rabbit")
        self.log = os.path.join(work, "rabbit.log")
        self.port = ostk.free_port()
        self.env = dict(os.environ,
                        HOME=self.dir,
                        RABBITMQ_NODENAME="rabbit@localhost",
                        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                        RABBITMQ_NODE_PORT=str(self.port),
                        RABBITMQ_DIST_PORT=str(ostk.free_port()),
                        ERL_EPMD_ADDRESS="127.0.0.1",
                        ERL_EPMD_PORT=str(ostk.free_port()),
                        RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
                        RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
                        RABBITMQ_FEATURE_FLAGS_FILE=os.path.join(self.dir, "feature_flags"),
                        RABBITMQ_PLUGINS_EXPAND_DIR=os.path.join(self.dir, "plugins"),
                        RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.dir, "enabled_plugins"))
        self.proc = None

    @property
    def url(self):
        return "rabbit://guest:guest@127.0.0.1:%d/" % self.port

    def start(self):
        for d in ("", "mnesia", "log", "plugins"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
            _chown(os.path.join(self.dir, d), "rabbitmq")
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(["rabbitmq-server"], env=self.env, stdout=logf,
                                         stderr=subprocess.STDOUT)
        _wait("RabbitMQ", lambda: subprocess.run(
            ["rabbitmqctl", "-n", "rabbit@localhost", "status"], env=self.env,
            capture_output=True).returncode == 0, 120, self.log)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(["rabbitmqctl", "-n", "rabbit@localhost", "stop"], env=self.env,
                           capture_output=True)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class NovaEvents:
    """Nova's compute API as far as Cyborg uses it: version discovery and
    POST /os-server-external-events, whose events it records (a running
    nova-api needs its cells, conductor and databases, a test of its own;
    Cyborg only notifies it, after the binding is done). Every event is
    answered 200 "completed", as Nova does for an instance on a host."""

    def __init__(self):
        self.events = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _version(self):
                return {"id": "v2.1", "status": "CURRENT", "version": "2.96",
                        "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
                        "links": [{"rel": "self", "href": outer.url + "/"}]}

            def do_GET(self):
                if self.path.rstrip("/") in ("", "/v2.1"):
                    if self.path.rstrip("/") == "":
                        return self._send(200, {"versions": [self._version()]})
                    return self._send(200, {"version": self._version()})
                self._send(404, {"itemNotFound": {"code": 404, "message": self.path}})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                if self.path.rstrip("/") != "/v2.1/os-server-external-events":
                    return self._send(404, {"itemNotFound": {"code": 404,
                                                             "message": self.path}})
                evs = body.get("events") or []
                outer.events.extend(evs)
                self._send(200, {"events": [dict(e, code=200, status="completed")
                                            for e in evs]})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d/v2.1" % self.server.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


API_PASTE = """\
[pipeline:main]
pipeline = request_id authtoken api_v2

[app:api_v2]
paste.app_factory = cyborg.api.app:app_factory

[filter:authtoken]
acl_public_routes = /, /v2
paste.filter_factory = cyborg.api.middleware.auth_token:AuthTokenMiddleware.factory

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory
"""


class Cyborg:
    """cyborg-api, cyborg-conductor and cyborg-agent (the accelsched
    driver, its sysfs root `sysfs_root`) for compute host `host`."""

    SERVICES = ("api", "conductor", "agent")

    def __init__(self, work, keystone, db_url, transport_url, host, sysfs_root,
                 periodic_interval=3, pythonpath=None):
        self.work = work
        self.keystone = keystone
        self.db_url = db_url
        self.transport_url = transport_url
        self.host = host
        self.sysfs_root = sysfs_root
        self.periodic_interval = periodic_interval
        self.pythonpath = pythonpath
        self.port = ostk.free_port()
        self.conf = os.path.join(work, "cyborg.conf")
        self.procs = {}

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log(self, service):
        return os.path.join(self.work, "cyborg-%s.log" % service)

    def _ks_auth(self, user=CYBORG_USER, password=CYBORG_PASSWORD):
        return {"auth_type": "password", "auth_url": self.keystone.url,
                "username": user, "password": password,
                "user_domain_name": ostk.DEFAULT_DOMAIN,
                "project_name": ostk.SERVICE_PROJECT,
                "project_domain_name": ostk.DEFAULT_DOMAIN,
                "region_name": ostk.REGION}

    def write_config(self):
        paste = os.path.join(self.work, "cyborg-api-paste.ini")
        with open(paste, "w") as f:
            f.write(API_PASTE)
        auth = self._ks_auth()
        sections = {
            "DEFAULT": {"host": self.host, "transport_url": self.transport_url,
                        "periodic_interval": self.periodic_interval, "debug": True,
                        "use_stderr": True},
            "api": {"host_ip": "127.0.0.1", "port": self.port, "api_paste_config": paste,
                    "api_workers": 1},
            "database": {"connection": self.db_url},
            "keystone_authtoken": dict(auth, www_authenticate_uri=self.keystone.url,
                                       token_cache_time=-1),
            "placement": auth,
            "nova": auth,
            "keystone": auth,
            "agent": {"enabled_drivers": "accelsched"},
            "accelsched": {"config_file": "", "sysfs_root": self.sysfs_root},
            "oslo_concurrency": {"lock_path": os.path.join(self.work, "cyborg-locks")},
            "oslo_messaging_rabbit": {"heartbeat_timeout_threshold": 0},
        }
        ostk._set_cfg(self.conf, sections)

    def _env(self):
        env = dict(os.environ)
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env

    def start(self):
        self.keystone.create_user(CYBORG_USER, CYBORG_PASSWORD, ostk.SERVICE_PROJECT,
                                  roles=("admin", "service"))
        self.keystone.add_service_endpoint("accelerator", "cyborg", self.url + "/v2")
        self.nova = NovaEvents().start()
        self.keystone.add_service_endpoint("compute", "nova", self.nova.url)
        self.write_config()
        with open(os.path.join(self.work, "cyborg-dbsync.log"), "wb") as logf:
            r = subprocess.run(["cyborg-dbsync", "--config-file", self.conf, "upgrade"],
                               env=self._env(), stdout=logf, stderr=subprocess.STDOUT)
        if r.returncode:
            raise RuntimeError("cyborg-dbsync failed: %s" % ostk._tail(
                os.path.join(self.work, "cyborg-dbsync.log")))
        for s in self.SERVICES:
            self.start_service(s)
        _wait("cyborg-api", lambda: urllib.request.urlopen(self.url + "/").status == 200,
              60, self.log("api"))
        return self

    def start_service(self, s):
        with open(self.log(s), "ab") as logf:
            self.procs[s] = subprocess.Popen(["cyborg-" + s, "--config-file", self.conf],
                                             env=self._env(), stdout=logf,
                                             stderr=subprocess.STDOUT)

    def stop_service(self, s):
        p = self.procs.pop(s, None)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop(self):
        for s in reversed(self.SERVICES):
            self.stop_service(s)
        if getattr(self, "nova", None):
            self.nova.stop()

    def alive(self):
        dead = {s: p.returncode for s, p in self.procs.items() if p.poll() is not None}
        if dead:
            raise AssertionError("cyborg services ended: %s; logs: %s" % (
                dead, ", ".join(self.log(s) for s in dead)))

    def service_token(self):
        """A token of Nova's service user (role service), which Cyborg
        wants beside the user's to bind or unbind an ARQ."""
        self.keystone.create_user(NOVA_USER, NOVA_PASSWORD, ostk.SERVICE_PROJECT,
                                  roles=("admin", "service"))
        return self.keystone.issue_token(NOVA_USER, NOVA_PASSWORD, ostk.SERVICE_PROJECT)

    def api(self, method, path, body=None, expect=(200, 201, 202, 204), version=None,
            service_token=None):
        """Cyborg's REST API as the admin (and Nova's service, with
        service_token)."""
        hdrs = {"X-Auth-Token": self.keystone.admin_token(),
                "Content-Type": "application/json"}
        if service_token:
            hdrs["X-Service-Token"] = service_token
        if version:
            hdrs["OpenStack-API-Version"] = "accelerator " + version
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status not in expect:
            raise AssertionError("%s %s: %d %s" % (method, path, status, text))
        return json.loads(text) if text else None


def copy_fixture(src, dst):
    """A writable copy of a sysfs fixture (links kept as links)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst
