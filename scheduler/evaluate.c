/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Filter and weigher: every candidate host of a request in one call.
 *
 * Device constraints split in two. What all devices of one make share
 * (kind, vendor, model, resource class, memory, compute capability,
 * traits) is decided once per request for each interned profile; per
 * device only its state is left (failed, in use, utilization). A host's
 * check is then a pass over its devices with a table lookup each, which
 * yields the mask of its eligible devices.
 *
 * Group constraints: the host's PCIe groups are device masks built when
 * the host was added (scheduler/hosts.c says why they decide the link
 * class exactly). A host passes iff some group at a level within the p2p
 * limit holds `count` eligible devices (with numa=strict: a group on one
 * known node, counting devices of known node only): one AND and popcount
 * per group. tests/unit/test_sched.c checks this against a brute force
 * over device subsets.
 *
 * Weigher: among the passing groups of the tightest level (locality
 * first: an AI job's devices talk to each other), the best set is each
 * group's first `count` eligible devices in the policy's order (pack:
 * smallest memory first; spread: largest; then least utilized), scored
 * by memory fit, devices left over, locality, NUMA and utilization.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <accel/util.h>
#include "sched_int.h"
const char *accel_sched_reason_name(accel_sched_reason r)
{
	static const char *const names[] = {
		[ACCEL_REJECT_NONE] = "none",
		[ACCEL_REJECT_UNKNOWN_HOST] = "no_inventory",
		[ACCEL_REJECT_KIND] = "kind",
		[ACCEL_REJECT_VENDOR] = "vendor",
		[ACCEL_REJECT_MODEL] = "model",
		[ACCEL_REJECT_RESOURCE_CLASS] = "resource_class",
		[ACCEL_REJECT_MEMORY] = "min_memory_mb",
		[ACCEL_REJECT_COMPUTE_CAPABILITY] = "min_compute_capability",
		[ACCEL_REJECT_TRAITS] = "traits",
		[ACCEL_REJECT_HEALTH] = "health",
		[ACCEL_REJECT_IN_USE] = "in_use",
		[ACCEL_REJECT_UTILIZATION] = "max_utilization",
		[ACCEL_REJECT_COUNT] = "count",
		[ACCEL_REJECT_NUMA] = "numa",
		[ACCEL_REJECT_P2P] = "p2p",
	};

	return (unsigned)r < ACCEL_REJECT_MAX ? names[r] : "unknown";
}

static bool has(char *const *v, size_t n, const char *s)
{
	/* profile traits are sorted */
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid], s);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The most common reason devices were turned away (ties: the first in
 * the enum's order, the order of the checks); NONE when none was. */
static accel_sched_reason top_reason(const unsigned *counts)
{
	accel_sched_reason top = ACCEL_REJECT_NONE;

	for (int k = 1; k < ACCEL_REJECT_MAX; k++)
		if (counts[k] > counts[top])
			top = (accel_sched_reason)k;
	return counts[top] ? top : ACCEL_REJECT_NONE;
}

static accel_sched_reason profile_reason(const accel_sched_request *rq,
					 const struct sched_profile *p)
{
	if (rq->kind != ACCEL_KIND_NONE && p->kind != rq->kind)
		return ACCEL_REJECT_KIND;
	if (rq->kind == ACCEL_KIND_NONE && p->kind == ACCEL_KIND_DISPLAY)
		return ACCEL_REJECT_KIND;
	if ((rq->vendor_id >= 0 && p->vendor_id != rq->vendor_id) ||
	    (rq->vendor && (!p->vendor || strcasecmp(p->vendor, rq->vendor))))
		return ACCEL_REJECT_VENDOR;
	if (rq->model_glob && (!p->model || fnmatch(rq->model_glob, p->model, FNM_CASEFOLD)))
		return ACCEL_REJECT_MODEL;
	if (rq->rc && (!p->rc || strcmp(p->rc, rq->rc)))
		return ACCEL_REJECT_RESOURCE_CLASS;
	if (rq->min_memory_mb > 0 && (p->memory_mb < 0 || p->memory_mb < rq->min_memory_mb))
		return ACCEL_REJECT_MEMORY;
	if (rq->min_cc > 0 && (p->cc < 0 || p->cc < rq->min_cc))
		return ACCEL_REJECT_COMPUTE_CAPABILITY;
	for (size_t i = 0; i < rq->n_required; i++)
		if (!has(p->traits, p->n_traits, rq->required[i]))
			return ACCEL_REJECT_TRAITS;
	for (size_t i = 0; i < rq->n_forbidden; i++)
		if (has(p->traits, p->n_traits, rq->forbidden[i]))
			return ACCEL_REJECT_TRAITS;
	return ACCEL_REJECT_NONE;
}

/* What a request makes of each profile, computed once per call. */
struct prof_eval {
	uint8_t reason;
	uint32_t tree_traits; /* which of rq->tree_required it carries */
	int64_t mem;	      /* ordering key: unknown memory least preferred */
	double gib;	      /* memory for the score, 0 when unknown */
};

struct choice {
	double score;
	unsigned n;
	uint8_t idx[ACCEL_SCHED_MAX_COUNT];
};

/* Below every healthy fit, whatever its weight. */
#define DEGRADED_PENALTY 1e9

/* A host passes with this choice (degraded: only degraded devices fit). */
static void passed(accel_sched_result *out, const struct choice *best, bool degraded)
{
	out->pass = true;
	out->degraded = degraded;
	out->weight = best->score - (degraded ? DEGRADED_PENALTY : 0);
	out->n_chosen = (uint8_t)best->n;
	memcpy(out->chosen, best->idx, best->n);
}

static const int level_bonus[] = {
	[ACCEL_LINK_PIX] = 400,	 [ACCEL_LINK_PXB] = 300, [ACCEL_LINK_PHB] = 200,
	[ACCEL_LINK_NODE] = 100, [ACCEL_LINK_SYS] = 0,
};

/*
 * The weight of a chosen set, from its mean memory (GiB) and utilization,
 * whether it sits on one NUMA node, its size, the eligible devices of the
 * host and the locality level it fits in (score() gathers those).
 */
static double weight(const accel_sched_request *rq, double mem, double util, bool one_node,
		     unsigned n, unsigned eligible, int level)
{
	double s;

	if (rq->policy == ACCEL_POLICY_PACK)
		s = -1000.0 * mem - 10.0 * (eligible - n);
	else
		s = 1000.0 * mem + 10.0 * (eligible - n);
	if (n > 1)
		s += level_bonus[level];
	if (rq->numa == ACCEL_NUMA_PREFERRED && n > 1 && !one_node)
		s -= 50;
	return s - util / 10.0;
}

/*
 * ---- the rules, written once for both host layouts ----
 *
 * A host comes in one of two records: the general struct sched_host, and
 * for hosts of at most 8 devices the 128-byte hot struct sched_small,
 * masks in bytes. The rules below (the device match, the group check, the
 * policy's order and the score, the choice of a set) read a host only
 * through the accessors that follow, which take the layout as a constant:
 * everything is inlined, the constant folds, and each layout's loops are
 * compiled for its own record (no call, no branch on the layout left).
 *
 * Device masks are words of 64 bits; a small host's mask is its first
 * word, of which only the low 8 bits are ever set.
 */
enum layout { BIG, SMALL };

#define RULE static inline __attribute__((always_inline))

/* Bits set in a byte: a table, as baseline x86-64 has no popcnt and
 * __builtin_popcount would call libgcc. */
static const uint8_t pc8[256] = {
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
	B6(0), B6(1), B6(1), B6(2)
#undef B2
#undef B4
#undef B6
};

#define BIG_H(h)   ((const struct sched_host *)(h))
#define SMALL_H(h) ((const struct sched_small *)(h))

RULE unsigned n_dev(enum layout L, const void *h)
{
	return L == SMALL ? SMALL_H(h)->n_dev : BIG_H(h)->n_dev;
}

/* Device i's facts; the small record keeps its flags in per-host bytes. */
RULE struct sched_dev dev(enum layout L, const void *h, unsigned i)
{
	const struct sched_small *s = SMALL_H(h);
	struct sched_dev d;

	if (L == BIG)
		return BIG_H(h)->dev[i];
	d.profile = s->profile[i];
	d.flags =
		(uint8_t)((s->in_use >> i & 1) * SDEV_IN_USE | (s->failed >> i & 1) * SDEV_FAILED |
			  (s->degraded >> i & 1) * SDEV_DEGRADED |
			  (s->util_known >> i & 1) * SDEV_UTIL);
	d.util = s->util[i];
	d.numa = s->numa[i];
	return d;
}

RULE bool uniform_mem(enum layout L, const void *h)
{
	return L == SMALL ? SMALL_H(h)->uniform_mem : BIG_H(h)->uniform_mem;
}

/* The i-th device by utilization (the policy's order when memory is
 * uniform). */
RULE unsigned uorder(enum layout L, const void *h, unsigned i)
{
	return L == SMALL ? SMALL_H(h)->uorder[i] : sched_uorder(BIG_H(h))[i];
}

RULE unsigned n_words(enum layout L, const void *h)
{
	return L == SMALL ? 1 : BIG_H(h)->n_words;
}

/* Word w of the mask of devices whose NUMA node is known. */
RULE uint64_t known_word(enum layout L, const void *h, unsigned w)
{
	return L == SMALL ? SMALL_H(h)->known_numa : sched_known(BIG_H(h))[w];
}

static unsigned popcount_and(const uint64_t *a, const uint64_t *b, unsigned nw)
{
	unsigned c = 0;

	for (unsigned w = 0; w < nw; w++)
		c += (unsigned)__builtin_popcountll(a[w] & b[w]);
	return c;
}

/* Devices in mask m. */
RULE unsigned count(enum layout L, const void *h, const uint64_t *m)
{
	return L == SMALL ? pc8[m[0] & 0xff] : popcount_and(m, m, BIG_H(h)->n_words);
}

RULE bool bit(enum layout L, const uint64_t *m, unsigned i)
{
	return L == SMALL ? m[0] >> i & 1 : m[i / 64] >> (i % 64) & 1;
}

RULE unsigned n_groups(enum layout L, const void *h)
{
	return L == SMALL ? SMALL_H(h)->n_groups : BIG_H(h)->n_groups;
}

RULE struct sched_group group(enum layout L, const void *h, unsigned g)
{
	const struct sched_small *s = SMALL_H(h);

	if (L == BIG)
		return sched_groups(BIG_H(h))[g];
	return (struct sched_group){.level = s->glevel[g], .numa = s->gnuma[g]};
}

/* Devices of mask m in group g. */
RULE unsigned in_group(enum layout L, const void *h, unsigned g, const uint64_t *m)
{
	unsigned nw = n_words(L, h);

	if (L == SMALL)
		return pc8[m[0] & SMALL_H(h)->gmask[g]];
	return popcount_and(m, &sched_masks(BIG_H(h))[g * nw], nw);
}

RULE bool group_has(enum layout L, const void *h, unsigned g, unsigned i)
{
	if (L == SMALL)
		return SMALL_H(h)->gmask[g] >> i & 1;
	return bit(BIG, &sched_masks(BIG_H(h))[g * n_words(L, h)], i);
}

/* The tree traits (bits of rq->tree_required) some device of h carries. */
RULE uint32_t host_traits(const accel_sched_request *rq, enum layout L, const void *h,
			  const struct prof_eval *pe)
{
	uint32_t t = 0;

	if (rq->n_tree_required)
		for (unsigned i = 0; i < n_dev(L, h); i++)
			t |= pe[dev(L, h, i).profile].tree_traits;
	return t;
}

/*
 * The device match: the first device constraint d fails, NONE when it
 * meets them all. Its profile's verdict comes first, then the tree
 * traits of its host (a device must carry those some device of its host
 * carries), then its state. (A small host of one make takes the state
 * part for all its devices at once: usable_small().)
 */
RULE accel_sched_reason device_reason(const accel_sched_request *rq, const struct prof_eval *p,
				      uint32_t host_tr, struct sched_dev d)
{
	if (p->reason)
		return (accel_sched_reason)p->reason;
	if (host_tr & ~p->tree_traits)
		return ACCEL_REJECT_TRAITS;
	if (!d.flags)
		return ACCEL_REJECT_NONE;
	if (d.flags & SDEV_FAILED)
		return ACCEL_REJECT_HEALTH;
	if (d.flags & SDEV_IN_USE)
		return ACCEL_REJECT_IN_USE;
	if (rq->max_utilization >= 0 && (d.flags & SDEV_UTIL) && d.util > rq->max_utilization)
		return ACCEL_REJECT_UTILIZATION;
	return ACCEL_REJECT_NONE;
}

/*
 * Which devices of h meet the device constraints: masks of all of them and
 * of the healthy ones (both zeroed by the caller); counts (zeroed by the
 * caller) the others per reason. Returns the most common reason a device
 * was turned away.
 */
RULE accel_sched_reason classify(const accel_sched_request *rq, enum layout L, const void *h,
				 const struct prof_eval *pe, uint64_t *healthy, uint64_t *all,
				 unsigned *counts)
{
	uint32_t host_tr = host_traits(rq, L, h, pe);

	for (unsigned i = 0; i < n_dev(L, h); i++) {
		struct sched_dev d = dev(L, h, i);
		accel_sched_reason why = device_reason(rq, &pe[d.profile], host_tr, d);

		if (why) {
			counts[why]++;
			continue;
		}
		all[i / 64] |= 1ull << (i % 64);
		if (!(d.flags & SDEV_DEGRADED))
			healthy[i / 64] |= 1ull << (i % 64);
	}
	return top_reason(counts);
}

/* The score of a set of devices of h; higher is better. */
RULE double score(const accel_sched_request *rq, enum layout L, const void *h,
		  const struct prof_eval *pe, const uint8_t *set, unsigned n, unsigned eligible,
		  int level)
{
	double mem = 0, util = 0;
	int node = dev(L, h, set[0]).numa;
	bool one_node = true;

	for (unsigned i = 0; i < n; i++) {
		struct sched_dev d = dev(L, h, set[i]);

		mem += pe[d.profile].gib;
		util += sched_util(&d);
		one_node &= d.numa >= 0 && d.numa == node;
	}
	return weight(rq, mem / n, util / n, one_node, n, eligible, level);
}

/* Is device a before device b in the policy's order? */
RULE bool before(const accel_sched_request *rq, enum layout L, const void *h,
		 const struct prof_eval *pe, unsigned a, unsigned b)
{
	struct sched_dev da = dev(L, h, a), db = dev(L, h, b);
	int64_t ma = pe[da.profile].mem, mb = pe[db.profile].mem;

	if (ma != mb)
		return rq->policy == ACCEL_POLICY_PACK ? ma < mb : ma > mb;
	if (sched_util(&da) != sched_util(&db))
		return sched_util(&da) < sched_util(&db);
	return a < b;
}

/* The devices of mask m in the policy's order; returns how many. */
RULE unsigned order_of(const accel_sched_request *rq, enum layout L, const void *h,
		       const struct prof_eval *pe, const uint64_t *m, uint8_t *order)
{
	unsigned n = 0;

	if (uniform_mem(L, h)) {
		/* without branches: write each, keep those in m */
		for (unsigned i = 0; i < n_dev(L, h); i++) {
			order[n] = (uint8_t)uorder(L, h, i);
			n += bit(L, m, order[n]);
		}
		return n;
	}
	for (unsigned i = 0; i < n_dev(L, h); i++) {
		unsigned j = n;

		if (!bit(L, m, i))
			continue;
		for (n++; j > 0 && before(rq, L, h, pe, i, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = (uint8_t)i;
	}
	return n;
}

/* The first device of the non-empty mask m in the policy's order. */
RULE unsigned first_of(const accel_sched_request *rq, enum layout L, const void *h,
		       const struct prof_eval *pe, const uint64_t *m)
{
	unsigned b = SCHED_MAX_HOST_DEVICES;

	if (uniform_mem(L, h)) {
		for (unsigned i = 0;; i++)
			if (bit(L, m, uorder(L, h, i)))
				return uorder(L, h, i);
	}
	for (unsigned i = 0; i < n_dev(L, h); i++)
		if (bit(L, m, i) && (b == SCHED_MAX_HOST_DEVICES || before(rq, L, h, pe, i, b)))
			b = i;
	return b;
}

/* The group check: does group g hold `need` devices of e, on one known
 * node for numa=strict (e then holds devices of known node only)? */
RULE bool group_fits(const accel_sched_request *rq, enum layout L, const void *h, unsigned g,
		     const uint64_t *e, unsigned need)
{
	return in_group(L, h, g, e) >= need &&
	       (rq->numa != ACCEL_NUMA_STRICT || group(L, h, g).numa >= 0);
}

/* Why no group within the p2p limit fits: enough devices (on one node)
 * but not close enough, or not enough on one node. */
RULE accel_sched_reason no_group_reason(const accel_sched_request *rq, enum layout L, const void *h,
					const uint64_t *e, unsigned need)
{
	if (rq->numa != ACCEL_NUMA_STRICT)
		return ACCEL_REJECT_P2P; /* the SYS group holds them all */
	for (unsigned g = 0; g < n_groups(L, h); g++)
		if (group_fits(rq, L, h, g, e, need))
			return ACCEL_REJECT_P2P;
	return ACCEL_REJECT_NUMA;
}

/*
 * Choose `count` devices of the mask `elig`; false when no set meets the
 * group constraints (*why then says which).
 */
RULE bool choose_in(const accel_sched_request *rq, enum layout L, const void *h,
		    const struct prof_eval *pe, const uint64_t *elig, struct choice *best,
		    accel_sched_reason *why)
{
	unsigned need = rq->count, n_elig = count(L, h, elig), n_order, end, g, first = 0;
	unsigned max = rq->p2p == ACCEL_LINK_UNKNOWN ? ACCEL_LINK_SYS : rq->p2p;
	unsigned found = ACCEL_LINK_SYS + 1;
	bool strict = rq->numa == ACCEL_NUMA_STRICT;
	uint64_t e[SCHED_MAX_WORDS];
	uint8_t order[SCHED_MAX_HOST_DEVICES];

	if (n_elig < need) {
		*why = ACCEL_REJECT_COUNT;
		return false;
	}
	if (need == 1) {
		/* one device: no group to form */
		best->n = 1;
		best->idx[0] = (uint8_t)first_of(rq, L, h, pe, elig);
		best->score = score(rq, L, h, pe, best->idx, 1, n_elig, ACCEL_LINK_SYS);
		return true;
	}
	for (unsigned w = 0; w < n_words(L, h); w++)
		e[w] = strict ? elig[w] & known_word(L, h, w) : elig[w];
	/* first: the tightest level within the limit where some group holds
	 * enough, and the first such group (groups are sorted by level). The
	 * hot record knows where each level ends and goes without branches
	 * to mispredict; a big host's many groups stop at the first fit. */
	end = L == SMALL ? SMALL_H(h)->level_end[max] : n_groups(L, h);
	for (g = 0; g < end; g++) {
		unsigned lv = group(L, h, g).level;
		bool ok;

		if (L == BIG && lv > max)
			break;
		ok = group_fits(rq, L, h, g, e, need) && lv < found;
		first = ok ? g : first;
		found = ok ? lv : found;
		if (L == BIG && ok)
			break;
	}
	if (found > ACCEL_LINK_SYS) {
		*why = no_group_reason(rq, L, h, e, need);
		return false;
	}
	/* then the best set among the groups of that level: each one's first
	 * `count` devices in the policy's order */
	n_order = order_of(rq, L, h, pe, e, order);
	best->n = 0;
	end = L == SMALL ? SMALL_H(h)->level_end[found] : n_groups(L, h);
	for (g = first; g < end && (L == SMALL || group(L, h, g).level == found); g++) {
		uint8_t set[ACCEL_SCHED_MAX_COUNT] = {0};
		unsigned got = 0;
		double v;

		if (!group_fits(rq, L, h, g, e, need))
			continue;
		/* without a branch to mispredict: write, keep it if in g */
		for (unsigned i = 0; i < n_order && got < need; i++) {
			set[got] = order[i];
			got += group_has(L, h, g, order[i]);
		}
		v = score(rq, L, h, pe, set, need, n_elig, (int)found);
		if (!best->n || v > best->score) {
			best->score = v;
			best->n = need;
			memcpy(best->idx, set, sizeof(set)); /* a constant size: one move */
		}
	}
	return true;
}

/* choose_in() compiled once per layout, out of the host loop */
static bool choose_big(const accel_sched_request *rq, const void *h, const struct prof_eval *pe,
		       const uint64_t *elig, struct choice *best, accel_sched_reason *why)
{
	return choose_in(rq, BIG, h, pe, elig, best, why);
}

static bool choose_small(const accel_sched_request *rq, const void *h, const struct prof_eval *pe,
			 const uint64_t *elig, struct choice *best, accel_sched_reason *why)
{
	return choose_in(rq, SMALL, h, pe, elig, best, why);
}

RULE bool choose(const accel_sched_request *rq, enum layout L, const void *h,
		 const struct prof_eval *pe, const uint64_t *elig, struct choice *best,
		 accel_sched_reason *why)
{
	return (L == SMALL ? choose_small : choose_big)(rq, h, pe, elig, best, why);
}

/*
 * Healthy devices whenever they suffice, degraded ones only when nothing
 * healthy fits: fills out (its n_eligible already counts `all`) on a
 * pass; returns the group constraint's reason when neither fits.
 */
RULE accel_sched_reason pick(const accel_sched_request *rq, enum layout L, const void *h,
			     const struct prof_eval *pe, const uint64_t *healthy,
			     const uint64_t *all, accel_sched_result *out)
{
	accel_sched_reason r = ACCEL_REJECT_NONE;
	struct choice best;
	bool some_degraded = false;

	if (out->n_eligible < rq->count)
		return ACCEL_REJECT_COUNT; /* nor are there enough healthy ones */
	if (choose(rq, L, h, pe, healthy, &best, &r)) {
		passed(out, &best, false);
		return ACCEL_REJECT_NONE;
	}
	for (unsigned w = 0; w < n_words(L, h); w++)
		some_degraded |= healthy[w] != all[w];
	if (some_degraded && choose(rq, L, h, pe, all, &best, &r)) {
		passed(out, &best, true);
		return ACCEL_REJECT_NONE;
	}
	return r;
}

/* ---- the general layout ---- */

static void eval_host(const accel_sched_request *rq, const struct sched_host *h,
		      const struct prof_eval *pe, accel_sched_result *out)
{
	uint64_t healthy[SCHED_MAX_WORDS] = {0}, all[SCHED_MAX_WORDS] = {0};
	unsigned counts[ACCEL_REJECT_MAX] = {0};
	accel_sched_reason first = classify(rq, BIG, h, pe, healthy, all, counts), r;

	memset(out, 0, sizeof(*out));
	out->host_gen = h->gen;
	out->n_eligible = (uint16_t)count(BIG, h, all);
	r = pick(rq, BIG, h, pe, healthy, all, out);
	/* too few devices: say which constraint took them away */
	if (!out->pass)
		out->reason = r == ACCEL_REJECT_COUNT && first ? first : r;
}

/* ---- hosts of at most 8 devices: the hot record ---- */

/*
 * The devices whose utilization is above max (0..100), all eight at once:
 * each byte u (0..100; 0 when unknown) plus 127 - max reaches 128, its top
 * bit, iff u > max, and never carries into the next byte; the top bits
 * are then gathered into one byte by a multiply.
 */
static unsigned over_util(const struct sched_small *s, int max)
{
	uint64_t u, top;

	memcpy(&u, s->util, sizeof(u));
	top = (u + (uint64_t)(127 - max) * 0x0101010101010101ull) & 0x8080808080808080ull;
	return (unsigned)((top >> 7) * 0x0102040810204080ull >> 56);
}

/* The usable devices of a one-make host for rq: device_reason()'s state
 * checks, for all devices at once (no reasons). */
static unsigned usable_small(const accel_sched_request *rq, const struct sched_small *s)
{
	if (rq->max_utilization < 0)
		return s->usable;
	return s->usable & ~over_util(s, rq->max_utilization);
}

/* Why a one-make host's devices were turned away (as classify()). */
static accel_sched_reason reason_small(const struct sched_small *s, const struct prof_eval *pe,
				       uint64_t all)
{
	unsigned counts[ACCEL_REJECT_MAX] = {0};

	if (pe[s->one_profile].reason)
		return (accel_sched_reason)pe[s->one_profile].reason;
	/* the state checks in device_reason()'s order */
	counts[ACCEL_REJECT_HEALTH] = pc8[s->failed];
	counts[ACCEL_REJECT_IN_USE] = pc8[s->in_use & ~s->failed];
	counts[ACCEL_REJECT_UTILIZATION] = pc8[s->usable & ~all];
	return top_reason(counts);
}

static void eval_small(const accel_sched_request *rq, const struct sched_small *s,
		       const struct prof_eval *pe, accel_sched_result *out)
{
	accel_sched_reason r, first = ACCEL_REJECT_NONE;
	uint64_t all = 0, healthy = 0;

	if (s->one_profile != NO_PROFILE) {
		/* one make: decided once for all devices; the tree-trait rule
		 * holds by itself (every device carries what any does) */
		all = pe[s->one_profile].reason ? 0 : usable_small(rq, s);
		healthy = all & ~(uint64_t)s->degraded;
	} else {
		unsigned counts[ACCEL_REJECT_MAX] = {0};

		first = classify(rq, SMALL, s, pe, &healthy, &all, counts);
	}
	out->pass = false;
	out->degraded = false;
	out->reason = ACCEL_REJECT_NONE;
	out->host_gen = s->gen;
	out->n_eligible = pc8[all];
	if (rq->count == 1 && s->uniform_mem && healthy) {
		/* the common case, short: the least utilized healthy device */
		struct choice best;

		best.n = 1;
		best.idx[0] = (uint8_t)first_of(rq, SMALL, s, pe, &healthy);
		best.score = score(rq, SMALL, s, pe, best.idx, 1, pc8[healthy], ACCEL_LINK_SYS);
		passed(out, &best, false);
		return;
	}
	r = pick(rq, SMALL, s, pe, &healthy, &all, out);
	if (out->pass)
		return;
	out->weight = 0;
	out->n_chosen = 0;
	/* too few devices: say which constraint took them away */
	if (r == ACCEL_REJECT_COUNT && s->one_profile != NO_PROFILE)
		first = reason_small(s, pe, all);
	out->reason = r == ACCEL_REJECT_COUNT && first ? first : r;
}

static void no_inventory(accel_sched_result *out)
{
	memset(out, 0, sizeof(*out));
	out->reason = ACCEL_REJECT_UNKNOWN_HOST;
}

/* Per-request work on the profiles; NULL when out of memory. */
static struct prof_eval *eval_profiles(accel_sched_hosts *t, const accel_sched_request *rq)
{
	size_t np = __atomic_load_n(&t->n_profiles, __ATOMIC_ACQUIRE);
	struct prof_eval *pe = malloc((np + 1) * sizeof(*pe));

	if (!pe)
		return NULL;
	for (size_t p = 0; p < np; p++) {
		const struct sched_profile *pr = sched_profile(t, p);

		pe[p].reason = (uint8_t)profile_reason(rq, pr);
		pe[p].tree_traits = 0;
		for (size_t k = 0; k < rq->n_tree_required; k++)
			if (has(pr->traits, pr->n_traits, rq->tree_required[k]))
				pe[p].tree_traits |= 1u << k;
		pe[p].mem = pr->memory_mb >= 0		      ? pr->memory_mb
			    : rq->policy == ACCEL_POLICY_PACK ? INT64_MAX / 4
							      : -1;
		pe[p].gib = pr->memory_mb >= 0 ? (double)pr->memory_mb / 1024.0 : 0;
	}
	return pe;
}

static bool inactive(const accel_sched_request *rq, size_t n, accel_sched_result *out)
{
	if (rq->active)
		return false;
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].pass = true;
	}
	return true;
}

/* How many hosts ahead to prefetch: a host's record is a few cache
 * lines somewhere in the heap, and its first read would otherwise stall. */
#define PREFETCH_AHEAD 12

static void prefetch_host(const accel_sched_hosts *t, int32_t id)
{
	if (id < 0 || (size_t)id >= t->n_ids)
		return;
	__builtin_prefetch(&t->small[id]);
	__builtin_prefetch((const char *)&t->small[id] + 64);
}

/* The loop of both entry points (read lock held). */
static int evaluate_locked(accel_sched_hosts *t, const accel_sched_request *rq, const int32_t *ids,
			   size_t n, accel_sched_result *out)
{
	struct prof_eval *pe = eval_profiles(t, rq);
	size_t n_ids = t->n_ids;

	if (!pe)
		return -ENOMEM;
	for (size_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		prefetch_host(t, ids[i]);
	for (size_t i = 0; i < n; i++) {
		int32_t id = ids[i];
		const struct sched_small *s;

		if (i + PREFETCH_AHEAD < n)
			prefetch_host(t, ids[i + PREFETCH_AHEAD]);
		if (id < 0 || (size_t)id >= n_ids) {
			no_inventory(&out[i]);
			continue;
		}
		s = &t->small[id];
		if (s->slot == SLOT_SMALL)
			eval_small(rq, s, pe, &out[i]);
		else if (s->slot == SLOT_BIG)
			eval_host(rq, t->by_id[id], pe, &out[i]);
		else
			no_inventory(&out[i]);
	}
	free(pe);
	return 0;
}

int accel_sched_evaluate(accel_sched_hosts *t, const accel_sched_request *rq,
			 const char *const *hosts, size_t n, accel_sched_result *out)
{
	int32_t *ids;
	int r;

	if (inactive(rq, n, out))
		return 0;
	ids = malloc((n + 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < n; i++)
		ids[i] = hosts[i] ? sched_find_id(t, hosts[i]) : -1;
	r = evaluate_locked(t, rq, ids, n, out);
	pthread_rwlock_unlock(&t->lock);
	free(ids);
	return r;
}

int accel_sched_evaluate_ids(accel_sched_hosts *t, const accel_sched_request *rq,
			     const int32_t *ids, size_t n, accel_sched_result *out)
{
	int r;

	if (inactive(rq, n, out))
		return 0;
	pthread_rwlock_rdlock(&t->lock);
	r = evaluate_locked(t, rq, ids, n, out);
	pthread_rwlock_unlock(&t->lock);
	return r;
}

int accel_sched_explain(accel_sched_hosts *t, const accel_sched_request *rq, const char *host,
			uint16_t counts[ACCEL_REJECT_MAX])
{
	uint64_t healthy[SCHED_MAX_WORDS] = {0}, all[SCHED_MAX_WORDS] = {0};
	unsigned nrej[ACCEL_REJECT_MAX] = {0};
	struct prof_eval *pe;
	const struct sched_host *h;
	int32_t id;

	memset(counts, 0, ACCEL_REJECT_MAX * sizeof(*counts));
	pthread_rwlock_rdlock(&t->lock);
	id = sched_find_id(t, host);
	h = id >= 0 ? t->by_id[id] : NULL;
	if (!h) {
		pthread_rwlock_unlock(&t->lock);
		return -ENOENT;
	}
	if (rq->active) {
		pe = eval_profiles(t, rq);
		if (!pe) {
			pthread_rwlock_unlock(&t->lock);
			return -ENOMEM;
		}
		classify(rq, BIG, h, pe, healthy, all, nrej);
		free(pe);
	}
	pthread_rwlock_unlock(&t->lock);
	for (int k = 0; k < ACCEL_REJECT_MAX; k++)
		counts[k] = (uint16_t)(nrej[k] > 65535 ? 65535 : nrej[k]);
	return 0;
}

int accel_sched_chosen(accel_sched_hosts *t, const char *host, const accel_sched_result *res,
		       char addrs[][ACCEL_ADDR_MAX], const char **models)
{
	const struct sched_host *h;
	int32_t id;
	int r = 0;

	pthread_rwlock_rdlock(&t->lock);
	id = sched_find_id(t, host);
	h = id >= 0 ? t->by_id[id] : NULL;
	if (!h)
		r = -ENOENT;
	else if (h->gen != res->host_gen)
		r = -ESTALE;
	else
		for (unsigned i = 0; i < res->n_chosen; i++) {
			const struct sched_dev *d = &h->dev[res->chosen[i]];

			memcpy(addrs[i], sched_addr(h, res->chosen[i]), ACCEL_ADDR_MAX);
			if (models)
				models[i] = sched_profile(t, d->profile)->model;
		}
	pthread_rwlock_unlock(&t->lock);
	return r;
}

/*
 * The locality level of a set of devices of h: the level of the tightest
 * group holding them all (for numa=strict, a group on one known node and
 * devices of known node); ACCEL_LINK_SYS for one device, as the weigher
 * scores it; ACCEL_LINK_SYS + 1 when no group holds them.
 */
static unsigned set_level(const accel_sched_request *rq, const struct sched_host *h,
			  const uint8_t *set, unsigned n)
{
	bool strict = rq->numa == ACCEL_NUMA_STRICT;

	if (n == 1)
		return ACCEL_LINK_SYS;
	for (unsigned i = 0; strict && i < n; i++)
		if (h->dev[set[i]].numa < 0)
			return ACCEL_LINK_SYS + 1;
	for (unsigned g = 0; g < h->n_groups; g++) {
		unsigned i;

		if (strict && group(BIG, h, g).numa < 0)
			continue;
		for (i = 0; i < n && group_has(BIG, h, g, set[i]); i++)
			;
		if (i == n)
			return group(BIG, h, g).level;
	}
	return ACCEL_LINK_SYS + 1;
}

/*
 * Would the weigher choose these devices? The set of h's devices among
 * addrs (case-insensitive; other addresses are no devices of h's inventory
 * and are left out) must hold exactly rq->count devices that meet the
 * device constraints (healthy ones unless only degraded ones fit), sit at
 * the tightest level a chosen set can, within the p2p limit and numa, and
 * score no lower than the chosen set: the chosen set itself or a tie.
 * With avail, devices at no address of avail[0..n_avail) count as in use
 * (taken since the inventory said otherwise: Nova's scheduler consumes
 * devices between the instances of one request).
 */
int accel_sched_acceptable(accel_sched_hosts *t, const accel_sched_request *rq, const char *host,
			   const char *const *addrs, size_t n, const char *const *avail,
			   size_t n_avail)
{
	uint64_t healthy[SCHED_MAX_WORDS] = {0}, all[SCHED_MAX_WORDS] = {0};
	unsigned counts[ACCEL_REJECT_MAX] = {0}, nset = 0, max;
	uint8_t set[ACCEL_SCHED_MAX_COUNT];
	const uint64_t *elig = healthy;
	accel_sched_reason why = ACCEL_REJECT_NONE;
	const struct sched_host *h;
	struct prof_eval *pe = NULL;
	struct choice best;
	double v, tol;
	int32_t id;
	int r = 0;

	if (!rq->active)
		return 1;
	pthread_rwlock_rdlock(&t->lock);
	id = sched_find_id(t, host);
	h = id >= 0 ? t->by_id[id] : NULL;
	if (!h) {
		r = -ENOENT;
		goto out;
	}
	for (size_t a = 0; a < n; a++)
		for (unsigned i = 0; addrs[a] && i < h->n_dev; i++) {
			bool dup = false;

			if (strcasecmp(sched_addr(h, i), addrs[a]))
				continue;
			for (unsigned k = 0; k < nset; k++)
				dup |= set[k] == i;
			if (dup)
				break;
			if (nset == ACCEL_SCHED_MAX_COUNT || nset == rq->count) {
				nset = rq->count + 1; /* too many */
				goto out;
			}
			set[nset++] = (uint8_t)i;
			break;
		}
	if (nset != rq->count)
		goto out;
	pe = eval_profiles(t, rq);
	if (!pe) {
		r = -ENOMEM;
		goto out;
	}
	classify(rq, BIG, h, pe, healthy, all, counts);
	if (avail)
		for (unsigned i = 0; i < h->n_dev; i++) {
			size_t a;

			for (a = 0; a < n_avail; a++)
				if (avail[a] && !strcasecmp(sched_addr(h, i), avail[a]))
					break;
			if (a == n_avail) {
				healthy[i / 64] &= ~(1ull << (i % 64));
				all[i / 64] &= ~(1ull << (i % 64));
			}
		}
	if (!choose(rq, BIG, h, pe, healthy, &best, &why)) {
		bool some_degraded = false;

		for (unsigned w = 0; w < h->n_words; w++)
			some_degraded |= healthy[w] != all[w];
		if (!some_degraded || !choose(rq, BIG, h, pe, all, &best, &why))
			goto out; /* the host does not pass */
		elig = all;
	}
	for (unsigned i = 0; i < nset; i++)
		if (!bit(BIG, elig, set[i]))
			goto out;
	/* one device has no link to limit */
	max = rq->p2p == ACCEL_LINK_UNKNOWN || nset == 1 ? ACCEL_LINK_SYS : rq->p2p;
	if (set_level(rq, h, set, nset) > max ||
	    set_level(rq, h, set, nset) > set_level(rq, h, best.idx, best.n))
		goto out;
	v = score(rq, BIG, h, pe, set, nset, count(BIG, h, elig), (int)set_level(rq, h, set, nset));
	tol = 1e-9 * (1.0 + (best.score < 0 ? -best.score : best.score));
	r = v >= best.score - tol;
out:
	pthread_rwlock_unlock(&t->lock);
	free(pe);
	return r;
}
