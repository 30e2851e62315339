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

/* Score of a set of devices; higher is better. */
/*
 * The weight of a chosen set, from its mean memory (GiB) and utilization,
 * whether it sits on one NUMA node, its size, the eligible devices of the
 * host and the locality level it fits in. Both host layouts (score,
 * score_small) gather those and end here.
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

static double score(const accel_sched_request *rq, const struct sched_host *h,
		    const struct prof_eval *pe, const uint8_t *set, unsigned n, unsigned eligible,
		    int level)
{
	double mem = 0, util = 0;
	bool one_node = true;

	for (unsigned i = 0; i < n; i++) {
		const struct sched_dev *d = &h->dev[set[i]];

		mem += pe[d->profile].gib;
		util += d->flags & SDEV_UTIL ? d->util : 0;
		one_node &= d->numa >= 0 && d->numa == h->dev[set[0]].numa;
	}
	return weight(rq, mem / n, util / n, one_node, n, eligible, level);
}

static unsigned util_of(const struct sched_dev *d)
{
	return d->flags & SDEV_UTIL ? d->util : 0;
}

/* Is device a before device b in the policy's order? */
static bool before(const accel_sched_request *rq, const struct sched_host *h,
		   const struct prof_eval *pe, unsigned a, unsigned b)
{
	int64_t ma = pe[h->dev[a].profile].mem, mb = pe[h->dev[b].profile].mem;

	if (ma != mb)
		return rq->policy == ACCEL_POLICY_PACK ? ma < mb : ma > mb;
	if (util_of(&h->dev[a]) != util_of(&h->dev[b]))
		return util_of(&h->dev[a]) < util_of(&h->dev[b]);
	return a < b;
}

static bool bit(const uint64_t *m, unsigned i)
{
	return m[i / 64] >> (i % 64) & 1;
}

static unsigned popcount_and(const uint64_t *a, const uint64_t *b, unsigned nw)
{
	unsigned c = 0;

	for (unsigned w = 0; w < nw; w++)
		c += (unsigned)__builtin_popcountll(a[w] & b[w]);
	return c;
}

/*
 * Choose `count` devices of the mask `elig`; false when no set meets the
 * group constraints (*why then says which).
 */
static bool choose(const accel_sched_request *rq, const struct sched_host *h,
		   const struct prof_eval *pe, const uint64_t *elig, struct choice *best,
		   accel_sched_reason *why)
{
	unsigned need = rq->count, nw = h->n_words, n_elig = popcount_and(elig, elig, nw);
	accel_link_class max = rq->p2p == ACCEL_LINK_UNKNOWN ? ACCEL_LINK_SYS : rq->p2p;
	bool strict = rq->numa == ACCEL_NUMA_STRICT;
	const uint64_t *masks = sched_masks(h);
	const uint8_t *uorder = sched_uorder(h);
	uint64_t e[SCHED_MAX_WORDS];
	uint8_t order[SCHED_MAX_HOST_DEVICES];
	unsigned n_order = 0;
	int found_level = -1;

	if (n_elig < need) {
		*why = ACCEL_REJECT_COUNT;
		return false;
	}
	if (need == 1) {
		/* one device: no group to form; the first in the policy's order */
		unsigned b = SCHED_MAX_HOST_DEVICES;

		for (unsigned i = 0; i < h->n_dev; i++)
			if (bit(elig, i) &&
			    (b == SCHED_MAX_HOST_DEVICES || before(rq, h, pe, i, b)))
				b = i;
		best->n = 1;
		best->idx[0] = (uint8_t)b;
		best->score = score(rq, h, pe, best->idx, 1, n_elig, ACCEL_LINK_SYS);
		return true;
	}
	for (unsigned w = 0; w < nw; w++)
		e[w] = strict ? elig[w] & sched_known(h)[w] : elig[w];
	for (unsigned g = 0; g < h->n_groups; g++) {
		const struct sched_group *gr = &sched_groups(h)[g];
		uint8_t set[ACCEL_SCHED_MAX_COUNT];
		unsigned got = 0;
		double v;

		if (gr->level > max || (found_level >= 0 && gr->level > found_level))
			break;
		if ((strict && gr->numa < 0) || popcount_and(e, &masks[g * nw], nw) < need)
			continue;
		if (!n_order) {
			/* the eligible devices in the policy's order, once */
			if (h->uniform_mem) {
				for (unsigned i = 0; i < h->n_dev; i++)
					if (bit(e, uorder[i]))
						order[n_order++] = uorder[i];
			} else {
				for (unsigned i = 0; i < h->n_dev; i++) {
					unsigned j = n_order++;

					if (!bit(e, i)) {
						n_order--;
						continue;
					}
					for (; j > 0 && before(rq, h, pe, i, order[j - 1]); j--)
						order[j] = order[j - 1];
					order[j] = (uint8_t)i;
				}
			}
		}
		for (unsigned i = 0; i < n_order && got < need; i++)
			if (bit(&masks[g * nw], order[i]))
				set[got++] = order[i];
		v = score(rq, h, pe, set, need, n_elig, gr->level);
		if (found_level < 0 || v > best->score) {
			found_level = gr->level;
			best->score = v;
			best->n = need;
			memcpy(best->idx, set, need);
		}
	}
	if (found_level >= 0)
		return true;
	/* nothing: enough devices (on one node) but not close enough, or not
	 * enough on one node */
	*why = ACCEL_REJECT_NUMA;
	for (unsigned g = 0; g < h->n_groups; g++)
		if ((!strict || sched_groups(h)[g].numa >= 0) &&
		    popcount_and(e, &masks[g * nw], nw) >= need)
			*why = ACCEL_REJECT_P2P;
	if (!strict)
		*why = ACCEL_REJECT_P2P; /* the SYS group holds them all */
	return false;
}

/*
 * Which devices of h meet the device constraints: masks of all of them and
 * of the healthy ones; nrej (may be NULL) counts the others per reason.
 * Returns the most common reason a device was turned away.
 */
static accel_sched_reason classify(const accel_sched_request *rq, const struct sched_host *h,
				   const struct prof_eval *pe, uint64_t *healthy, uint64_t *all,
				   unsigned *nrej)
{
	unsigned counts[ACCEL_REJECT_MAX] = {0};
	uint32_t host_traits = 0;

	/* tree traits some device of this host carries: devices must */
	if (rq->n_tree_required)
		for (unsigned i = 0; i < h->n_dev; i++)
			host_traits |= pe[h->dev[i].profile].tree_traits;
	for (unsigned i = 0; i < h->n_dev; i++) {
		const struct sched_dev *d = &h->dev[i];
		accel_sched_reason why = (accel_sched_reason)pe[d->profile].reason;

		if (!why && (host_traits & ~pe[d->profile].tree_traits))
			why = ACCEL_REJECT_TRAITS;
		if (!why && d->flags) {
			if (d->flags & SDEV_FAILED)
				why = ACCEL_REJECT_HEALTH;
			else if (d->flags & SDEV_IN_USE)
				why = ACCEL_REJECT_IN_USE;
			else if (rq->max_utilization >= 0 && (d->flags & SDEV_UTIL) &&
				 d->util > rq->max_utilization)
				why = ACCEL_REJECT_UTILIZATION;
		}
		if (why) {
			counts[why]++;
			continue;
		}
		all[i / 64] |= 1ull << (i % 64);
		if (!(d->flags & SDEV_DEGRADED))
			healthy[i / 64] |= 1ull << (i % 64);
	}
	if (nrej)
		memcpy(nrej, counts, sizeof(counts));
	return top_reason(counts);
}

static void eval_host(const accel_sched_request *rq, const struct sched_host *h,
		      const struct prof_eval *pe, accel_sched_result *out)
{
	uint64_t healthy[SCHED_MAX_WORDS] = {0}, all[SCHED_MAX_WORDS] = {0};
	accel_sched_reason first = classify(rq, h, pe, healthy, all, NULL), r = ACCEL_REJECT_NONE;
	struct choice best;

	memset(out, 0, sizeof(*out));
	out->host_gen = h->gen;
	out->n_eligible = (uint16_t)popcount_and(all, all, h->n_words);
	if (choose(rq, h, pe, healthy, &best, &r)) {
		passed(out, &best, false);
		return;
	}
	/* degraded devices only when nothing healthy fits */
	if (memcmp(healthy, all, h->n_words * sizeof(*all)) &&
	    choose(rq, h, pe, all, &best, &r)) {
		passed(out, &best, true);
		return;
	}
	/* too few devices: say which constraint took them away */
	out->reason = r == ACCEL_REJECT_COUNT && first ? first : r;
}

/* ---- hosts of at most 8 devices: the hot record, masks in bytes ---- */

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

static double score_small(const accel_sched_request *rq, const struct sched_small *s,
			  const struct prof_eval *pe, const uint8_t *set, unsigned n,
			  unsigned eligible, int level)
{
	double mem = 0, util = 0;
	bool one_node = true;

	for (unsigned i = 0; i < n; i++) {
		unsigned d = set[i];

		mem += pe[s->profile[d]].gib;
		util += s->util_known >> d & 1 ? s->util[d] : 0;
		one_node &= s->numa[d] >= 0 && s->numa[d] == s->numa[set[0]];
	}
	return weight(rq, mem / n, util / n, one_node, n, eligible, level);
}

static bool before_small(const accel_sched_request *rq, const struct sched_small *s,
			 const struct prof_eval *pe, unsigned a, unsigned b)
{
	int64_t ma = pe[s->profile[a]].mem, mb = pe[s->profile[b]].mem;
	unsigned ua = s->util_known >> a & 1 ? s->util[a] : 0;
	unsigned ub = s->util_known >> b & 1 ? s->util[b] : 0;

	if (ma != mb)
		return rq->policy == ACCEL_POLICY_PACK ? ma < mb : ma > mb;
	if (ua != ub)
		return ua < ub;
	return a < b;
}

/* The devices of mask m in the policy's order; returns how many. */
static unsigned order_small(const accel_sched_request *rq, const struct sched_small *s,
			    const struct prof_eval *pe, unsigned m, uint8_t *order)
{
	unsigned n = 0;

	if (s->uniform_mem) {
		/* without branches: write each, keep those in m */
		for (unsigned i = 0; i < s->n_dev; i++) {
			order[n] = s->uorder[i];
			n += m >> s->uorder[i] & 1;
		}
		return n;
	}
	for (unsigned i = 0; i < s->n_dev; i++) {
		unsigned j = n++;

		if (!(m >> i & 1)) {
			n--;
			continue;
		}
		for (; j > 0 && before_small(rq, s, pe, i, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = (uint8_t)i;
	}
	return n;
}

/* As choose(), over the hot record. */
static bool choose_small(const accel_sched_request *rq, const struct sched_small *s,
			 const struct prof_eval *pe, unsigned elig, struct choice *best,
			 accel_sched_reason *why)
{
	unsigned need = rq->count, n_elig = pc8[elig], e, n_order = 0;
	accel_link_class max = rq->p2p == ACCEL_LINK_UNKNOWN ? ACCEL_LINK_SYS : rq->p2p;
	bool strict = rq->numa == ACCEL_NUMA_STRICT;
	uint8_t order[SMALL_DEVS];
	unsigned found_level = ACCEL_LINK_SYS + 1;

	if (n_elig < need) {
		*why = ACCEL_REJECT_COUNT;
		return false;
	}
	if (need == 1) {
		n_order = order_small(rq, s, pe, elig, order);
		best->n = 1;
		best->idx[0] = order[0];
		best->score = score_small(rq, s, pe, order, 1, n_elig, ACCEL_LINK_SYS);
		return true;
	}
	e = strict ? elig & s->known_numa : elig;
	/* first, without branches to mispredict: the tightest level within
	 * the limit where some group holds enough (groups are sorted by
	 * level) */
	for (unsigned g = 0; g < s->level_end[max]; g++) {
		bool ok = pc8[e & s->gmask[g]] >= need && (!strict || s->gnuma[g] >= 0);

		found_level = ok && s->glevel[g] < found_level ? s->glevel[g] : found_level;
	}
	if (found_level > ACCEL_LINK_SYS) {
		*why = strict ? ACCEL_REJECT_NUMA : ACCEL_REJECT_P2P;
		for (unsigned g = 0; strict && g < s->n_groups; g++)
			if (s->gnuma[g] >= 0 && pc8[e & s->gmask[g]] >= need)
				*why = ACCEL_REJECT_P2P;
		return false;
	}
	/* then the best set among that level's groups */
	n_order = order_small(rq, s, pe, e, order);
	best->n = 0;
	for (unsigned g = found_level > ACCEL_LINK_PIX ? s->level_end[found_level - 1] : 0;
	     g < s->level_end[found_level]; g++) {
		uint8_t set[SMALL_DEVS];
		unsigned got = 0;
		double v;

		if (pc8[e & s->gmask[g]] < need || (strict && s->gnuma[g] < 0))
			continue;
		for (unsigned i = 0; i < n_order && got < need; i++) {
			set[got] = order[i];
			got += s->gmask[g] >> order[i] & 1;
		}
		v = score_small(rq, s, pe, set, need, n_elig, found_level);
		if (!best->n || v > best->score) {
			best->score = v;
			best->n = need;
			memcpy(best->idx, set, SMALL_DEVS); /* a constant size: one move */
		}
	}
	return true;
}

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

/* The usable devices of a one-make host for rq (no reasons). */
static unsigned usable_small(const accel_sched_request *rq, const struct sched_small *s)
{
	if (rq->max_utilization < 0)
		return s->usable;
	return s->usable & ~over_util(s, rq->max_utilization);
}

/* Per device, as classify(): for hosts of several makes, and for the
 * reason of a rejected one-make host. */
static accel_sched_reason classify_small(const accel_sched_request *rq, const struct sched_small *s,
					 const struct prof_eval *pe, unsigned *all)
{
	unsigned counts[ACCEL_REJECT_MAX] = {0};
	uint32_t host_traits = 0;

	*all = 0;
	if (rq->n_tree_required)
		for (unsigned i = 0; i < s->n_dev; i++)
			host_traits |= pe[s->profile[i]].tree_traits;
	for (unsigned i = 0; i < s->n_dev; i++) {
		const struct prof_eval *p = &pe[s->profile[i]];
		accel_sched_reason why = (accel_sched_reason)p->reason;

		if (!why && (host_traits & ~p->tree_traits))
			why = ACCEL_REJECT_TRAITS;
		if (!why) {
			if (s->failed >> i & 1)
				why = ACCEL_REJECT_HEALTH;
			else if (s->in_use >> i & 1)
				why = ACCEL_REJECT_IN_USE;
			else if (rq->max_utilization >= 0 && (s->util_known >> i & 1) &&
				 s->util[i] > rq->max_utilization)
				why = ACCEL_REJECT_UTILIZATION;
		}
		if (why) {
			counts[why]++;
			continue;
		}
		*all |= 1u << i;
	}
	return top_reason(counts);
}

static void eval_small(const accel_sched_request *rq, const struct sched_small *s,
		       const struct prof_eval *pe, accel_sched_result *out)
{
	accel_sched_reason r = ACCEL_REJECT_NONE;
	unsigned all, healthy;
	struct choice best;

	if (s->one_profile != NO_PROFILE)
		/* one make: decided once for all devices; the tree-trait rule
		 * holds by itself (every device carries what any does) */
		all = pe[s->one_profile].reason ? 0 : usable_small(rq, s);
	else
		classify_small(rq, s, pe, &all);
	healthy = all & ~s->degraded;
	out->pass = false;
	out->degraded = false;
	out->reason = ACCEL_REJECT_NONE;
	out->host_gen = s->gen;
	out->n_eligible = pc8[all];
	if (rq->count == 1 && s->uniform_mem && healthy) {
		/* the common case, short: the least utilized healthy device */
		unsigned i = 0;

		while (!(healthy >> s->uorder[i] & 1))
			i++;
		best.n = 1;
		best.idx[0] = s->uorder[i];
		best.score = score_small(rq, s, pe, best.idx, 1, pc8[healthy], ACCEL_LINK_SYS);
		passed(out, &best, false);
		return;
	}
	if (choose_small(rq, s, pe, healthy, &best, &r)) {
		passed(out, &best, false);
		return;
	}
	/* degraded devices only when nothing healthy fits */
	if (all != healthy && choose_small(rq, s, pe, all, &best, &r)) {
		passed(out, &best, true);
		return;
	}
	out->weight = 0;
	out->n_chosen = 0;
	if (r == ACCEL_REJECT_COUNT) {
		/* too few devices: say which constraint took them away */
		accel_sched_reason first;

		if (s->one_profile != NO_PROFILE) {
			unsigned counts[ACCEL_REJECT_MAX] = {0};

			if (pe[s->one_profile].reason) {
				first = (accel_sched_reason)pe[s->one_profile].reason;
			} else {
				/* as top_reason() over the three that can differ */
				counts[ACCEL_REJECT_HEALTH] = pc8[s->failed];
				counts[ACCEL_REJECT_IN_USE] = pc8[s->in_use & ~s->failed];
				counts[ACCEL_REJECT_UTILIZATION] = pc8[s->usable & ~all];
				first = ACCEL_REJECT_HEALTH;
				if (counts[ACCEL_REJECT_IN_USE] > counts[first])
					first = ACCEL_REJECT_IN_USE;
				if (counts[ACCEL_REJECT_UTILIZATION] > counts[first])
					first = ACCEL_REJECT_UTILIZATION;
				if (!counts[first])
					first = ACCEL_REJECT_NONE;
			}
		} else {
			first = classify_small(rq, s, pe, &all);
		}
		if (first)
			r = first;
	}
	out->reason = r;
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
		classify(rq, h, pe, healthy, all, nrej);
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
