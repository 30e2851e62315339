/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the scheduler core (scheduler/). The filter is checked for
 * exactness against a brute-force search over device subsets, on
 * thousands of random hosts (random PCIe trees: host bridges, root ports,
 * switches within switches, multi-function devices, NUMA nodes) and random
 * requests; pair classes in the brute force come from discovery's
 * accel_topo_classify, not from the scheduler's grouping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <accel/discovery.h>
#include <accel/sched.h>
#include <accel/util.h>
#include "sched_int.h"
#include "tree.h"

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) % n;
}

static const struct {
	const char *model, *vendor, *cc;
	int vendor_id;
	int64_t mem;
	accel_kind kind;
	const char *rc;
} makes[] = {
	{"A100 80GB PCIe", "nvidia", "8.0", 0x10de, 81920, ACCEL_KIND_GPU, "PGPU"},
	{"H100 SXM5 80GB", "nvidia", "9.0", 0x10de, 81920, ACCEL_KIND_GPU, "PGPU"},
	{"L4", "nvidia", "8.9", 0x10de, 24576, ACCEL_KIND_GPU, "PGPU"},
	{"T4", "nvidia", "7.5", 0x10de, 16384, ACCEL_KIND_GPU, "PGPU"},
	{"Instinct MI210", "amd", NULL, 0x1002, 65536, ACCEL_KIND_GPU, "PGPU"},
	{"Alveo U250", "xilinx", NULL, 0x10ee, 65536, ACCEL_KIND_FPGA, "FPGA"},
	{"Gaudi2", "habana", NULL, 0x1da3, -1, ACCEL_KIND_ACCEL, "CUSTOM_ACCEL"},
};
#define N_MAKES (sizeof(makes) / sizeof(makes[0]))

/* A random host: a random PCI tree and devices hung anywhere in it. */
static accel_inventory *random_host(unsigned *seed, const char *name)
{
	accel_inventory *inv;
	unsigned n_hb = 1 + rnd(seed, 3), n_dev = 1 + rnd(seed, 12), bus = 1;
	int numa[4];
	bool no_numa = rnd(seed, 6) == 0;
	/* now and then nodes per device, as a hand-written inventory may say */
	bool odd_numa = rnd(seed, 8) == 0;
	/* bridges: chains from a node up to its root port */
	struct {
		char chain[6][ACCEL_ADDR_MAX];
		unsigned len, hb;
	} nodes[64];
	unsigned n_nodes = 0;

	accel_inventory_new(&inv, name);
	for (unsigned h = 0; h < n_hb; h++)
		numa[h] = no_numa ? -1 : (int)rnd(seed, 2);
	/* root ports, then bridges below random earlier nodes */
	for (unsigned h = 0; h < n_hb; h++)
		for (unsigned r = 0, nr = 1 + rnd(seed, 3); r < nr && n_nodes < 64; r++) {
			snprintf(nodes[n_nodes].chain[0], ACCEL_ADDR_MAX, "0000:%02x:%02x.0",
				 h * 0x40, r + 1);
			nodes[n_nodes].len = 1;
			nodes[n_nodes].hb = h;
			n_nodes++;
		}
	for (unsigned b = 0, nb = rnd(seed, 12); b < nb && n_nodes < 64; b++) {
		unsigned p = rnd(seed, n_nodes);

		if (nodes[p].len >= 5)
			continue;
		nodes[n_nodes] = nodes[p];
		/* the new bridge first (nearest), then the parent's chain */
		memmove(nodes[n_nodes].chain[1], nodes[n_nodes].chain[0],
			nodes[p].len * ACCEL_ADDR_MAX);
		snprintf(nodes[n_nodes].chain[0], ACCEL_ADDR_MAX, "0000:%02x:%02x.0",
			 nodes[p].hb * 0x40 + (bus++ % 0x3f), rnd(seed, 32));
		nodes[n_nodes].len = nodes[p].len + 1;
		n_nodes++;
	}
	for (unsigned i = 0; i < n_dev; i++) {
		unsigned m = rnd(seed, N_MAKES), node = rnd(seed, n_nodes + 1);
		bool root_bus = node == n_nodes;
		unsigned hb = root_bus ? rnd(seed, n_hb) : nodes[node].hb;
		accel_device *d;
		char addr[ACCEL_ADDR_MAX], hbn[32];
		const accel_device *prev = i ? accel_inventory_device(inv, i - 1) : NULL;

		/* sometimes a further function of the previous device */
		if (prev && rnd(seed, 5) == 0 && prev->address[11] < '7') {
			snprintf(addr, sizeof(addr), "%.11s%c", prev->address,
				 prev->address[11] + 1);
			accel_inventory_add_device(inv, addr, &d);
			prev = accel_inventory_device(inv, i - 1);
			for (size_t k = 0; k < prev->pcie.n_upstream; k++)
				accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream,
					       prev->pcie.upstream[k]);
			accel_device_set(&d->pcie.host_bridge, prev->pcie.host_bridge);
			d->numa_node = prev->numa_node;
		} else {
			snprintf(addr, sizeof(addr), "0000:%02x:%02x.0", 0x80 + i, rnd(seed, 32));
			accel_inventory_add_device(inv, addr, &d);
			for (unsigned k = 0; !root_bus && k < nodes[node].len; k++)
				accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream,
					       nodes[node].chain[k]);
			snprintf(hbn, sizeof(hbn), "pci0000:%02x", hb * 0x40);
			accel_device_set(&d->pcie.host_bridge, hbn);
			d->numa_node = odd_numa ? (int)rnd(seed, 3) - 1 : numa[hb];
		}
		d->kind = makes[m].kind;
		d->vendor_id = makes[m].vendor_id;
		accel_device_set(&d->vendor, makes[m].vendor);
		accel_device_set(&d->model, makes[m].model);
		accel_device_set(&d->compute_capability, makes[m].cc);
		accel_device_set(&d->resource_class, makes[m].rc);
		d->memory_mb = makes[m].mem;
		d->health = rnd(seed, 10) == 0	? ACCEL_HEALTH_FAILED
			    : rnd(seed, 8) == 0 ? ACCEL_HEALTH_DEGRADED
						: ACCEL_HEALTH_OK;
		d->in_use = rnd(seed, 5) == 0;
		d->utilization = rnd(seed, 3) ? (int)rnd(seed, 101) : -1;
		if (rnd(seed, 3) == 0)
			accel_device_add_trait(d, "CUSTOM_T1");
		accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_X");
	}
	return inv;
}

struct rq {
	const char *k[16], *v[16];
	size_t n;
	char buf[16][32];
	char kbuf[32];
};

static void add(struct rq *q, const char *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->buf[q->n], sizeof(q->buf[0]), fmt, ap);
	va_end(ap);
	q->k[q->n] = k;
	q->v[q->n] = q->buf[q->n];
	q->n++;
}

static void random_request(unsigned *seed, struct rq *q)
{
	static const char *const kinds[] = {"gpu", "fpga", "accel"};
	static const char *const classes[] = {"PIX", "PXB", "PHB", "NODE", "SYS"};
	static const char *const numas[] = {"any", "preferred", "strict"};

	static const char *const rcs[] = {"PGPU", "FPGA", "CUSTOM_ACCEL"};
	unsigned how = rnd(seed, 3), count = 1 + rnd(seed, 4);

	q->n = 0;
	/* the count: accelsched:count, or the resource amount of an unnumbered
	 * or a granular group (whose traits are the devices') */
	if (how == 0 || rnd(seed, 4) == 0)
		add(q, "accelsched:count", "%u", count);
	if (how == 1)
		add(q, "resources:PGPU", "%u", count);
	if (how == 2) {
		snprintf(q->kbuf, sizeof(q->kbuf), "resources1:%s", rcs[rnd(seed, 3)]);
		add(q, q->kbuf, "%u", count);
	}
	if (how && rnd(seed, 2)) {
		static const char *const modes[] = {"required", "forbidden"};

		add(q, how == 1 ? "trait:CUSTOM_T1" : "trait1:CUSTOM_T1", "%s",
		    modes[rnd(seed, 2)]);
	}
	if (rnd(seed, 3))
		add(q, "accelsched:kind", "%s", kinds[rnd(seed, 3)]);
	if (rnd(seed, 2))
		add(q, "accelsched:p2p", "%s", classes[rnd(seed, 5)]);
	add(q, "accelsched:numa", "%s", numas[rnd(seed, 3)]);
	if (rnd(seed, 3) == 0)
		add(q, "accelsched:min_memory_mb", "%u", rnd(seed, 2) ? 20000 : 60000);
	if (rnd(seed, 4) == 0)
		add(q, "accelsched:min_compute_capability", "%s", rnd(seed, 2) ? "8.0" : "8.9");
	if (rnd(seed, 4) == 0)
		add(q, "accelsched:max_utilization", "%u", rnd(seed, 101));
	if (rnd(seed, 6) == 0)
		add(q, "accelsched:model", "%s", rnd(seed, 2) ? "*80gb*" : "l?");
	if (rnd(seed, 6) == 0)
		add(q, "accelsched:vendor", "%s", rnd(seed, 2) ? "nvidia" : "10de");
	if (rnd(seed, 5) == 0)
		add(q, "accelsched:policy", "%s", rnd(seed, 2) ? "pack" : "spread");
}

/* ---- the brute force ---- */

struct oracle_rq {
	unsigned count, res_amount;
	const char *kind, *p2p, *numa, *model, *vendor, *rc;
	enum { T1_ANY, T1_REQUIRED, T1_TREE_REQUIRED, T1_FORBIDDEN } t1;
	long long min_mem, max_util;
	int min_cc;
};

static void oracle_of(const struct rq *q, struct oracle_rq *o)
{
	memset(o, 0, sizeof(*o));
	o->max_util = -1;
	for (size_t i = 0; i < q->n; i++) {
		const char *k = q->k[i] + 11, *v = q->v[i];

		if (!strncmp(q->k[i], "resources", 9)) {
			o->rc = strchr(q->k[i], ':') + 1;
			o->res_amount = (unsigned)atoi(v);
			continue;
		}
		if (!strncmp(q->k[i], "trait", 5)) {
			bool tree = q->k[i][5] == ':';

			o->t1 = !strcmp(v, "forbidden") ? T1_FORBIDDEN
				: tree			? T1_TREE_REQUIRED
							: T1_REQUIRED;
			continue;
		}
		if (!strcmp(k, "count"))
			o->count = (unsigned)atoi(v);
		else if (!strcmp(k, "kind"))
			o->kind = v;
		else if (!strcmp(k, "p2p"))
			o->p2p = v;
		else if (!strcmp(k, "numa"))
			o->numa = v;
		else if (!strcmp(k, "model"))
			o->model = v;
		else if (!strcmp(k, "vendor"))
			o->vendor = v;
		else if (!strcmp(k, "min_memory_mb"))
			o->min_mem = atoll(v);
		else if (!strcmp(k, "max_utilization"))
			o->max_util = atoll(v);
		else if (!strcmp(k, "min_compute_capability"))
			o->min_cc = (int)(atof(v) * 100 + 0.5);
	}
	if (!o->count)
		o->count = o->res_amount;
}

static bool has_t1(const accel_device *d)
{
	for (size_t i = 0; i < d->n_traits; i++)
		if (!strcmp(d->traits[i], "CUSTOM_T1"))
			return true;
	return false;
}

/* host_t1: some device of the host carries CUSTOM_T1 */
static bool eligible(const struct oracle_rq *o, const accel_device *d, bool host_t1)
{
	int cc = -1;

	if (o->rc && strcmp(o->rc, d->resource_class))
		return false;
	if (o->t1 == T1_REQUIRED && !has_t1(d))
		return false;
	if (o->t1 == T1_TREE_REQUIRED && host_t1 && !has_t1(d))
		return false;
	if (o->t1 == T1_FORBIDDEN && has_t1(d))
		return false;
	if (o->kind && strcmp(accel_kind_name(d->kind), o->kind))
		return false;
	if (o->vendor && strcmp(o->vendor, d->vendor) &&
	    !(strlen(o->vendor) == 4 && strtol(o->vendor, NULL, 16) == d->vendor_id))
		return false;
	if (o->model && fnmatch(o->model, d->model, FNM_CASEFOLD))
		return false;
	if (o->min_mem && (d->memory_mb < 0 || d->memory_mb < o->min_mem))
		return false;
	if (d->compute_capability)
		cc = (int)(atof(d->compute_capability) * 100 + 0.5);
	if (o->min_cc && (cc < 0 || cc < o->min_cc))
		return false;
	if (d->health == ACCEL_HEALTH_FAILED || d->in_use == 1)
		return false;
	if (o->max_util >= 0 && d->utilization >= 0 && d->utilization > o->max_util)
		return false;
	return true;
}

static accel_link_class pair_class(const accel_device *a, const accel_device *b)
{
	accel_topo_node na = {a->address, (const char *const *)a->pcie.upstream, a->pcie.n_upstream,
			      a->pcie.host_bridge, a->numa_node};
	accel_topo_node nb = {b->address, (const char *const *)b->pcie.upstream, b->pcie.n_upstream,
			      b->pcie.host_bridge, b->numa_node};

	return accel_topo_classify(&na, &nb, false);
}

static bool set_ok(const struct oracle_rq *o, const accel_device *const *s, unsigned n)
{
	accel_link_class lim = o->p2p ? accel_link_class_from_name(o->p2p) : ACCEL_LINK_UNKNOWN;

	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++) {
			accel_link_class c = pair_class(s[i], s[j]);

			if (lim != ACCEL_LINK_UNKNOWN && lim != ACCEL_LINK_SYS &&
			    (c == ACCEL_LINK_UNKNOWN || c > lim))
				return false;
			if (o->numa && !strcmp(o->numa, "strict") &&
			    (s[i]->numa_node < 0 || s[i]->numa_node != s[j]->numa_node))
				return false;
		}
	return true;
}

/* Is there a subset of `need` of cand[0..n) that set_ok accepts? */
static bool search(const struct oracle_rq *o, const accel_device *const *cand, unsigned n,
		   unsigned start, const accel_device **pick, unsigned got, unsigned need)
{
	if (got == need)
		return set_ok(o, pick, got);
	for (unsigned i = start; i + (need - got) <= n; i++) {
		pick[got] = cand[i];
		/* prune: the partial set must already be fine */
		if (!set_ok(o, pick, got + 1))
			continue;
		if (search(o, cand, n, i + 1, pick, got + 1, need))
			return true;
	}
	return false;
}

static bool host_t1(const accel_inventory *inv)
{
	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++)
		if (has_t1(accel_inventory_device(inv, i)))
			return true;
	return false;
}

static bool brute(const struct oracle_rq *o, const accel_inventory *inv, bool healthy_only)
{
	const accel_device *cand[64], *pick[ACCEL_SCHED_MAX_COUNT];
	unsigned n = 0;
	bool t1 = host_t1(inv);

	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++) {
		const accel_device *d = accel_inventory_device(inv, i);

		if (eligible(o, d, t1) && (!healthy_only || d->health == ACCEL_HEALTH_OK))
			cand[n++] = d;
	}
	return n >= o->count && search(o, cand, n, 0, pick, 0, o->count);
}

static void test_exact(void **state)
{
	unsigned seed = 20261126, hosts = 0, passes = 0, checked_sets = 0, small = 0;
	unsigned accepted_sets = 0;
	accel_sched_hosts *t, *tb;

	(void)state;
	assert_int_equal(accel_sched_hosts_new(&t), 0);
	assert_int_equal(sched_hosts_new_general(&tb), 0);
	for (unsigned iter = 0; iter < 4000; iter++) {
		char name[32];
		accel_inventory *inv;
		accel_err err;

		snprintf(name, sizeof(name), "h%u", iter);
		inv = random_host(&seed, name);
		assert_int_equal(accel_sched_hosts_update(t, inv, &err), 0);
		/* the same host in the general layout, for any size */
		assert_int_equal(accel_sched_hosts_update(tb, inv, &err), 0);
		assert_int_equal(tb->small[accel_sched_host_id(tb, name)].slot, SLOT_BIG);
		small += t->small[accel_sched_host_id(t, name)].slot == SLOT_SMALL;
		hosts++;
		for (int k = 0; k < 3; k++) {
			struct rq q;
			struct oracle_rq o;
			accel_sched_request *rq;
			accel_sched_result res, resb;
			const char *hn = name;
			bool want, want_healthy;

			random_request(&seed, &q);
			oracle_of(&q, &o);
			if (accel_sched_request_parse(q.k, q.v, q.n, &rq, &err))
				fail_msg("parse: %s", err.msg);
			assert_int_equal(accel_sched_evaluate(t, rq, &hn, 1, &res), 0);
			assert_int_equal(accel_sched_evaluate(tb, rq, &hn, 1, &resb), 0);
			/* both paths agree, on the choice and the weight too */
			assert_int_equal(res.pass, resb.pass);
			assert_int_equal(res.reason, resb.reason);
			assert_int_equal(res.n_chosen, resb.n_chosen);
			assert_memory_equal(res.chosen, resb.chosen, res.n_chosen);
			assert_true(res.weight == resb.weight);
			want_healthy = brute(&o, inv, true);
			want = want_healthy || brute(&o, inv, false);
			if (res.pass != want) {
				for (size_t i = 0; i < q.n; i++)
					fprintf(stderr, "  %s=%s\n", q.k[i], q.v[i]);
				for (size_t i = 0; i < accel_inventory_n_devices(inv); i++) {
					const accel_device *d = accel_inventory_device(inv, i);

					fprintf(stderr, "  %s %s numa %d hb %s up", d->address,
						d->model, d->numa_node, d->pcie.host_bridge);
					for (size_t u = 0; u < d->pcie.n_upstream; u++)
						fprintf(stderr, " %s", d->pcie.upstream[u]);
					fprintf(stderr, " health %d in_use %d\n", d->health,
						d->in_use);
				}
				fail_msg("host %s: filter says %d, brute force %d (reason %s)",
					 name, res.pass, want, accel_sched_reason_name(res.reason));
			}
			if (res.pass) {
				/* the chosen set itself meets everything */
				char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];
				const accel_device *set[ACCEL_SCHED_MAX_COUNT];

				passes++;
				assert_int_equal(res.n_chosen, o.count);
				assert_int_equal(accel_sched_chosen(t, name, &res, addrs, NULL), 0);
				for (unsigned c = 0; c < res.n_chosen; c++) {
					set[c] = accel_inventory_find(inv, addrs[c]);
					assert_non_null(set[c]);
					assert_true(eligible(&o, set[c], host_t1(inv)));
					/* healthy ones whenever they suffice */
					if (want_healthy)
						assert_int_equal(set[c]->health, ACCEL_HEALTH_OK);
				}
				assert_true(set_ok(&o, set, res.n_chosen));
				assert_int_equal(res.degraded, !want_healthy);
				checked_sets++;
				/* the check Nova's candidates go through accepts it */
				{
					const char *a[ACCEL_SCHED_MAX_COUNT];

					for (unsigned c = 0; c < res.n_chosen; c++)
						a[c] = addrs[c];
					if (accel_sched_acceptable(t, rq, name, a, res.n_chosen,
								   NULL, 0) != 1) {
						for (size_t i = 0; i < q.n; i++)
							fprintf(stderr, "  %s=%s\n", q.k[i],
								q.v[i]);
						for (unsigned i = 0; i < res.n_chosen; i++)
							fprintf(stderr, "  chosen %s\n", a[i]);
						for (size_t i = 0;
						     i < accel_inventory_n_devices(inv); i++)
							fprintf(stderr, "  dev %s\n",
								accel_inventory_device(inv, i)
									->address);
						fail_msg("host %s: accel_sched_acceptable refuses "
							 "its chosen set",
							 name);
					}
				}
			}
			/* a random set of `count` devices: accepted only when it
			 * meets everything, healthy whenever healthy ones suffice */
			if (o.count <= accel_inventory_n_devices(inv)) {
				const char *a[ACCEL_SCHED_MAX_COUNT];
				const accel_device *set[ACCEL_SCHED_MAX_COUNT];
				size_t nd = accel_inventory_n_devices(inv);
				unsigned c = 0;
				int ok;

				for (size_t i = 0; i < nd && c < o.count; i++)
					if (rnd(&seed, (unsigned)(nd - i)) < o.count - c) {
						set[c] = accel_inventory_device(inv, i);
						a[c] = set[c]->address;
						c++;
					}
				ok = accel_sched_acceptable(t, rq, name, a, c, NULL, 0);
				assert_true(ok == 0 || ok == 1);
				if (ok) {
					assert_true(res.pass);
					for (unsigned j = 0; j < c; j++) {
						assert_true(eligible(&o, set[j], host_t1(inv)));
						if (want_healthy)
							assert_int_equal(set[j]->health,
									 ACCEL_HEALTH_OK);
					}
					assert_true(set_ok(&o, set, c));
					accepted_sets++;
				}
			}
			accel_sched_request_free(rq);
		}
		accel_inventory_free(inv);
	}
	fprintf(stderr,
		"  %u random hosts (%u in hot records), %u requests, %u passed, "
		"%u chosen sets checked, %u random sets accepted\n",
		hosts, small, hosts * 3, passes, checked_sets, accepted_sets);
	/* both outcomes occur often enough to mean something, and both
	 * layouts were compared */
	assert_true(passes > 1000 && passes < hosts * 3 - 1000);
	assert_true(small > hosts / 4 && small < hosts - hosts / 4);
	accel_sched_hosts_free(t);
	accel_sched_hosts_free(tb);
}

/* Specs: good and bad, with the message naming the key and what is allowed. */
static void test_parse(void **state)
{
	static const struct {
		const char *k, *v, *msg;
	} bad[] = {
		{"accelsched:kind", "toaster", "accelsched:kind: 'toaster' is not one of gpu"},
		{"accelsched:count", "0", "not a count from 1 to 16"},
		{"accelsched:count", "17", "not a count"},
		{"accelsched:count", "two", "not a count"},
		{"accelsched:numa", "tight", "not one of strict, preferred, any"},
		{"accelsched:p2p", "NVLINK", "not one of PIX, PXB, PHB, NODE, SYS"},
		{"accelsched:policy", "random", "not one of pack, spread"},
		{"accelsched:max_utilization", "101", "percentage from 0 to 100"},
		{"accelsched:min_memory_mb", "-5", "not a number of MiB"},
		{"accelsched:min_compute_capability", "eight", "compute capability like 8.0"},
		{"accelsched:colour", "blue", "unknown accelsched key (allowed: kind"},
		{"resources:PGPU", "0", "not a positive amount"},
		{"trait:CUSTOM_x", "required", "not a trait name"},
		{"trait:CUSTOM_X", "maybe", "not one of required, forbidden"},
	};
	accel_sched_request *rq;
	accel_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *k[2] = {"resources:PGPU", bad[i].k}, *v[2] = {"1", bad[i].v};

		rq = (accel_sched_request *)0x1;
		if (accel_sched_request_parse(k, v, 2, &rq, &err) != -EINVAL ||
		    !strstr(err.msg, bad[i].msg))
			fail_msg("%s=%s: '%s'", bad[i].k, bad[i].v, err.msg);
		assert_ptr_equal(rq, (accel_sched_request *)0x1);
		/* the API validators say the same of accelsched: keys */
		if (!strncmp(bad[i].k, "accelsched:", 11))
			assert_int_equal(accel_sched_validate(bad[i].k, bad[i].v, &err), -EINVAL);
	}
	{
		/* granular groups: the accelerator's traits are the devices' */
		const char *k[] = {"resources1:PGPU", "trait1:CUSTOM_T1", "trait:HW_CPU_X86_AVX2",
				   "resources:VCPU", "hw:cpu_policy"};
		const char *v[] = {"2", "required", "required", "8", "dedicated"};

		assert_int_equal(accel_sched_request_parse(k, v, 5, &rq, &err), 0);
		assert_true(accel_sched_request_active(rq));
		assert_int_equal(accel_sched_request_count(rq), 2);
		accel_sched_request_free(rq);
	}
	{
		/* no accelerator asked: inactive, every host passes */
		const char *k[] = {"resources:VCPU", "hw:mem_page_size"};
		const char *v[] = {"4", "large"};

		assert_int_equal(accel_sched_request_parse(k, v, 2, &rq, &err), 0);
		assert_false(accel_sched_request_active(rq));
		accel_sched_request_free(rq);
	}
	{
		/* devices through a PCI alias: the count is stated once, there */
		static const struct {
			const char *alias, *count; /* count NULL: none given */
			int want;		   /* the count, or -1: refused */
			const char *msg;
		} cases[] = {
			{"gpu:2", NULL, 2, NULL},
			{" gpu : 4 ", NULL, 4, NULL},
			{"gpu:2", "2", 2, NULL},
			{"gpu:2,nic:1", "2", 2, NULL},
			{"gpu:2", "3", -1,
			 "accelsched:count: 3 devices, but pci_passthrough:alias asks for 'gpu:2'"},
			{"gpu:2,nic:1", NULL, -1, "names several aliases; accelsched:count says"},
			{"gpu", NULL, -1, "pci_passthrough:alias: 'gpu' is not NAME:COUNT"},
			{"gpu:0", NULL, -1, "'gpu:0': the count is not a positive number"},
			{"gpu:two", NULL, -1, "the count is not a positive number"},
			{"gpu:20", NULL, -1, "20 devices; accelsched chooses at most 16"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *k[] = {"accelsched:p2p", "pci_passthrough:alias",
					   "accelsched:count"};
			const char *v[] = {"PIX", cases[i].alias, cases[i].count};
			int r = accel_sched_request_parse(k, v, cases[i].count ? 3 : 2, &rq, &err);

			if (cases[i].want < 0) {
				if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
					fail_msg("alias '%s': '%s'", cases[i].alias, err.msg);
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(accel_sched_request_count(rq), cases[i].want);
			accel_sched_request_free(rq);
		}
	}
	{
		/* an alias beside an accelerator class is some other device's;
		 * an alias without any accelsched: key is no business of ours */
		const char *k[] = {"resources:PGPU", "pci_passthrough:alias"};
		const char *v[] = {"4", "nic:1,nic2:3"};

		assert_int_equal(accel_sched_request_parse(k, v, 2, &rq, &err), 0);
		assert_int_equal(accel_sched_request_count(rq), 4);
		accel_sched_request_free(rq);
		assert_int_equal(accel_sched_request_parse(k + 1, v + 1, 1, &rq, &err), 0);
		assert_false(accel_sched_request_active(rq));
		accel_sched_request_free(rq);
	}
	assert_int_equal(accel_sched_validate("hw:cpu_policy", "whatever", &err), 0);
	assert_int_equal(accel_sched_validate("accelsched:p2p", "PIX", &err), 0);
}

/* The ranking: pack prefers the smallest device that fits, spread the
 * largest; tighter locality wins; degraded and busy devices weigh less. */
static void test_weigh(void **state)
{
	accel_sched_hosts *t;
	accel_inventory *big, *small, *busy;
	accel_device *d;
	accel_err err;
	const char *hosts[] = {"big", "small", "busy"};
	accel_sched_result res[3];
	accel_sched_request *rq;

	(void)state;
	accel_sched_hosts_new(&t);
	accel_inventory_new(&big, "big");
	accel_inventory_add_device(big, "0000:17:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	d->memory_mb = 81920;
	accel_device_set(&d->resource_class, "PGPU");
	accel_inventory_new(&small, "small");
	accel_inventory_add_device(small, "0000:17:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	d->memory_mb = 16384;
	accel_device_set(&d->resource_class, "PGPU");
	accel_inventory_new(&busy, "busy");
	accel_inventory_add_device(busy, "0000:17:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	d->memory_mb = 16384;
	d->utilization = 90;
	accel_device_set(&d->resource_class, "PGPU");
	assert_int_equal(accel_sched_hosts_update(t, big, &err), 0);
	assert_int_equal(accel_sched_hosts_update(t, small, &err), 0);
	assert_int_equal(accel_sched_hosts_update(t, busy, &err), 0);
	{
		const char *k[] = {"resources:PGPU", "accelsched:min_memory_mb"};
		const char *v[] = {"1", "8000"};

		accel_sched_request_parse(k, v, 2, &rq, &err);
		accel_sched_evaluate(t, rq, hosts, 3, res);
		assert_true(res[0].pass && res[1].pass && res[2].pass);
		assert_true(res[1].weight > res[0].weight); /* pack: 16 GB over 80 GB */
		assert_true(res[1].weight > res[2].weight); /* idle over busy */
		accel_sched_request_free(rq);
	}
	{
		const char *k[] = {"resources:PGPU", "accelsched:policy"};
		const char *v[] = {"1", "spread"};

		accel_sched_request_parse(k, v, 2, &rq, &err);
		accel_sched_evaluate(t, rq, hosts, 3, res);
		assert_true(res[0].weight > res[1].weight);
		accel_sched_request_free(rq);
	}
	{
		const char *k[] = {"resources:PGPU", "accelsched:min_memory_mb"};
		const char *v[] = {"1", "40000"};

		accel_sched_request_parse(k, v, 2, &rq, &err);
		accel_sched_evaluate(t, rq, hosts, 3, res);
		assert_true(res[0].pass);
		assert_false(res[1].pass);
		assert_int_equal(res[1].reason, ACCEL_REJECT_MEMORY);
		{
			uint16_t counts[ACCEL_REJECT_MAX];

			assert_int_equal(accel_sched_explain(t, rq, "small", counts), 0);
			assert_int_equal(counts[ACCEL_REJECT_MEMORY], 1);
			assert_int_equal(accel_sched_explain(t, rq, "nowhere", counts), -ENOENT);
		}
		accel_sched_request_free(rq);
	}
	/* a host the table does not know */
	{
		const char *k[] = {"resources:PGPU"}, *v[] = {"1"}, *h = "nowhere";

		accel_sched_request_parse(k, v, 1, &rq, &err);
		accel_sched_evaluate(t, rq, &h, 1, res);
		assert_false(res[0].pass);
		assert_int_equal(res[0].reason, ACCEL_REJECT_UNKNOWN_HOST);
		accel_sched_request_free(rq);
	}
	/* removal, and the chosen addresses of a replaced host are stale */
	{
		const char *k[] = {"resources:PGPU"}, *v[] = {"1"};
		char addrs[1][ACCEL_ADDR_MAX];

		accel_sched_request_parse(k, v, 1, &rq, &err);
		accel_sched_evaluate(t, rq, hosts, 1, res);
		assert_int_equal(accel_sched_chosen(t, "big", &res[0], addrs, NULL), 0);
		assert_string_equal(addrs[0], "0000:17:00.0");
		accel_sched_hosts_update(t, big, &err);
		assert_int_equal(accel_sched_chosen(t, "big", &res[0], addrs, NULL), -ESTALE);
		assert_int_equal(accel_sched_hosts_remove(t, "big"), 0);
		assert_int_equal(accel_sched_hosts_count(t), 2);
		assert_int_equal(accel_sched_chosen(t, "big", &res[0], addrs, NULL), -ENOENT);
		accel_sched_request_free(rq);
	}
	accel_inventory_free(big);
	accel_inventory_free(small);
	accel_inventory_free(busy);
	accel_sched_hosts_free(t);
}

/* The topology of a real capture: four V100s under one switch pair of
 * the DGX-2 fixture, asked for with p2p PIX and PXB. */
static void test_dgx2(void **state)
{
	accel_sched_hosts *t;
	accel_inventory *inv;
	accel_ctx *ctx;
	accel_err err;
	accel_sched_request *rq;
	accel_sched_result res;
	const char *h = "dgx2";
	char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];

	(void)state;
	accel_ctx_new(&ctx);
	accel_ctx_set_sysfs_root(ctx, tree_fixture("dgx2"));
	accel_ctx_set_host(ctx, "dgx2");
	assert_int_equal(accel_scan(ctx, &inv), 0);
	accel_ctx_free(ctx);
	accel_sched_hosts_new(&t);
	assert_int_equal(accel_sched_hosts_update(t, inv, &err), 0);
	{
		const char *k[] = {"resources:PGPU", "accelsched:p2p"}, *v[] = {"2", "PIX"};

		accel_sched_request_parse(k, v, 2, &rq, &err);
		accel_sched_evaluate(t, rq, &h, 1, &res);
		assert_true(res.pass);
		accel_sched_chosen(t, h, &res, addrs, NULL);
		assert_int_equal(accel_inventory_link_class(inv, addrs[0], addrs[1]),
				 ACCEL_LINK_PIX);
		accel_sched_request_free(rq);
	}
	{
		/* three under one switch: the second-tier switches hold two */
		const char *k[] = {"resources:PGPU", "accelsched:p2p"}, *v[] = {"3", "PIX"};

		accel_sched_request_parse(k, v, 2, &rq, &err);
		accel_sched_evaluate(t, rq, &h, 1, &res);
		assert_false(res.pass);
		assert_int_equal(res.reason, ACCEL_REJECT_P2P);
		accel_sched_request_free(rq);
	}
	{
		const char *k[] = {"resources:PGPU", "accelsched:p2p", "accelsched:numa"};
		const char *v[] = {"4", "PXB", "strict"};

		accel_sched_request_parse(k, v, 3, &rq, &err);
		accel_sched_evaluate(t, rq, &h, 1, &res);
		assert_true(res.pass);
		accel_sched_chosen(t, h, &res, addrs, NULL);
		for (int i = 0; i < 4; i++)
			for (int j = i + 1; j < 4; j++)
				assert_true(accel_inventory_link_class(inv, addrs[i], addrs[j]) <=
					    ACCEL_LINK_PXB);
		accel_sched_request_free(rq);
	}
	accel_inventory_free(inv);
	accel_sched_hosts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_weigh),
		cmocka_unit_test(test_dgx2),
		cmocka_unit_test(test_exact),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
