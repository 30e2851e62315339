/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-sched: the scheduler core per request at 1,000, 10,000 and
 * 100,000 hosts of 8 GPUs, against a brute-force exact filter (every
 * subset of `count` eligible devices, pair classes from a precomputed
 * matrix) over the same hosts, in the same run.
 *
 *   bench-sched TEMPLATE.json [HOSTS,...]
 *
 * TEMPLATE is an accelsched.inventory/v1 document of an 8-GPU server
 * (make bench uses the hgx-a100-vfio fixture: its real PCIe tree, two
 * NUMA nodes, GPUs in pairs under switches). Every host gets that tree,
 * one GPU model for all 8 (A100 80GB, H100 80GB, L40S 48GB, L4 24GB, T4
 * 16GB), and a random state: devices in use, utilization, now and then a
 * degraded or failed one.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include <accel/inventory.h>
#include <accel/sched.h>
#include <accel/util.h>

#define DEVS 8
#define TARGET_MS 0.5

static const struct {
	const char *model;
	int64_t mem;
	const char *cc;
} models[] = {
	{ "A100 SXM4 80GB", 81920, "8.0" }, { "H100 SXM5 80GB", 81920, "9.0" },
	{ "L40S", 49152, "8.9" },	    { "L4", 24576, "8.9" },
	{ "Tesla T4", 16384, "7.5" },
};

static unsigned seed = 42;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The brute force's view of a host: devices and the pair matrix. */
struct bf_host {
	int64_t mem[DEVS];
	int cc[DEVS];
	int numa[DEVS];
	int util[DEVS];
	bool in_use[DEVS], failed[DEVS], degraded[DEVS];
	const char *model;
	accel_link_class cls[DEVS][DEVS];
};

struct bf_rq {
	unsigned count;
	int64_t min_mem;
	accel_link_class p2p;
	bool numa_strict;
	int max_util;
	const char *model;
};

static bool bf_set_ok(const struct bf_host *h, const struct bf_rq *q, const int *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++) {
			if (h->cls[s[i]][s[j]] > q->p2p)
				return false;
			if (q->numa_strict && (h->numa[s[i]] < 0 || h->numa[s[i]] != h->numa[s[j]]))
				return false;
		}
	return true;
}

static bool bf_search(const struct bf_host *h, const struct bf_rq *q, const int *cand,
		      unsigned n, unsigned start, int *pick, unsigned got)
{
	if (got == q->count)
		return bf_set_ok(h, q, pick, got);
	for (unsigned i = start; i + (q->count - got) <= n; i++) {
		pick[got] = cand[i];
		if (bf_search(h, q, cand, n, i + 1, pick, got + 1))
			return true;
	}
	return false;
}

static bool bf_host_pass(const struct bf_host *h, const struct bf_rq *q)
{
	int cand[DEVS], pick[DEVS];
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (int i = 0; i < DEVS; i++) {
			if (h->failed[i] || h->in_use[i] || (pass == 0 && h->degraded[i]))
				continue;
			if (h->mem[i] < q->min_mem)
				continue;
			if (q->model && fnmatch(q->model, h->model, FNM_CASEFOLD))
				continue;
			if (q->max_util >= 0 && h->util[i] > q->max_util)
				continue;
			cand[n++] = i;
		}
		if (n >= q->count && bf_search(h, q, cand, n, 0, pick, 0))
			return true;
	}
	return false;
}

static accel_inventory *make_host(const accel_inventory *tpl, const char *name, struct bf_host *bf)
{
	accel_inventory *inv;
	unsigned m = rnd(sizeof(models) / sizeof(models[0])), k = 0;
	const char *gpus[DEVS];

	accel_inventory_new(&inv, name);
	for (size_t i = 0; i < accel_inventory_n_devices(tpl) && k < DEVS; i++) {
		const accel_device *t = accel_inventory_device(tpl, i);
		accel_device *d;
		unsigned busy = rnd(100);

		if (t->kind != ACCEL_KIND_GPU || !t->resource_class)
			continue;
		accel_inventory_add_device(inv, t->address, &d);
		d->kind = t->kind;
		d->vendor_id = t->vendor_id;
		d->device_id = t->device_id;
		accel_device_set(&d->vendor, t->vendor);
		accel_device_set(&d->model, models[m].model);
		accel_device_set(&d->compute_capability, models[m].cc);
		accel_device_set(&d->resource_class, t->resource_class);
		for (size_t u = 0; u < t->n_traits; u++)
			accel_device_add_trait(d, t->traits[u]);
		for (size_t u = 0; u < t->pcie.n_upstream; u++)
			accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, t->pcie.upstream[u]);
		accel_device_set(&d->pcie.host_bridge, t->pcie.host_bridge);
		d->numa_node = t->numa_node;
		d->memory_mb = models[m].mem;
		d->in_use = busy < 35;
		d->utilization = (int)rnd(101);
		d->health = busy == 99 ? ACCEL_HEALTH_FAILED
			    : busy >= 96 ? ACCEL_HEALTH_DEGRADED
					 : ACCEL_HEALTH_OK;
		bf->mem[k] = d->memory_mb;
		bf->cc[k] = 0;
		bf->numa[k] = d->numa_node;
		bf->util[k] = d->utilization;
		bf->in_use[k] = d->in_use == 1;
		bf->failed[k] = d->health == ACCEL_HEALTH_FAILED;
		bf->degraded[k] = d->health == ACCEL_HEALTH_DEGRADED;
		gpus[k++] = t->address;
	}
	bf->model = models[m].model;
	for (unsigned i = 0; i < k; i++)
		for (unsigned j = 0; j < k; j++)
			bf->cls[i][j] = i == j ? ACCEL_LINK_PIX
					       : accel_inventory_link_class(tpl, gpus[i], gpus[j]);
	if (k != DEVS) {
		fprintf(stderr, "bench-sched: the template has %u GPUs, not %d\n", k, DEVS);
		exit(1);
	}
	return inv;
}

static const struct flavor {
	const char *name;
	const char *k[6], *v[6];
	size_t n;
	struct bf_rq bf;
} flavors[] = {
	{ "1 GPU >= 16 GB, pack",
	  { "resources:PGPU", "accelsched:min_memory_mb" },
	  { "1", "16384" },
	  2,
	  { 1, 16384, ACCEL_LINK_SYS, false, -1, NULL } },
	{ "2 GPUs PXB, max_utilization 50",
	  { "resources:PGPU", "accelsched:p2p", "accelsched:max_utilization" },
	  { "2", "PXB", "50" },
	  3,
	  { 2, 0, ACCEL_LINK_PXB, false, 50, NULL } },
	{ "4 GPUs >= 40 GB, one NUMA node",
	  { "resources:PGPU", "accelsched:min_memory_mb", "accelsched:numa",
	    "accelsched:p2p" },
	  { "4", "40960", "strict", "NODE" },
	  4,
	  { 4, 40960, ACCEL_LINK_NODE, true, -1, NULL } },
	{ "8 GPUs H100*",
	  { "resources:PGPU", "accelsched:model" },
	  { "8", "H100*" },
	  2,
	  { 8, 0, ACCEL_LINK_SYS, false, -1, "H100*" } },
};

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int misses;

static void bench(const accel_inventory *tpl, size_t n_hosts)
{
	accel_sched_hosts *t;
	struct bf_host *bf = calloc(n_hosts, sizeof(*bf));
	char **names = calloc(n_hosts, sizeof(*names));
	int32_t *ids = calloc(n_hosts, sizeof(*ids));
	accel_sched_result *res = calloc(n_hosts, sizeof(*res));
	long rss0 = rss_kb();
	double t0;

	if (!bf || !names || !res || accel_sched_hosts_new(&t)) {
		fprintf(stderr, "bench-sched: out of memory\n");
		exit(1);
	}
	t0 = now_ms();
	for (size_t i = 0; i < n_hosts; i++) {
		char name[32];
		accel_inventory *inv;
		accel_err err;

		snprintf(name, sizeof(name), "compute-%06zu", i);
		names[i] = strdup(name);
		inv = make_host(tpl, name, &bf[i]);
		if (accel_sched_hosts_update(t, inv, &err)) {
			fprintf(stderr, "bench-sched: %s\n", err.msg);
			exit(1);
		}
		accel_inventory_free(inv);
	}
	for (size_t i = 0; i < n_hosts; i++)
		ids[i] = accel_sched_host_id(t, names[i]);
	printf("\n%zu hosts x %d GPUs: table built in %.0f ms (incl. making the inventories), "
	       "max RSS +%ld MiB\n",
	       n_hosts, DEVS, now_ms() - t0, (rss_kb() - rss0) / 1024);
	printf("  %-32s %7s %12s %12s %12s %7s\n", "request", "pass", "by id", "by name",
	       "brute force", "ratio");
	for (size_t f = 0; f < sizeof(flavors) / sizeof(flavors[0]); f++) {
		const struct flavor *fl = &flavors[f];
		accel_sched_request *rq;
		accel_err err;
		double runs[21], id_runs[21], bf_runs[5], med, id_med, bf_med;
		int n_runs = n_hosts >= 100000 ? 7 : 21, n_bf = 3;
		size_t pass = 0, bf_pass = 0;

		if (accel_sched_request_parse(fl->k, fl->v, fl->n, &rq, &err)) {
			fprintf(stderr, "bench-sched: %s\n", err.msg);
			exit(1);
		}
		for (int r = 0; r < n_runs; r++) {
			double a = now_ms();

			accel_sched_evaluate(t, rq, (const char *const *)names, n_hosts, res);
			runs[r] = now_ms() - a;
		}
		for (int r = 0; r < n_runs; r++) {
			double a = now_ms();

			accel_sched_evaluate_ids(t, rq, ids, n_hosts, res);
			id_runs[r] = now_ms() - a;
		}
		for (size_t i = 0; i < n_hosts; i++)
			pass += res[i].pass;
		for (int r = 0; r < n_bf; r++) {
			double a = now_ms();

			bf_pass = 0;
			for (size_t i = 0; i < n_hosts; i++)
				bf_pass += bf_host_pass(&bf[i], &fl->bf);
			bf_runs[r] = now_ms() - a;
		}
		if (bf_pass != pass) {
			fprintf(stderr, "bench-sched: %s: accelsched passes %zu hosts, brute force %zu\n",
				fl->name, pass, bf_pass);
			exit(1);
		}
		qsort(runs, (size_t)n_runs, sizeof(double), cmp_double);
		qsort(id_runs, (size_t)n_runs, sizeof(double), cmp_double);
		qsort(bf_runs, (size_t)n_bf, sizeof(double), cmp_double);
		med = runs[n_runs / 2];
		id_med = id_runs[n_runs / 2];
		bf_med = bf_runs[n_bf / 2];
		printf("  %-32s %7zu %9.3f ms %9.3f ms %9.3f ms %6.1fx\n", fl->name, pass, id_med,
		       med, bf_med, bf_med / id_med);
		if (n_hosts == 10000) {
			printf("    target at 10,000 hosts: <= %.1f ms per request (by id): %s\n",
			       TARGET_MS, id_med <= TARGET_MS ? "met" : "NOT MET");
			misses += id_med > TARGET_MS;
		}
		accel_sched_request_free(rq);
	}
	for (size_t i = 0; i < n_hosts; i++)
		free(names[i]);
	free(names);
	free(res);
	free(bf);
	accel_sched_hosts_free(t);
}

int main(int argc, char **argv)
{
	accel_inventory *tpl;
	accel_err err;
	FILE *f;
	char *text;
	long len;
	const char *sizes = argc > 2 ? argv[2] : "1000,10000,100000";

	if (argc < 2) {
		fprintf(stderr, "usage: bench-sched TEMPLATE.json [HOSTS,...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(argv[1]);
		return 1;
	}
	text = malloc((size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	if (accel_inventory_from_json(text, (size_t)len, &tpl, &err)) {
		fprintf(stderr, "bench-sched: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	free(text);
	printf("Scheduler core (C): one call per request over every host, median of 21 calls\n"
	       "(7 at 100,000 hosts). 'by id': accel_sched_evaluate_ids, hosts named by the\n"
	       "ids the Nova plugin resolves once and keeps; 'by name': accel_sched_evaluate,\n"
	       "which looks every name up. Baseline: a brute force over device subsets in C\n"
	       "with precomputed pair classes, same hosts, same run; ratio = baseline / by id.\n");
	for (const char *p = sizes; *p;) {
		char *end;
		long n = strtol(p, &end, 10);

		if (n <= 0 || (*end && *end != ',')) {
			fprintf(stderr, "bench-sched: bad host counts '%s'\n", sizes);
			return 2;
		}
		bench(tpl, (size_t)n);
		p = *end ? end + 1 : end;
	}
	accel_inventory_free(tpl);
	if (misses)
		printf("\n%d request%s over the target at 10,000 hosts\n", misses,
		       misses == 1 ? "" : "s");
	return 0;
}
