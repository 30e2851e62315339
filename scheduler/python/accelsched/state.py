# SPDX-License-Identifier: Apache-2.0
"""Where the scheduler's host table comes from, kept fresh.

dir:PATH: a folder of inventory files, one per host (acceld or the Kafka
consumer writes them). Files are re-read when their mtime or size change,
at most every refresh_interval seconds and only when a request asks, so
nothing runs between requests; hosts whose file is gone are removed. A
malformed file is logged and skipped (the host keeps its last good state).

placement: accelsched-owned resource providers read from Placement through
Nova's own report client (accelsched.placement).
"""
import logging
import os
import threading
import time

from accelsched import _core

LOG = logging.getLogger(__name__)


class Source:
    """A host table kept fresh: refresh() looks again at most every
    refresh_interval seconds (force: now), one caller at a time; a source
    says in _update() how, returning the number of hosts it changed."""

    def __init__(self, refresh_interval=10.0, table=None, clock=time.monotonic):
        self.refresh_interval = refresh_interval
        self.table = table if table is not None else _core.Table()
        self._clock = clock
        self._last = None
        self._lock = threading.Lock()

    def refresh(self, force=False):
        """Look for changes; returns the number of hosts updated."""
        now = self._clock()
        with self._lock:
            if (not force and self._last is not None
                    and now - self._last < self.refresh_interval):
                return 0
            self._last = now
            return self._update()

    def _update(self):
        raise NotImplementedError


class DirSource(Source):
    def __init__(self, path, refresh_interval=10.0, table=None, clock=time.monotonic):
        super().__init__(refresh_interval, table, clock)
        self.path = path
        self._seen = {}         # file name -> (mtime_ns, size, host)
        self.errors = {}        # file name -> message, for the last refresh

    def _update(self):
        return self._scan()

    def _scan(self):
        try:
            entries = [e for e in os.scandir(self.path)
                       if e.name.endswith(".json") and not e.name.startswith(".")]
        except OSError as e:
            LOG.error("accelsched: %s: %s", self.path, e.strerror or e)
            return 0
        updated, present, errors = 0, set(), {}
        for e in entries:
            present.add(e.name)
            try:
                st = e.stat()
            except OSError:
                continue
            key = (st.st_mtime_ns, st.st_size)
            old = self._seen.get(e.name)
            if old and old[:2] == key:
                continue
            try:
                with open(e.path, "rb") as f:
                    text = f.read()
                host = self.table.update(text)
            except (OSError, ValueError) as err:
                errors[e.name] = str(err)
                LOG.warning("accelsched: %s: %s (the host keeps its last state)",
                            e.path, err)
                continue
            if old and old[2] != host:
                self.table.remove(old[2])
            self._seen[e.name] = key + (host,)
            updated += 1
        for name in set(self._seen) - present:
            self.table.remove(self._seen.pop(name)[2])
            updated += 1
        self.errors = errors
        return updated


def make_source(cfg):
    """The state source a SchedulerConfig names."""
    kind, arg = cfg.state_source
    if kind == "dir":
        return DirSource(arg, cfg.refresh_interval)
    from accelsched import placement
    return placement.PlacementSource(cfg.refresh_interval)
