/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host table: one compact record per host, its devices pointing at
 * interned profiles (what all devices of one make share), and the host's
 * PCIe groups as device masks, precomputed from the inventory's upstream
 * chains so that a request groups devices with a few AND and popcount
 * operations instead of looking at paths.
 *
 * Updates build the new record outside the table (writers take turns on
 * their own mutex), then swap it in under the write lock: readers, who
 * hold the read lock for a whole evaluation, wait at most for the swap,
 * and the old record is freed after it, when no reader can hold it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/sched_feed.h>
#include <accel/model.h>
#include <accel/util.h>
#include "sched_int.h"

#define FNV_OFFSET     1469598103934665603ull
#define FNV_PRIME      1099511628211ull
#define SCHED_MAX_FILE (16u << 20)

uint64_t sched_hash(const char *s)
{
	uint64_t h = FNV_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

static int hosts_new(accel_sched_hosts **out, bool small_layout)
{
	accel_sched_hosts *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->small_layout = small_layout;
	if (pthread_rwlock_init(&t->lock, NULL)) {
		free(t);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&t->wlock, NULL)) {
		pthread_rwlock_destroy(&t->lock);
		free(t);
		return -ENOMEM;
	}
	t->n_slots = 64;
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	if (!t->slots) {
		pthread_mutex_destroy(&t->wlock);
		pthread_rwlock_destroy(&t->lock);
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

int accel_sched_hosts_new(accel_sched_hosts **out)
{
	return hosts_new(out, true);
}

int sched_hosts_new_general(accel_sched_hosts **out)
{
	return hosts_new(out, false);
}

static void profile_clear(struct sched_profile *p)
{
	free(p->vendor);
	free(p->model);
	free(p->rc);
	accel_strv_free(p->traits, p->n_traits);
}

void accel_sched_hosts_free(accel_sched_hosts *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_ids; i++) {
		free(t->by_id[i]);
		free(t->id_name[i]);
	}
	free(t->by_id);
	free(t->small);
	free(t->id_name);
	free(t->id_hash);
	free(t->slots);
	for (size_t i = 0; i < t->n_profiles; i++)
		profile_clear((struct sched_profile *)sched_profile(t, i));
	for (size_t c = 0; c < sizeof(t->chunk) / sizeof(t->chunk[0]); c++)
		free(t->chunk[c]);
	free(t->pindex);
	pthread_mutex_destroy(&t->wlock);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

/* The slot of a name: its id + 1, or the empty slot where it would go. */
static size_t slot_of(const accel_sched_hosts *t, const char *name, uint64_t h)
{
	size_t i = h & (t->n_slots - 1);

	while (t->slots[i] &&
	       (t->id_hash[t->slots[i] - 1] != h || strcmp(t->id_name[t->slots[i] - 1], name)))
		i = (i + 1) & (t->n_slots - 1);
	return i;
}

int32_t sched_find_id(const accel_sched_hosts *t, const char *name)
{
	size_t i = slot_of(t, name, sched_hash(name));

	return t->slots[i] ? (int32_t)(t->slots[i] - 1) : -1;
}

static int grow_slots(accel_sched_hosts *t)
{
	uint32_t *old = t->slots;
	size_t n = t->n_slots;

	t->slots = calloc(n * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->n_slots = n * 2;
	for (size_t i = 0; i < n; i++)
		if (old[i]) {
			size_t s = t->id_hash[old[i] - 1] & (t->n_slots - 1);

			while (t->slots[s])
				s = (s + 1) & (t->n_slots - 1);
			t->slots[s] = old[i];
		}
	free(old);
	return 0;
}

/* The id of a name, made when new (write lock held). */
static int id_of_name(accel_sched_hosts *t, const char *name, uint32_t *out)
{
	uint64_t h = sched_hash(name);
	size_t s = slot_of(t, name, h);
	char *copy;

	if (t->slots[s]) {
		*out = t->slots[s] - 1;
		return 0;
	}
	if (t->n_ids >= INT32_MAX - 1)
		return -E2BIG;
	if ((t->n_ids + 1) * 2 > t->n_slots) {
		if (grow_slots(t))
			return -ENOMEM;
		s = slot_of(t, name, h);
	}
	if (t->n_ids == t->cap_ids) {
		size_t cap = t->cap_ids ? t->cap_ids * 2 : 64;
		struct sched_host **b = realloc(t->by_id, cap * sizeof(*b));
		char **nm;
		uint64_t *hs;

		if (!b)
			return -ENOMEM;
		t->by_id = b;
		{
			/* aligned, so no realloc: copy */
			struct sched_small *sm = aligned_alloc(64, cap * sizeof(*sm));

			if (!sm)
				return -ENOMEM;
			if (t->n_ids)
				memcpy(sm, t->small, t->n_ids * sizeof(*sm));
			free(t->small);
			t->small = sm;
		}
		nm = realloc(t->id_name, cap * sizeof(*nm));
		if (!nm)
			return -ENOMEM;
		t->id_name = nm;
		hs = realloc(t->id_hash, cap * sizeof(*hs));
		if (!hs)
			return -ENOMEM;
		t->id_hash = hs;
		t->cap_ids = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	t->by_id[t->n_ids] = NULL;
	memset(&t->small[t->n_ids], 0, sizeof(t->small[0]));
	t->id_name[t->n_ids] = copy;
	t->id_hash[t->n_ids] = h;
	t->slots[s] = (uint32_t)t->n_ids + 1;
	*out = (uint32_t)t->n_ids++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cc_of(const char *s)
{
	unsigned maj, min;

	if (!s || sscanf(s, "%3u.%3u", &maj, &min) != 2 || min > 99)
		return -1;
	return (int)(maj * 100 + min);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void pindex_put(accel_sched_hosts *t, uint64_t h, uint32_t i)
{
	size_t s = h & (t->n_pindex - 1);

	while (t->pindex[s])
		s = (s + 1) & (t->n_pindex - 1);
	t->pindex[s] = i + 1;
}

static int pindex_grow(accel_sched_hosts *t)
{
	size_t n = t->n_pindex ? t->n_pindex * 2 : 64;
	uint32_t *old = t->pindex;
	size_t n_old = t->n_pindex;

	t->pindex = calloc(n, sizeof(*t->pindex));
	if (!t->pindex) {
		t->pindex = old;
		return -ENOMEM;
	}
	t->n_pindex = n;
	for (size_t s = 0; s < n_old; s++)
		if (old[s])
			pindex_put(t, sched_profile(t, old[s] - 1)->hash, old[s] - 1);
	free(old);
	return 0;
}

int sched_profile_of(accel_sched_hosts *t, const accel_device *d, uint16_t *out)
{
	struct sched_profile p = {0};
	char **traits = NULL;
	size_t nt = 0;
	uint64_t h;
	int r = 0;

	for (size_t i = 0; i < d->n_traits && !r; i++)
		r = accel_strv_add(&traits, &nt, d->traits[i]);
	if (r)
		return r;
	if (nt > 1)
		qsort(traits, nt, sizeof(*traits), cmp_str);
	p.kind = d->kind;
	p.vendor_id = d->vendor_id;
	p.memory_mb = d->memory_mb;
	p.cc = cc_of(d->compute_capability);
	h = sched_hash(d->model ? d->model : "") ^ ((uint64_t)d->vendor_id << 32) ^
	    ((uint64_t)d->device_id << 16) ^ (uint64_t)d->memory_mb * 31 ^ (uint64_t)p.kind;
	for (size_t i = 0; i < nt; i++)
		h = h * 31 + sched_hash(traits[i]);
	p.hash = h;
	/* look it up: slots hold index + 1, 0 is empty */
	for (size_t s = t->n_pindex ? h & (t->n_pindex - 1) : 0; t->n_pindex && t->pindex[s];
	     s = (s + 1) & (t->n_pindex - 1)) {
		const struct sched_profile *q = sched_profile(t, t->pindex[s] - 1);
		bool same = q->hash == h && q->kind == p.kind && q->vendor_id == p.vendor_id &&
			    q->memory_mb == p.memory_mb && q->cc == p.cc &&
			    same_str(q->vendor, d->vendor) && same_str(q->model, d->model) &&
			    same_str(q->rc, d->resource_class) && q->n_traits == nt;

		for (size_t k = 0; same && k < nt; k++)
			same = !strcmp(q->traits[k], traits[k]);
		if (same) {
			accel_strv_free(traits, nt);
			*out = (uint16_t)(t->pindex[s] - 1);
			return 0;
		}
	}
	if (t->n_profiles >= SCHED_MAX_PROFILES) {
		accel_strv_free(traits, nt);
		return -E2BIG;
	}
	if ((t->n_profiles + 1) * 2 > t->n_pindex && pindex_grow(t)) {
		accel_strv_free(traits, nt);
		return -ENOMEM;
	}
	{
		size_t c = t->n_profiles / SCHED_PROFILE_CHUNK;

		if (!t->chunk[c] &&
		    !(t->chunk[c] = calloc(SCHED_PROFILE_CHUNK, sizeof(struct sched_profile)))) {
			accel_strv_free(traits, nt);
			return -ENOMEM;
		}
	}
	p.traits = traits;
	p.n_traits = nt;
	if ((d->vendor && !(p.vendor = strdup(d->vendor))) ||
	    (d->model && !(p.model = strdup(d->model))) ||
	    (d->resource_class && !(p.rc = strdup(d->resource_class)))) {
		profile_clear(&p);
		return -ENOMEM;
	}
	*(struct sched_profile *)sched_profile(t, t->n_profiles) = p;
	pindex_put(t, h, (uint32_t)t->n_profiles);
	*out = (uint16_t)t->n_profiles;
	/* publish: readers load the count with acquire */
	__atomic_store_n(&t->n_profiles, t->n_profiles + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Building a host: per device the PCIe groups it belongs to, as small
 * ids local to the host (accel_topo_ids, 0: none), keyed by the rules of
 * common/topology.c (accel_topo_group_keys). */
struct names {
	const char **v;
	size_t n;
};

static uint16_t id_of(struct names *ids, const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < ids->n; i++)
		if (!strcmp(ids->v[i], name))
			return (uint16_t)(i + 1);
	ids->v[ids->n++] = name;
	return (uint16_t)ids->n;
}

struct gbuild {
	struct sched_group *g;
	uint64_t *m;
	size_t n, cap, nw;
};

static unsigned popcount_w(const uint64_t *m, size_t nw)
{
	unsigned c = 0;

	for (size_t w = 0; w < nw; w++)
		c += (unsigned)__builtin_popcountll(m[w]);
	return c;
}

/* Add a group unless it has one device or equals one already there. */
static int add_group(struct gbuild *b, int level, const uint64_t *mask, const accel_topo_ids *bd,
		     size_t n_dev)
{
	int16_t numa = -1;

	if (popcount_w(mask, b->nw) < 2)
		return 0;
	for (size_t i = 0; i < b->n; i++)
		if (!memcmp(&b->m[i * b->nw], mask, b->nw * sizeof(*mask)))
			return 0;
	for (size_t d = 0; d < n_dev; d++)
		if (mask[d / 64] >> (d % 64) & 1 && bd[d].numa >= 0)
			numa = numa == -1 || numa == bd[d].numa ? bd[d].numa : -2;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct sched_group *g = realloc(b->g, cap * sizeof(*g));
		uint64_t *m;

		if (!g)
			return -ENOMEM;
		b->g = g;
		m = realloc(b->m, cap * b->nw * sizeof(*m));
		if (!m)
			return -ENOMEM;
		b->m = m;
		b->cap = cap;
	}
	b->g[b->n].level = (uint8_t)level;
	b->g[b->n].numa = numa;
	memcpy(&b->m[b->n * b->nw], mask, b->nw * sizeof(*mask));
	b->n++;
	if (numa == -2) {
		/* again per node, for numa=strict */
		for (size_t d = 0; d < n_dev; d++) {
			uint64_t sub[SCHED_MAX_WORDS] = {0};
			bool first = true;
			int r;

			if (!(mask[d / 64] >> (d % 64) & 1) || bd[d].numa < 0)
				continue;
			for (size_t e = 0; e < d; e++)
				if (mask[e / 64] >> (e % 64) & 1 && bd[e].numa == bd[d].numa)
					first = false;
			if (!first)
				continue;
			for (size_t e = d; e < n_dev; e++)
				if (mask[e / 64] >> (e % 64) & 1 && bd[e].numa == bd[d].numa)
					sub[e / 64] |= 1ull << (e % 64);
			r = add_group(b, level, sub, bd, n_dev);
			if (r)
				return r;
		}
	}
	return 0;
}

static int build_groups(struct gbuild *b, const accel_topo_ids *bd, size_t n_dev)
{
	uint32_t *keys = malloc(3 * n_dev * sizeof(*keys) + 1);
	uint64_t *masks = malloc(3 * n_dev * b->nw * sizeof(*masks) + 1);
	int r = keys && masks ? 0 : -ENOMEM;

	for (int level = ACCEL_LINK_PIX; level <= ACCEL_LINK_SYS && !r; level++) {
		size_t nk = 0;

		for (size_t d = 0; d < n_dev; d++) {
			uint32_t k[3];
			size_t n = accel_topo_group_keys(&bd[d], (accel_link_class)level, k);

			for (size_t x = 0; x < n; x++) {
				size_t j = 0;

				while (j < nk && keys[j] != k[x])
					j++;
				if (j == nk) {
					keys[nk] = k[x];
					memset(&masks[nk * b->nw], 0, b->nw * sizeof(*masks));
					nk++;
				}
				masks[j * b->nw + d / 64] |= 1ull << (d % 64);
			}
		}
		for (size_t j = 0; j < nk && !r; j++)
			r = add_group(b, level, &masks[j * b->nw], bd, n_dev);
	}
	free(keys);
	free(masks);
	return r;
}

/* Discovery takes a machine with one NUMA node (numa_node -1 everywhere)
 * as one node: its links across host bridges say NODE, not unknown. */
static bool single_node(const accel_inventory *inv)
{
	size_t nd = accel_inventory_n_devices(inv), nl = accel_inventory_n_links(inv);

	for (size_t i = 0; i < nd; i++)
		if (accel_inventory_device(inv, i)->numa_node >= 0)
			return false;
	for (size_t i = 0; i < nl; i++)
		if (accel_inventory_link(inv, i)->cls == ACCEL_LINK_NODE)
			return true;
	return false;
}

/* Devices by utilization (unknown counts as 0), then index. */
static void util_order(const struct sched_dev *dev, size_t n, uint8_t *order)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		unsigned u = sched_util(&dev[i]);

		for (; j > 0; j--) {
			if (sched_util(&dev[order[j - 1]]) <= u)
				break;
			order[j] = order[j - 1];
		}
		order[j] = (uint8_t)i;
	}
}

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static int build_host(accel_sched_hosts *t, const accel_inventory *inv, struct sched_host **out,
		      accel_err *err)
{
	const char *host = accel_inventory_host(inv);
	bool one_node = single_node(inv);
	size_t nd = accel_inventory_n_devices(inv), n = 0, nw, off_known, off_groups, off_masks,
	       off_uorder, off_addr, off_name, size;
	struct sched_dev *dev = calloc(nd + 1, sizeof(*dev));
	accel_topo_ids *bd = calloc(nd + 1, sizeof(*bd));
	struct names ids = {calloc(4 * nd + 1, sizeof(char *)), 0};
	struct names slots = {calloc(nd + 1, sizeof(char *)), 0};
	char(*slot_keys)[ACCEL_ADDR_MAX] = calloc(nd + 1, ACCEL_ADDR_MAX);
	char(*addrs)[ACCEL_ADDR_MAX] = calloc(nd + 1, ACCEL_ADDR_MAX);
	struct gbuild gb = {0};
	struct sched_host *h = NULL;
	uint64_t known[SCHED_MAX_WORDS] = {0};
	int64_t mem0 = 0;
	bool uniform = true;
	int r = 0;

	if (!dev || !bd || !ids.v || !slots.v || !slot_keys || !addrs) {
		r = accel_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nd && !r; i++) {
		const accel_device *d = accel_inventory_device(inv, i);
		struct sched_dev *s;
		accel_topo_ids *b;
		accel_topo_names tn;

		if (d->kind == ACCEL_KIND_DISPLAY || !d->resource_class)
			continue; /* never scheduled */
		if (n == SCHED_MAX_HOST_DEVICES) {
			r = accel_err_set(err, -E2BIG, "%s: more than %d accelerators", host,
					  SCHED_MAX_HOST_DEVICES);
			break;
		}
		s = &dev[n];
		b = &bd[n];
		r = sched_profile_of(t, d, &s->profile);
		if (r) {
			accel_err_set(err, r, "%s: %s: %s", host, d->address, accel_strerror(r));
			break;
		}
		memcpy(addrs[n], d->address, ACCEL_ADDR_MAX);
		s->flags = (d->in_use == 1 ? SDEV_IN_USE : 0) |
			   (d->health == ACCEL_HEALTH_FAILED ? SDEV_FAILED : 0) |
			   (d->health == ACCEL_HEALTH_DEGRADED ? SDEV_DEGRADED : 0) |
			   (d->utilization >= 0 ? SDEV_UTIL : 0);
		s->util = (uint8_t)(d->utilization >= 0 && d->utilization <= 100 ? d->utilization
										 : 0);
		s->numa = (int16_t)(one_node ? 0 : d->numa_node < 0 ? -1 : d->numa_node);
		if (n == 0)
			mem0 = d->memory_mb;
		uniform &= d->memory_mb == mem0;
		if (s->numa >= 0)
			known[n / 64] |= 1ull << (n % 64);
		b->numa = s->numa;
		accel_topo_names_of(
			&(accel_topo_node){d->address, (const char *const *)d->pcie.upstream,
					   d->pcie.n_upstream, d->pcie.host_bridge, d->numa_node},
			&tn);
		b->parent = id_of(&ids, tn.parent);
		b->root = id_of(&ids, tn.root);
		b->gparent = id_of(&ids, tn.gparent);
		b->host_bridge = id_of(&ids, tn.host_bridge);
		if (tn.slot[0]) {
			memcpy(slot_keys[n], tn.slot, ACCEL_ADDR_MAX);
			b->slot = id_of(&slots, slot_keys[n]);
		}
		n++;
	}
	if (r)
		goto out;
	nw = n ? (n + 63) / 64 : 1;
	gb.nw = nw;
	if (build_groups(&gb, bd, n)) {
		r = accel_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* one block: header, devices, known, masks, groups, uorder | addresses,
	 * name */
	off_known = ALIGN8(sizeof(*h) + n * sizeof(*dev));
	off_masks = off_known + nw * sizeof(uint64_t);
	off_groups = off_masks + gb.n * nw * sizeof(uint64_t);
	off_uorder = off_groups + gb.n * sizeof(struct sched_group);
	off_addr = off_uorder + n;
	off_name = off_addr + n * ACCEL_ADDR_MAX;
	size = off_name + strlen(host) + 1;
	h = calloc(1, size);
	if (!h || size > UINT32_MAX) {
		free(h);
		h = NULL;
		r = accel_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	h->off_known = (uint32_t)off_known;
	h->off_masks = (uint32_t)off_masks;
	h->off_groups = (uint32_t)off_groups;
	h->off_uorder = (uint32_t)off_uorder;
	h->off_addr = (uint32_t)off_addr;
	h->off_name = (uint32_t)off_name;
	memcpy(h->dev, dev, n * sizeof(*dev));
	memcpy((char *)h + off_known, known, nw * sizeof(uint64_t));
	if (gb.n) {
		memcpy((char *)h + off_masks, gb.m, gb.n * nw * sizeof(uint64_t));
		memcpy((char *)h + off_groups, gb.g, gb.n * sizeof(struct sched_group));
	}
	util_order(h->dev, n, (uint8_t *)h + off_uorder);
	memcpy((char *)h + off_addr, addrs, n * ACCEL_ADDR_MAX);
	strcpy((char *)h + off_name, host);
	h->n_dev = (uint16_t)n;
	h->n_groups = (uint16_t)gb.n;
	h->n_words = (uint8_t)nw;
	h->uniform_mem = uniform;
	*out = h;
out:
	free(dev);
	free(bd);
	free(ids.v);
	free(slots.v);
	free(slot_keys);
	free(addrs);
	free(gb.g);
	free(gb.m);
	return r;
}

/* The hot record of h; slot SLOT_BIG when h does not fit one, or when
 * the table keeps every host in the general layout. */
static void make_small(const accel_sched_hosts *t, const struct sched_host *h,
		       struct sched_small *sm)
{
	const uint64_t *masks = sched_masks(h);
	const struct sched_group *groups = sched_groups(h);

	memset(sm, 0, sizeof(*sm));
	sm->gen = h->gen;
	sm->slot = SLOT_BIG;
	if (!t->small_layout || h->n_dev > SMALL_DEVS || h->n_groups > SMALL_GROUPS)
		return;
	for (unsigned i = 0; i < h->n_dev; i++)
		if (h->dev[i].numa > 127)
			return;
	sm->slot = SLOT_SMALL;
	sm->n_dev = (uint8_t)h->n_dev;
	sm->n_groups = (uint8_t)h->n_groups;
	sm->uniform_mem = h->uniform_mem;
	sm->one_profile = h->n_dev ? h->dev[0].profile : NO_PROFILE;
	for (unsigned i = 0; i < h->n_dev; i++) {
		const struct sched_dev *d = &h->dev[i];
		uint8_t b = (uint8_t)(1u << i);

		if (d->profile != sm->one_profile)
			sm->one_profile = NO_PROFILE;
		sm->profile[i] = d->profile;
		/* unknown counts as 0, and over_util() wants 0..100 */
		sm->util[i] = d->flags & SDEV_UTIL && d->util <= 100 ? d->util : 0;
		sm->numa[i] = (int8_t)d->numa;
		sm->uorder[i] = sched_uorder(h)[i];
		if (d->flags & SDEV_IN_USE)
			sm->in_use |= b;
		if (d->flags & SDEV_FAILED)
			sm->failed |= b;
		if (d->flags & SDEV_DEGRADED)
			sm->degraded |= b;
		if (d->flags & SDEV_UTIL)
			sm->util_known |= b;
		if (d->numa >= 0)
			sm->known_numa |= b;
	}
	sm->usable = (uint8_t)(((1u << h->n_dev) - 1) & ~sm->in_use & ~sm->failed);
	for (int l = 0; l <= ACCEL_LINK_SYS; l++)
		for (unsigned g = 0; g < h->n_groups && groups[g].level <= l; g++)
			sm->level_end[l] = (uint8_t)(g + 1);
	for (unsigned g = 0; g < h->n_groups; g++) {
		sm->gmask[g] = (uint8_t)masks[g];
		sm->glevel[g] = groups[g].level;
		sm->gnuma[g] = (int8_t)(groups[g].numa < -1 ? -2 : groups[g].numa);
	}
}

int accel_sched_hosts_update(accel_sched_hosts *t, const accel_inventory *inv, accel_err *err)
{
	struct sched_host *h = NULL, *old;
	uint32_t id;
	int r;

	accel_err_clear(err);
	if (!accel_inventory_host(inv)[0])
		return accel_err_set(err, -EINVAL, "inventory without a host name");
	pthread_mutex_lock(&t->wlock);
	r = build_host(t, inv, &h, err);
	if (r) {
		pthread_mutex_unlock(&t->wlock);
		return r;
	}
	pthread_rwlock_wrlock(&t->lock);
	r = id_of_name(t, sched_name(h), &id);
	if (r) {
		pthread_rwlock_unlock(&t->lock);
		pthread_mutex_unlock(&t->wlock);
		free(h);
		return accel_err_set(err, r, "%s: %s", accel_inventory_host(inv),
				     accel_strerror(r));
	}
	h->gen = ++t->next_gen;
	old = t->by_id[id];
	t->by_id[id] = h;
	make_small(t, h, &t->small[id]);
	if (!old)
		t->n_hosts++;
	pthread_rwlock_unlock(&t->lock);
	pthread_mutex_unlock(&t->wlock);
	free(old);
	return 0;
}

int accel_sched_hosts_remove(accel_sched_hosts *t, const char *host)
{
	struct sched_host *old = NULL;
	int32_t id;

	pthread_rwlock_wrlock(&t->lock);
	id = sched_find_id(t, host);
	if (id >= 0) {
		old = t->by_id[id];
		t->by_id[id] = NULL;
		t->small[id].slot = SLOT_NONE;
		if (old)
			t->n_hosts--;
	}
	pthread_rwlock_unlock(&t->lock);
	free(old);
	return old ? 0 : -ENOENT;
}

size_t accel_sched_hosts_count(accel_sched_hosts *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->n_hosts;
	pthread_rwlock_unlock(&t->lock);
	return n;
}

int accel_sched_hosts_names(accel_sched_hosts *t, char ***names, size_t *n)
{
	char **v = NULL;
	size_t k = 0;
	int r = 0;

	pthread_rwlock_rdlock(&t->lock);
	v = calloc(t->n_hosts + 1, sizeof(*v));
	if (!v)
		r = -ENOMEM;
	for (size_t i = 0; !r && i < t->n_ids; i++)
		if (t->by_id[i] && !(v[k++] = strdup(sched_name(t->by_id[i]))))
			r = -ENOMEM;
	pthread_rwlock_unlock(&t->lock);
	if (r) {
		accel_strv_free(v, k);
		return r;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*names = v;
	*n = k;
	return 0;
}

uint32_t accel_sched_hosts_generation(accel_sched_hosts *t)
{
	uint32_t g;

	pthread_rwlock_rdlock(&t->lock);
	g = t->next_gen;
	pthread_rwlock_unlock(&t->lock);
	return g;
}

int32_t accel_sched_host_id(accel_sched_hosts *t, const char *host)
{
	int32_t id;

	pthread_rwlock_rdlock(&t->lock);
	id = sched_find_id(t, host);
	pthread_rwlock_unlock(&t->lock);
	return id;
}

static int load_file(accel_sched_hosts *t, const char *path, accel_err *err)
{
	accel_inventory *inv = NULL;
	char *text;
	size_t n;
	int r;

	r = accel_read_file(path, SCHED_MAX_FILE, &text, &n, NULL, err);
	if (r)
		return r;
	r = accel_inventory_from_json(text, n, &inv, err);
	free(text);
	if (r)
		return accel_err_prefix(err, r, "%s", path);
	r = accel_sched_hosts_update(t, inv, err);
	accel_inventory_free(inv);
	return r;
}

int accel_sched_hosts_load_dir(accel_sched_hosts *t, const char *dir, accel_err *err)
{
	struct dirent *e;
	accel_err first = {0};
	int loaded = 0, r;
	DIR *d = opendir(dir);

	accel_err_clear(err);
	if (!d)
		return accel_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char path[4096];
		size_t nl = strlen(e->d_name);
		accel_err ferr;

		if (nl < 6 || strcmp(e->d_name + nl - 5, ".json") || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = load_file(t, path, &ferr);
		if (r) {
			if (!first.code)
				first = ferr;
			continue;
		}
		loaded++;
	}
	closedir(d);
	if (first.code) {
		if (err)
			*err = first;
		return first.code;
	}
	return loaded;
}
