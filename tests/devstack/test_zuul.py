#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The Zuul job (.zuul.yaml) and its playbook parse, and say what the
plugin understands: no Zuul runs here, so this is what can be checked of
them (docs/devstack.md). Needs no DevStack."""
import os
import re
import unittest

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(path):
    with open(os.path.join(REPO, path)) as f:
        return yaml.safe_load(f)


def settings_variables():
    """ACCELSCHED_* that devstack/settings defines."""
    with open(os.path.join(REPO, 'devstack', 'settings')) as f:
        return set(re.findall(r'^(ACCELSCHED_[A-Z_]+)=', f.read(), re.M))


def enabled_services():
    with open(os.path.join(REPO, 'devstack', 'settings')) as f:
        return set(' '.join(re.findall(r'^enable_service (.+)$', f.read(), re.M)).split())


class TestZuul(unittest.TestCase):
    def setUp(self):
        doc = load('.zuul.yaml')
        self.assertIsInstance(doc, list)
        self.jobs = {d['job']['name']: d['job'] for d in doc if 'job' in d}
        self.projects = [d['project'] for d in doc if 'project' in d]

    def test_job(self):
        job = self.jobs['accelsched-devstack']
        self.assertIn(job['parent'], ('devstack', 'devstack-tempest'))
        v = job['vars']
        url = v['devstack_plugins']['accelsched']
        self.assertTrue(url.startswith('https://'), url)
        # Zuul prepares the plugin's repository from the change under test
        # only when it is a required project of the job
        self.assertIn(url.split('://', 1)[1], job['required-projects'])
        self.assertEqual(v['devstack_localrc']['ACCELSCHED_MODE'], 'placement')
        unknown = set(v['devstack_localrc']) - settings_variables()
        self.assertEqual(unknown, set(), 'not variables of devstack/settings')
        self.assertTrue(enabled_services() <= {
            k for k, on in v['devstack_services'].items() if on})
        # the services the plugin configures and checks stay on (parent's)
        for svc in ('n-sch', 'n-cpu', 'placement-api', 'key'):
            self.assertNotIn(v['devstack_services'].get(svc), (False,), svc)

    def test_playbooks(self):
        for job in self.jobs.values():
            for key in ('pre-run', 'run', 'post-run'):
                books = job.get(key, [])
                for book in [books] if isinstance(books, str) else books:
                    plays = load(book)
                    self.assertIsInstance(plays, list, book)
                    for play in plays:
                        self.assertIn('hosts', play, book)
        run = load(self.jobs['accelsched-devstack']['run'])
        self.assertIn('orchestrate-devstack', run[0]['roles'])

    def test_project(self):
        self.assertEqual(len(self.projects), 1)
        for pipeline in ('check', 'gate'):
            self.assertIn('accelsched-devstack', self.projects[0][pipeline]['jobs'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
