/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld's Kafka records applied to a host table (internal/sched_feed.h).
 *
 * The feed keeps the last inventory of each host it was given, so that a
 * metrics record (one device's readings) can be applied: the device's
 * utilization is set in that inventory and the host is built and swapped
 * in again, as for a snapshot. A snapshot that does not know a device's
 * utilization (acceld had no reading then) keeps the last one the metrics
 * topic gave for that address.
 */
#include <errno.h>
#include <math.h> /* isfinite */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/internal/notification.h>
#include <accel/internal/sched_feed.h>
#include <accel/metrics.h>
#include <accel/util.h>
#include "sched_int.h"

struct feed_host {
	struct feed_host *next;
	accel_inventory *inv; /* owned; its host name is the key */
};

struct accel_sched_feed {
	accel_sched_hosts *t;
	pthread_mutex_t lock; /* everything below */
	struct feed_host **buckets;
	size_t n_buckets, n_hosts;
	uint64_t seen[ACCEL_FEED_DEDUP]; /* message id hashes, a ring */
	size_t n_seen, seen_next;
	accel_sched_feed_stats st;
};

int accel_sched_feed_new(accel_sched_hosts *t, accel_sched_feed **out)
{
	accel_sched_feed *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->n_buckets = 64;
	f->buckets = calloc(f->n_buckets, sizeof(*f->buckets));
	if (!f->buckets) {
		free(f);
		return -ENOMEM;
	}
	f->t = t;
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
}

void accel_sched_feed_free(accel_sched_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_buckets; i++)
		for (struct feed_host *h = f->buckets[i], *next; h; h = next) {
			next = h->next;
			accel_inventory_free(h->inv);
			free(h);
		}
	free(f->buckets);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void accel_sched_feed_stats_get(accel_sched_feed *f, accel_sched_feed_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->st;
	out->hosts = f->n_hosts;
	pthread_mutex_unlock(&f->lock);
}

/* ---- the feed's inventories, by host ---- */

static struct feed_host **host_slot(accel_sched_feed *f, const char *host)
{
	struct feed_host **p = &f->buckets[sched_hash(host) & (f->n_buckets - 1)];

	while (*p && strcmp(accel_inventory_host((*p)->inv), host))
		p = &(*p)->next;
	return p;
}

static void grow(accel_sched_feed *f)
{
	size_t n = f->n_buckets * 2;
	struct feed_host **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < f->n_buckets; i++)
		for (struct feed_host *h = f->buckets[i], *next; h; h = next) {
			size_t k = sched_hash(accel_inventory_host(h->inv)) & (n - 1);

			next = h->next;
			h->next = b[k];
			b[k] = h;
		}
	free(f->buckets);
	f->buckets = b;
	f->n_buckets = n;
}

/* ---- duplicates ---- */

/* Message ids by their 64-bit hash: a scan of 32 KiB, once per record. */
static bool seen_before(const accel_sched_feed *f, uint64_t h)
{
	for (size_t i = 0; i < f->n_seen; i++)
		if (f->seen[i] == h)
			return true;
	return false;
}

static void remember(accel_sched_feed *f, uint64_t h)
{
	f->seen[f->seen_next] = h;
	f->seen_next = (f->seen_next + 1) % ACCEL_FEED_DEDUP;
	if (f->n_seen < ACCEL_FEED_DEDUP)
		f->n_seen++;
}

/* ---- records ---- */

/* The key as a C string: printable, no '\0', at most ACCEL_FEED_KEY_MAX. */
static int key_text(const void *key, size_t klen, char *buf, accel_err *err)
{
	if (!key || !klen)
		return accel_err_set(err, -EBADMSG, "the record has no key");
	if (klen >= ACCEL_FEED_KEY_MAX)
		return accel_err_set(err, -EBADMSG, "the key is over %d bytes",
				     ACCEL_FEED_KEY_MAX - 1);
	for (size_t i = 0; i < klen; i++) {
		unsigned char c = ((const unsigned char *)key)[i];

		if (c < 0x20 || c == 0x7f)
			return accel_err_set(err, -EBADMSG,
					     "the key holds a control character at byte %zu", i);
	}
	memcpy(buf, key, klen);
	buf[klen] = '\0';
	return 0;
}

/* A snapshot's devices without a utilization reading keep old's. */
static void keep_utilization(accel_inventory *inv, const accel_inventory *old)
{
	for (size_t i = 0; old && i < accel_inventory_n_devices(inv); i++) {
		/* the feed's own copy, parsed here: not shared with anyone */
		accel_device *d = (accel_device *)accel_inventory_device(inv, i);
		const accel_device *o;

		if (d->utilization >= 0)
			continue;
		o = accel_inventory_find(old, d->address);
		if (o && o->utilization >= 0)
			d->utilization = o->utilization;
	}
}

static int apply_inventory(accel_sched_feed *f, const char *key, json_object *payload,
			   accel_err *err)
{
	struct feed_host **slot, *h;
	accel_inventory *inv = NULL;
	int r;

	if (!json_object_is_type(payload, json_type_object))
		return accel_err_set(err, -EBADMSG, "the payload is not an inventory object");
	/* read where the record's parse left it (bounded there) */
	r = accel_inventory_from_object(payload, &inv, err);
	if (r)
		return accel_err_prefix(err, r, "the inventory");
	if (strcmp(accel_inventory_host(inv), key)) {
		r = accel_err_set(err, -EBADMSG,
				  "the inventory is host \"%s\"'s, the key says \"%s\"",
				  accel_inventory_host(inv), key);
		goto out;
	}
	slot = host_slot(f, key);
	keep_utilization(inv, *slot ? (*slot)->inv : NULL);
	r = accel_sched_hosts_update(f->t, inv, err);
	if (r)
		goto out;
	if (*slot) {
		accel_inventory_free((*slot)->inv);
		(*slot)->inv = inv;
	} else if ((h = calloc(1, sizeof(*h)))) {
		h->inv = inv;
		*slot = h;
		if (++f->n_hosts > f->n_buckets)
			grow(f);
	} else {
		/* in the table, but metrics cannot reach it: undo */
		accel_sched_hosts_remove(f->t, key);
		r = accel_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	inv = NULL;
	f->st.inventories++;
out:
	accel_inventory_free(inv);
	return r;
}

static void apply_tombstone(accel_sched_feed *f, const char *key)
{
	struct feed_host **slot = host_slot(f, key), *h = *slot;
	bool known = h != NULL;

	if (h) {
		*slot = h->next;
		accel_inventory_free(h->inv);
		free(h);
		f->n_hosts--;
	}
	/* a host the table holds from elsewhere goes too: the stream said so */
	if (!accel_sched_hosts_remove(f->t, key) || known)
		f->st.tombstones++;
	else
		f->st.ignored++;
}

/* hw.gpu.utilization of a metrics payload's list: 1 and *pct, 0 when it
 * has none; an error for a malformed list. */
static int utilization_of(json_object *list, int *pct, accel_err *err)
{
	const char *want = accel_metric_name(ACCEL_M_UTILIZATION);
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(list, i), *v;
		const char *name;
		double x;

		if (!json_object_is_type(it, json_type_object))
			return accel_err_set(err, -EBADMSG, "metrics[%zu]: not an object", i);
		name = accel_json_str(it, "name", 128);
		if (!name)
			return accel_err_set(err, -EBADMSG, "metrics[%zu]: no \"name\" string", i);
		if (strcmp(name, want))
			continue;
		if (!json_object_object_get_ex(it, "value", &v) ||
		    !(json_object_is_type(v, json_type_double) ||
		      json_object_is_type(v, json_type_int)))
			return accel_err_set(err, -EBADMSG, "metrics[%zu] (%s): no number \"value\"",
					     i, name);
		x = json_object_get_double(v);
		if (!isfinite(x) || x < 0 || x > 1)
			return accel_err_set(err, -EBADMSG,
					     "metrics[%zu] (%s): %g is not a fraction of 0 to 1", i,
					     name, x);
		*pct = (int)(x * 100 + 0.5);
		return 1;
	}
	return 0;
}

static int apply_metrics(accel_sched_feed *f, const char *key, json_object *payload,
			 accel_err *err)
{
	const char *host, *addr;
	json_object *list;
	struct feed_host *h;
	accel_device *d;
	char want[ACCEL_FEED_KEY_MAX + ACCEL_ADDR_MAX];
	int pct = 0, old, r;

	if (!json_object_is_type(payload, json_type_object))
		return accel_err_set(err, -EBADMSG, "the payload is not a metrics object");
	host = accel_json_str(payload, "host", 255);
	addr = accel_json_str(payload, "address", ACCEL_ADDR_MAX - 1);
	list = accel_json_get(payload, "metrics", json_type_array);
	if (!host || !host[0] || !addr || !list)
		return accel_err_set(err, -EBADMSG,
				     "the payload needs \"host\", \"address\" (strings) and "
				     "\"metrics\" (a list)");
	snprintf(want, sizeof(want), "%s/%s", host, addr);
	if (strcmp(want, key))
		return accel_err_set(err, -EBADMSG, "the payload is \"%s\"'s, the key says \"%s\"",
				     want, key);
	r = utilization_of(list, &pct, err);
	if (r <= 0) {
		if (!r)
			f->st.ignored++;
		return r;
	}
	h = *host_slot(f, host);
	/* the feed's own inventory: the only copy, written by this thread */
	d = h ? (accel_device *)accel_inventory_find(h->inv, addr) : NULL;
	if (!d || d->utilization == pct) {
		f->st.ignored++;
		return 0;
	}
	old = d->utilization;
	d->utilization = pct;
	r = accel_sched_hosts_update(f->t, h->inv, err);
	if (r) {
		d->utilization = old;
		return r;
	}
	f->st.metrics++;
	return 0;
}

static int record(accel_sched_feed *f, accel_sched_feed_kind kind, const void *key, size_t klen,
		  const void *value, size_t vlen, accel_err *err)
{
	const char *want = kind == ACCEL_FEED_INVENTORY ? ACCEL_FEED_EVENT_INVENTORY
							: ACCEL_FEED_EVENT_METRICS;
	accel_notification n;
	char k[ACCEL_FEED_KEY_MAX];
	uint64_t id;
	int r;

	r = key_text(key, klen, k, err);
	if (r)
		return r;
	if (!value) {
		if (kind != ACCEL_FEED_INVENTORY)
			return accel_err_set(err, -EBADMSG,
					     "a null value (a tombstone) on the metrics topic");
		apply_tombstone(f, k);
		return 0;
	}
	r = accel_notification_parse(value, vlen, &n, err);
	if (r)
		return r;
	if (strcmp(n.event_type, want)) {
		r = accel_err_set(err, -EBADMSG, "event_type \"%s\", not \"%s\"", n.event_type,
				  want);
		goto out;
	}
	id = sched_hash(n.message_id);
	if (seen_before(f, id)) {
		f->st.duplicates++;
		goto out;
	}
	r = kind == ACCEL_FEED_INVENTORY ? apply_inventory(f, k, n.payload, err)
					 : apply_metrics(f, k, n.payload, err);
	/* a record that failed for want of memory may come again and apply */
	if (r != -ENOMEM)
		remember(f, id);
out:
	accel_notification_release(&n);
	return r;
}

int accel_sched_feed_record(accel_sched_feed *f, accel_sched_feed_kind kind, const void *key,
			    size_t klen, const void *value, size_t vlen, const char *where,
			    accel_err *err)
{
	int r;

	accel_err_clear(err);
	if (kind != ACCEL_FEED_INVENTORY && kind != ACCEL_FEED_METRICS)
		return accel_err_set(err, -EINVAL, "%s: not a topic of the feed", where);
	pthread_mutex_lock(&f->lock);
	f->st.records++;
	r = record(f, kind, key, klen, value, vlen, err);
	if (r)
		f->st.skipped++;
	pthread_mutex_unlock(&f->lock);
	if (r)
		accel_err_prefix(err, r, "%s", where ? where : "record");
	return r;
}
