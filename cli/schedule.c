/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl schedule: rank the hosts of a folder of inventory files for a
 * flavor's extra specs, with the scheduler core Nova's plugin calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/sched.h>
#include <accel/util.h>
#include "cli.h"

struct ranked {
	const char *host;
	const accel_sched_result *res;
	uint16_t rejected[ACCEL_REJECT_MAX]; /* devices turned away, per reason */
};

static int by_weight(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->res->weight != y->res->weight)
		return x->res->weight < y->res->weight ? 1 : -1;
	return strcmp(x->host, y->host);
}

/* "count: 2 devices qualify, 4 needed; turned away: in_use 2, min_memory_mb 4" */
static void reason_text(const struct ranked *f, unsigned count, char *buf, size_t cap)
{
	const accel_sched_result *r = f->res;
	size_t len;
	bool first = true;

	if (r->reason == ACCEL_REJECT_COUNT && !r->n_eligible) {
		bool none = true;

		for (int k = 1; k < ACCEL_REJECT_MAX; k++)
			none &= !f->rejected[k];
		if (none) {
			snprintf(buf, cap, "count: no accelerators");
			return;
		}
	}
	if (r->reason == ACCEL_REJECT_COUNT || f->rejected[r->reason])
		len = (size_t)snprintf(buf, cap, "%s: %u device%s qualif%s, %u needed",
				       accel_sched_reason_name(r->reason), r->n_eligible,
				       r->n_eligible == 1 ? "" : "s",
				       r->n_eligible == 1 ? "ies" : "y", count);
	else if (r->reason == ACCEL_REJECT_P2P || r->reason == ACCEL_REJECT_NUMA)
		len = (size_t)snprintf(buf, cap, "%s: %u devices qualify, no %u of them %s",
				       accel_sched_reason_name(r->reason), r->n_eligible, count,
				       r->reason == ACCEL_REJECT_P2P ? "close enough"
								     : "on one NUMA node");
	else
		len = (size_t)snprintf(buf, cap, "%s", accel_sched_reason_name(r->reason));
	for (int k = 1; k < ACCEL_REJECT_MAX && len < cap; k++) {
		if (!f->rejected[k])
			continue;
		len += (size_t)snprintf(
			buf + len, cap - len, "%s%s %u", first ? "; turned away: " : ", ",
			accel_sched_reason_name((accel_sched_reason)k), f->rejected[k]);
		first = false;
	}
}

static json_object *turned_away(const struct ranked *f)
{
	json_object *o = json_object_new_object();

	for (int k = 1; o && k < ACCEL_REJECT_MAX; k++)
		if (f->rejected[k])
			json_object_object_add(o, accel_sched_reason_name((accel_sched_reason)k),
					       json_object_new_int(f->rejected[k]));
	return o;
}

static int print_json(accel_sched_hosts *t, const struct ranked *pass, size_t n_pass,
		      const struct ranked *fail, size_t n_fail)
{
	json_object *root = json_object_new_object(), *hosts = json_object_new_array(),
		    *rejected = json_object_new_array();
	const char *text;

	if (!root || !hosts || !rejected) {
		json_object_put(root);
		json_object_put(hosts);
		json_object_put(rejected);
		fprintf(stderr, "accelctl: out of memory\n");
		return 1;
	}
	json_object_object_add(root, "hosts", hosts);
	json_object_object_add(root, "rejected", rejected);
	for (size_t i = 0; i < n_pass; i++) {
		json_object *h = json_object_new_object(), *devs = json_object_new_array();
		char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];

		json_object_array_add(hosts, h);
		json_object_object_add(h, "host", json_object_new_string(pass[i].host));
		json_object_object_add(h, "weight", json_object_new_double(pass[i].res->weight));
		json_object_object_add(h, "devices", devs);
		if (pass[i].res->degraded)
			json_object_object_add(h, "degraded", json_object_new_boolean(1));
		if (!accel_sched_chosen(t, pass[i].host, pass[i].res, addrs, NULL))
			for (unsigned d = 0; d < pass[i].res->n_chosen; d++)
				json_object_array_add(devs, json_object_new_string(addrs[d]));
	}
	for (size_t i = 0; i < n_fail; i++) {
		json_object *h = json_object_new_object();

		json_object_array_add(rejected, h);
		json_object_object_add(h, "host", json_object_new_string(fail[i].host));
		json_object_object_add(
			h, "reason",
			json_object_new_string(accel_sched_reason_name(fail[i].res->reason)));
		json_object_object_add(h, "devices_qualifying",
				       json_object_new_int(fail[i].res->n_eligible));
		json_object_object_add(h, "devices_turned_away", turned_away(&fail[i]));
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	puts(text);
	json_object_put(root);
	return 0;
}

static void print_table(accel_sched_hosts *t, const struct ranked *pass, size_t n_pass,
			size_t n_shown, const struct ranked *fail, size_t n_fail, size_t n_hosts,
			unsigned count)
{
	unsigned by_reason[ACCEL_REJECT_MAX] = {0};

	printf("%zu of %zu hosts pass", n_pass, n_hosts);
	if (n_shown < n_pass)
		printf(", the best %zu:\n", n_shown);
	else
		printf("%s\n", n_pass ? ", best first:" : "");
	n_pass = n_shown;
	if (n_pass)
		printf("%-4s %-24s %12s  %s\n", "RANK", "HOST", "WEIGHT", "DEVICES");
	for (size_t i = 0; i < n_pass; i++) {
		char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];
		const char *models[ACCEL_SCHED_MAX_COUNT];
		const accel_sched_result *r = pass[i].res;

		printf("%-4zu %-24s %12.1f  ", i + 1, pass[i].host, r->weight);
		if (accel_sched_chosen(t, pass[i].host, r, addrs, models)) {
			printf("(host changed)\n");
			continue;
		}
		for (unsigned d = 0; d < r->n_chosen; d++)
			printf("%s%s (%s)", d ? ", " : "", addrs[d], models[d] ? models[d] : "?");
		printf("%s\n", r->degraded ? "  [degraded devices only]" : "");
	}
	if (!n_fail)
		return;
	printf("\nRejected:\n%-24s  %s\n", "HOST", "REASON");
	for (size_t i = 0; i < n_fail; i++) {
		char why[512];

		reason_text(&fail[i], count, why, sizeof(why));
		printf("%-24s  %s\n", fail[i].host, why);
		by_reason[fail[i].res->reason]++;
	}
	printf("\nHosts rejected per constraint:");
	for (int k = 1; k < ACCEL_REJECT_MAX; k++)
		if (by_reason[k])
			printf(" %s %u", accel_sched_reason_name((accel_sched_reason)k),
			       by_reason[k]);
	printf("\n");
}

int cmd_schedule(const char *dir, const char *const *keys, const char *const *values,
		 size_t n_specs, long limit, const char *format)
{
	accel_sched_hosts *t = NULL;
	accel_sched_request *rq = NULL;
	accel_sched_result *res = NULL;
	struct ranked *pass = NULL, *fail = NULL;
	char **names = NULL;
	size_t n = 0, n_pass = 0, n_fail = 0, n_shown;
	accel_err err;
	int r, ret = 1;

	if (accel_sched_request_parse(keys, values, n_specs, &rq, &err)) {
		fprintf(stderr, "accelctl: schedule: %s\n", err.msg);
		return 2;
	}
	if (accel_sched_hosts_new(&t)) {
		fprintf(stderr, "accelctl: out of memory\n");
		goto out;
	}
	r = accel_sched_hosts_load_dir(t, dir, &err);
	if (r < 0) {
		fprintf(stderr, "accelctl: schedule: %s\n", err.msg);
		goto out;
	}
	if (accel_sched_hosts_names(t, &names, &n))
		goto oom;
	if (!n) {
		fprintf(stderr, "accelctl: schedule: %s: no inventory files (*.json)\n", dir);
		goto out;
	}
	res = calloc(n, sizeof(*res));
	pass = calloc(n, sizeof(*pass));
	fail = calloc(n, sizeof(*fail));
	if (!res || !pass || !fail)
		goto oom;
	if (accel_sched_evaluate(t, rq, (const char *const *)names, n, res))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct ranked e = {names[i], &res[i], {0}};

		if (res[i].pass) {
			pass[n_pass++] = e;
			continue;
		}
		if (accel_sched_explain(t, rq, names[i], e.rejected) == -ENOMEM)
			goto oom;
		fail[n_fail++] = e;
	}
	qsort(pass, n_pass, sizeof(*pass), by_weight);
	n_shown = limit >= 0 && (size_t)limit < n_pass ? (size_t)limit : n_pass;
	if (!strcmp(format, "json"))
		ret = print_json(t, pass, n_shown, fail, n_fail);
	else {
		print_table(t, pass, n_pass, n_shown, fail, n_fail, n,
			    accel_sched_request_count(rq));
		ret = 0;
	}
	goto out;
oom:
	fprintf(stderr, "accelctl: out of memory\n");
out:
	free(res);
	free(pass);
	free(fail);
	accel_strv_free(names, n);
	accel_sched_request_free(rq);
	accel_sched_hosts_free(t);
	return ret;
}
