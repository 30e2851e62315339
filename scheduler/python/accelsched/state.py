# SPDX-License-Identifier: Apache-2.0
"""Where the scheduler's host table comes from, kept fresh.

dir:PATH: a folder of inventory files, one per host (acceld or the Kafka
consumer writes them). Files are re-read when their mtime or size change,
at most every refresh_interval seconds and only when a request asks, so
nothing runs between requests; hosts whose file is gone are removed. A
malformed file is logged and skipped (the host keeps its last good state).

placement: accelsched-owned resource providers read from Placement through
Nova's own report client (accelsched.placement).

kafka: acceld's Kafka stream, applied to the table by accelsched._kafka's
thread as records come (no refresh needed); refresh() logs what that
thread could not apply.
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


class KafkaSource(Source):
    """The table kept by a Kafka consumer (accelsched._kafka.Consumer) of
    acceld's inventory and metrics topics. Made in the process that
    schedules (a consumer's thread does not survive a fork). At start it
    waits up to kafka.startup_timeout seconds for the inventory topic to be
    read to its end; refresh() drains the consumer's log: skipped records
    (topic[partition]@offset and why) and the Kafka client's warnings."""

    def __init__(self, kafka, refresh_interval=10.0, table=None, clock=time.monotonic):
        super().__init__(refresh_interval, table, clock)
        from accelsched import config
        try:
            from accelsched import _kafka
        except ImportError as e:
            raise config.ConfigError(
                "accelsched: state_source = kafka: accelsched._kafka is not built (%s): "
                "librdkafka was not found when the package was built; install "
                "librdkafka-dev and build it again" % e) from e
        self.kafka = kafka
        try:
            self.consumer = _kafka.Consumer(self.table, kafka.bootstrap_servers,
                                            kafka.inventory_topic, kafka.metrics_topic,
                                            kafka.options)
        except ValueError as e:
            raise config.ConfigError("accelsched: state_source = kafka: %s" % e) from e
        self._applied = 0
        t0 = clock()
        if self.consumer.caught_up(kafka.startup_timeout):
            LOG.info("accelsched: kafka: %s read to its end in %.1f s: %d hosts",
                     kafka.inventory_topic, clock() - t0, len(self.table))
        else:
            LOG.warning("accelsched: kafka: %s not read to its end after %d s "
                        "([accelsched] kafka_startup_timeout); scheduling with the %d hosts "
                        "read so far, the others come as they are read",
                        kafka.inventory_topic, kafka.startup_timeout, len(self.table))
        self._drain()

    def _drain(self):
        for line in self.consumer.drain_log():
            LOG.warning("accelsched: %s", line)

    def refresh(self, force=False):
        """Log what the consumer said; the number of records applied since
        the last call (the table itself is already up to date)."""
        with self._lock:
            self._drain()
            st = self.consumer.stats()
            applied = st["inventories"] + st["metrics"] + st["tombstones"]
            n, self._applied = applied - self._applied, applied
            return n

    def stats(self):
        return self.consumer.stats()

    def close(self):
        self.consumer.close()
        self._drain()


def make_source(cfg):
    """The state source a SchedulerConfig names."""
    kind, arg = cfg.state_source
    if kind == "dir":
        return DirSource(arg, cfg.refresh_interval)
    if kind == "kafka":
        return KafkaSource(cfg.kafka, cfg.refresh_interval)
    from accelsched import placement
    return placement.PlacementSource(cfg.refresh_interval)
