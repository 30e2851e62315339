# SPDX-License-Identifier: Apache-2.0
"""nova.conf [accelsched]: the plugin's options through oslo.config, and
the shipped sample (etc/nova.conf.accelsched.sample) and README's nova.conf
examples loaded exactly as written, by Nova's own CONF, in a child
interpreter (CONF() parses once per process). The C side's sample,
etc/accelsched.conf.sample, is loaded by tests/unit/test_config.c.

Run by `make nova-tests` (PYTHONPATH=build/python, where the egg-info
holds the oslo.config.opts entry point).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

from oslo_config import cfg

from accelsched.nova import conf as accel_conf

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SAMPLE = os.path.join(TOP, "etc", "nova.conf.accelsched.sample")

# Nova's CONF reads the file as nova-scheduler does; then the filter and
# the weigher are loaded from [filter_scheduler] and built (the filter
# makes its state source from [accelsched]).
CHILD = r"""
import json, logging, sys
import nova.conf
from nova import objects
from nova.scheduler import filters, weights
from accelsched import config
from accelsched.nova import conf
logging.basicConfig(level=logging.CRITICAL)
objects.register_all()
CONF = nova.conf.CONF
CONF(["--config-file", sys.argv[1]], project="nova", default_config_files=[])
out = {}
try:
    c = conf.load()
except config.ConfigError as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
out["state_source"] = list(c.state_source)
out["refresh_interval"] = c.refresh_interval
out["weight_multiplier"] = c.weight_multiplier
out["where"] = c.path
fs = filters.HostFilterHandler().get_matching_classes(CONF.filter_scheduler.available_filters)
out["filters"] = sorted(f.__name__ for f in fs if f.__name__ in CONF.filter_scheduler.enabled_filters)
ws = weights.HostWeightHandler().get_matching_classes(CONF.filter_scheduler.weight_classes)
out["weighers"] = sorted(w.__name__ for w in ws if w.__module__.startswith("accelsched"))
for f in fs:
    if f.__module__.startswith("accelsched"):
        f()
for w in ws:
    if w.__module__.startswith("accelsched"):
        out["multiplier"] = w().weight_multiplier(None)
print(json.dumps(out))
"""


def load_with_nova(path):
    p = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ))
    if p.returncode:
        raise AssertionError("loading %s: rc %d\n%s" % (path, p.returncode, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])


def sections_of(path):
    """{section: {option: [values]}} by oslo.config's own parser."""
    sections = {}
    cfg.ConfigParser(path, sections).parse()
    return sections


class Options(unittest.TestCase):

    def test_kafka(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nova.conf")
            with open(path, "w") as f:
                f.write("[accelsched]\nstate_source = kafka\n"
                        "kafka_bootstrap_servers = kafka-1:9092, [fd00::1]:9093\n"
                        "kafka_metrics_topic =\n"
                        "kafka_security_protocol = sasl_ssl\n"
                        "kafka_ssl_ca_location = /etc/ssl/certs/ca-certificates.crt\n"
                        "kafka_sasl_mechanism = SCRAM-SHA-512\n"
                        "kafka_sasl_username = nova\nkafka_sasl_password = s3cret\n")
            conf = cfg.ConfigOpts()
            conf(["--config-file", path], project="nova", default_config_files=[])
            c = accel_conf.load(conf)
        self.assertEqual(c.state_source, ("kafka", "kafka-1:9092, [fd00::1]:9093"))
        k = c.kafka
        self.assertEqual((k.inventory_topic, k.metrics_topic, k.startup_timeout),
                         ("accelsched.inventory", None, 30))
        self.assertEqual(k.options, {
            "security.protocol": "sasl_ssl",
            "ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "nova",
            "sasl.password": "s3cret"})
        # the passwords are secrets: oslo.config masks them in its log
        self.assertTrue(all(o.secret for o in accel_conf.OPTS if o.name.endswith("password")))

    def test_generator_documents_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "accelsched.conf.sample")
            subprocess.run(["oslo-config-generator", "--namespace", "accelsched",
                            "--output-file", out], check=True, timeout=120,
                           env=dict(os.environ))
            with open(out) as f:
                text = f.read()
            # what the generator wrote is itself a good nova.conf
            self.assertEqual(load_with_nova(out)["error"],
                             "nova.conf (%s): [accelsched] state_source is not set "
                             "(dir:PATH, placement or kafka)" % out)
        self.assertIn("[accelsched]", text)
        self.assertIn("#state_source = dir:/var/lib/accelsched/hosts", text)
        self.assertIn("#refresh_interval = 10", text)
        self.assertIn("#weight_multiplier = 1.0", text)
        self.assertIn("Minimum value: 0", text)

    def test_shipped_sample(self):
        got = load_with_nova(SAMPLE)
        self.assertEqual(got, {
            "state_source": ["dir", "/var/lib/accelsched/hosts"], "refresh_interval": 10,
            "weight_multiplier": 1.0, "where": "nova.conf (%s)" % SAMPLE,
            "filters": ["AcceleratorFilter", "ComputeFilter", "ImagePropertiesFilter"],
            "weighers": ["AcceleratorWeigher"],
            "multiplier": 1.0})
        # every option it sets is one of ours (oslo.config would ignore a
        # misspelt one), and it shows them all
        self.assertEqual(set(sections_of(SAMPLE)["accelsched"]),
                         {o.name for o in accel_conf.OPTS})

    def test_readme_examples(self):
        with open(os.path.join(TOP, "README.md")) as f:
            blocks = re.findall(r"```ini\n(.*?)```", f.read(), re.S)
        blocks = [b for b in blocks if "[accelsched]" in b or "[filter_scheduler]" in b]
        self.assertTrue(any("[accelsched]" in b for b in blocks))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nova.conf")
            with open(path, "w") as f:
                f.write("".join(blocks))
            got = load_with_nova(path)
        self.assertNotIn("error", got)
        self.assertIn("AcceleratorFilter", got["filters"])
        self.assertEqual(got["weighers"], ["AcceleratorWeigher"])

    def test_bad_values_name_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "nova.conf")
            for text, msg in (
                    ("[accelsched]\nstate_source = dir:/var/lib/accelsched/hosts   "
                     "# or: placement\n",
                     "nova.conf (%s): [accelsched] state_source: "
                     "'dir:/var/lib/accelsched/hosts   # or: placement': '#' or ';' after a "
                     "blank; nova.conf has no inline comments" % path),
                    ("[accelsched]\nstate_source = placement\nrefresh_interval = -1\n",
                     "nova.conf (%s): [accelsched]: " % path),
                    ("[accelsched]\nstate_source = hosts/\n",
                     "state_source: 'hosts/' is not dir:PATH (an absolute path), "
                     "placement or kafka"),
                    ("[accelsched]\nstate_source = kafka\n",
                     "nova.conf (%s): [accelsched] kafka_bootstrap_servers is not set "
                     "(host:port[,host:port...]; state_source = kafka needs it)" % path),
                    ("[accelsched]\nstate_source = kafka\n"
                     "kafka_bootstrap_servers = kafka-1:9092,kafka-2\n",
                     "nova.conf (%s): [accelsched] kafka_bootstrap_servers: "
                     "'kafka-1:9092,kafka-2': 'kafka-2' is not host:port" % path),
                    ("[accelsched]\nstate_source = kafka\n"
                     "kafka_bootstrap_servers = kafka-1:99999\n",
                     "'kafka-1:99999' is not host:port (a port of 1 to 65535)"),
                    ("[accelsched]\nstate_source = kafka\nkafka_bootstrap_servers = k:9092\n"
                     "kafka_inventory_topic = accel inventory\n",
                     "[accelsched] kafka_inventory_topic: 'accel inventory': not a Kafka "
                     "topic name"),
                    ("[accelsched]\nstate_source = kafka\nkafka_bootstrap_servers = k:9092\n"
                     "kafka_security_protocol = tls\n",
                     "nova.conf (%s): [accelsched]: " % path),
                    ("[accelsched]\nstate_source = kafka\nkafka_bootstrap_servers = k:9092\n"
                     "kafka_sasl_mechanism = PLAIN\n",
                     "[accelsched] kafka_sasl_mechanism: 'PLAIN': needs "
                     "kafka_security_protocol = sasl_plaintext or sasl_ssl")):
                with self.subTest(text=text):
                    with open(path, "w") as f:
                        f.write(text)
                    got = load_with_nova(path)
                    self.assertIn(msg, got.get("error", ""))


if __name__ == "__main__":
    unittest.main()
