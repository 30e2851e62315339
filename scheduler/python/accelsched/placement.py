# SPDX-License-Identifier: Apache-2.0
"""nova.conf [accelsched] state_source = placement: the host table from the
accelsched-owned resource providers in Placement, read with Nova's own
report client (nova.conf [placement] credentials), inside nova-scheduler.

What Placement holds of a device, acceld put there (DESIGN.md, Placement):
the provider "<host>_<address>" under the compute node's, its resource
class and usage, and traits: vendor and product ids
(CUSTOM_ACCEL_PRODUCT_10DE_20B5), model, compute capability, health
(CUSTOM_ACCEL_HEALTH_DEGRADED/_FAILED), CUSTOM_ACCEL_UNAVAILABLE for a
device gone while allocated. Memory and architecture come from the vendor
model tables by the product ids (accelsched._core.describe), the same data
discovery uses. Placement has no PCIe topology and no NUMA node: requests
with accelsched:p2p tighter than SYS or accelsched:numa=strict pass no host
from this source (use dir: for those).

Requests per refresh: one list of the owned providers (with their
generations); a traits and an inventories read only for providers that are
new or whose generation moved (traits, inventory and new allocations move
it); and, since freeing an allocation moves no generation, one list per
resource class of the owned providers with room for one more
(?resources=PGPU:1): a device not in it is in use. A refresh that fails
keeps the last state and says why; generations are recorded only once the
hosts they belong to are rebuilt, so the next refresh reads again whatever
the failed one did not apply.
"""
import json
import logging
import re
import time

from accelsched import _core, state

LOG = logging.getLogger(__name__)

OWNER = _core.OWNER_TRAIT
MICROVERSION = "1.18"  # required= on GET /resource_providers
_ADDR = re.compile(r"^(?P<host>.+)_(?P<addr>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$")


class PlacementError(Exception):
    pass


def _nova_client():
    from nova.scheduler.client import report
    return report.report_client_singleton()


class PlacementSource(state.Source):
    def __init__(self, refresh_interval=10.0, client=None, table=None, clock=time.monotonic):
        super().__init__(refresh_interval, table, clock)
        self._client = client
        self._providers = {}   # uuid -> {"gen", "host", "addr", "traits", "rcs", "free"}
        self._docs = {}        # host -> the JSON last given to the table
        self.requests = 0      # Placement requests made, for tests and logs
        self.error = None

    def _update(self):
        try:
            n = self._sync()
            self.error = None
            return n
        except PlacementError as e:
            self.error = str(e)
            LOG.error("accelsched: Placement: %s (keeping the last state)", e)
            return 0

    def _get(self, url):
        if self._client is None:
            self._client = _nova_client()
        self.requests += 1
        try:
            r = self._client.get(url, version=MICROVERSION)
        except Exception as e:  # keystoneauth's connection errors and the like
            raise PlacementError("GET %s: %s" % (url, e)) from e
        if r is None or r.status_code != 200:
            raise PlacementError("GET %s: %s %s" % (
                url, getattr(r, "status_code", "no answer"),
                (getattr(r, "text", "") or "")[:300].strip()))
        try:
            return r.json()
        except ValueError as e:
            raise PlacementError("GET %s: not JSON: %s" % (url, e)) from e

    def _sync(self):
        """Read what changed, then rebuild the hosts it touches. Nothing is
        recorded (generations included) until every read of the refresh
        has succeeded and the hosts are rebuilt: a refresh that fails half
        way leaves the last state as it was, and the next one reads the
        same providers again."""
        listing = self._get("/resource_providers?required=%s" % OWNER)
        providers, seen, changed_hosts = {}, set(), set()
        for rp in listing.get("resource_providers", []):
            uuid, name, gen = rp.get("uuid"), rp.get("name", ""), rp.get("generation")
            m = _ADDR.match(name)
            if not uuid or not m:
                continue  # a compute node acceld made with --create-root
            seen.add(uuid)
            old = self._providers.get(uuid)
            if old and old["gen"] == gen:
                providers[uuid] = dict(old)
                continue
            traits = self._get("/resource_providers/%s/traits" % uuid).get("traits", [])
            inv = self._get("/resource_providers/%s/inventories" % uuid).get("inventories", {})
            providers[uuid] = {"gen": gen, "host": m.group("host"),
                               "addr": m.group("addr"), "traits": sorted(traits),
                               "rcs": sorted(inv), "free": old["free"] if old else False}
            changed_hosts.add(m.group("host"))
            if old:
                changed_hosts.add(old["host"])
        for uuid in set(self._providers) - seen:
            changed_hosts.add(self._providers[uuid]["host"])
        # which have room: one read per resource class in use here
        free = set()
        for rc in sorted({rc for p in providers.values() for rc in p["rcs"]}):
            listing = self._get("/resource_providers?required=%s&resources=%s:1" % (OWNER, rc))
            free.update(rp["uuid"] for rp in listing.get("resource_providers", []))
        for uuid, p in providers.items():
            if p["free"] != (uuid in free):
                p["free"] = uuid in free
                changed_hosts.add(p["host"])
        # every read done: rebuild, then remember what was applied
        updated, failed = self._apply(providers, changed_hosts)
        for uuid, p in providers.items():
            if p["host"] in failed:
                # not rebuilt: keep what the table still shows, so that the
                # next refresh reads the provider again
                if uuid in self._providers:
                    providers[uuid] = self._providers[uuid]
                else:
                    p["gen"] = None
        self._providers = providers
        return updated

    def _apply(self, providers, hosts):
        """Rebuild `hosts` from `providers`; (hosts updated, hosts failed)."""
        by_host = {}
        for p in providers.values():
            if p["host"] in hosts:
                by_host.setdefault(p["host"], []).append(p)
        updated, failed = 0, set()
        for host in sorted(hosts):
            devs = sorted(by_host.get(host, []), key=lambda p: p["addr"])
            if not devs:
                if self._docs.pop(host, None) is not None:
                    self.table.remove(host)
                    updated += 1
                continue
            doc = json.dumps({"schema": "accelsched.inventory/v1", "host": host,
                              "devices": [_device(p) for p in devs]}, sort_keys=True)
            if self._docs.get(host) == doc:
                continue
            try:
                self.table.update(doc)
            except ValueError as e:
                LOG.error("accelsched: Placement: host %s: %s", host, e)
                failed.add(host)
                continue
            self._docs[host] = doc
            updated += 1
        return updated, failed


def _device(p):
    """An inventory device from what Placement says of a provider."""
    traits = p["traits"]
    # the vocabulary's decoding (common/vocab.c), the reverse of what
    # acceld encoded
    t = _core.decode_traits(traits)
    d = {"address": p["addr"], "traits": traits, "health": t["health"]}
    vid = did = None
    if t["vendor_id"] is not None:
        vid, did = int(t["vendor_id"], 16), int(t["device_id"], 16)
        d["vendor_id"], d["device_id"] = t["vendor_id"], t["device_id"]
    if t["vendor"] is not None:
        d["vendor"] = t["vendor"]
    if t["compute_capability"] is not None:
        d["compute_capability"] = t["compute_capability"]
    info = _core.describe(vid, did) if vid is not None else None
    if info:
        d["model"] = info["model"]
        d["vendor"] = info["vendor"]
        if info.get("memory_mb", -1) >= 0:
            d["memory_mb"] = info["memory_mb"]
        if info.get("architecture"):
            d["architecture"] = info["architecture"]
        if info.get("compute_capability") and "compute_capability" not in d:
            d["compute_capability"] = info["compute_capability"]
    # the accelerator's class: the one it has inventory of
    rcs = [rc for rc in p["rcs"] if _core.rc_kind(rc) or rc.startswith("CUSTOM_")]
    if rcs:
        rc = rcs[0]
        d["resource_class"] = rc
        d["kind"] = _core.rc_kind(rc) or (info["kind"] if info else "accel")
        d["in_use"] = not p["free"]
    return d
