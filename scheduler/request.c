/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests from flavor extra specs. Nova's own syntax for resources and
 * traits (granular groups `resources1:`, `resources_gpu:`), and the
 * accelsched: namespace. Strict: a bad key or value names itself and what
 * is allowed; keys of other namespaces are Nova's business and ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <accel/model.h>
#include <accel/util.h>
#include "sched_int.h"

#define BAD(err, ...) accel_err_set(err, -EINVAL, __VA_ARGS__)

static const char *const keys_allowed =
	"kind, vendor, model, count, min_memory_mb, min_compute_capability, numa, p2p, policy, "
	"max_utilization";

void accel_sched_request_free(accel_sched_request *rq)
{
	if (!rq)
		return;
	free(rq->rc);
	free(rq->vendor);
	free(rq->model_glob);
	for (size_t i = 0; i < rq->n_required; i++)
		free(rq->required[i]);
	for (size_t i = 0; i < rq->n_forbidden; i++)
		free(rq->forbidden[i]);
	for (size_t i = 0; i < rq->n_tree_required; i++)
		free(rq->tree_required[i]);
	free(rq);
}

bool accel_sched_request_active(const accel_sched_request *rq)
{
	return rq && rq->active;
}

unsigned accel_sched_request_count(const accel_sched_request *rq)
{
	return rq ? rq->count : 0;
}

static int parse_uint(const char *v, long long max, long long *out)
{
	char *end;
	long long x;

	if (!*v || !isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

/* "8.0" -> 800, "12.1" -> 1201 */
static int parse_cc(const char *v, int *out)
{
	unsigned maj, min;
	int n = 0;

	if (sscanf(v, "%3u.%3u%n", &maj, &min, &n) != 2 || v[n] || !isdigit((unsigned char)v[0]) ||
	    min > 99)
		return -EINVAL;
	*out = (int)(maj * 100 + min);
	return 0;
}

static bool trait_name_ok(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isupper((unsigned char)t[i]) || isdigit((unsigned char)t[i]) || t[i] == '_'))
			return false;
	return true;
}

/* An accelsched: key; rq may be NULL (validation only). */
static int accelsched_key(accel_sched_request *rq, const char *key, const char *v, accel_err *err)
{
	const char *k = key + strlen("accelsched:");
	long long x;

	if (!strcmp(k, "kind")) {
		accel_kind kind = accel_kind_from_name(v);

		if (kind == ACCEL_KIND_NONE || kind == ACCEL_KIND_DISPLAY)
			return BAD(err, "%s: '%s' is not one of gpu, fpga, npu, accel", key, v);
		if (rq)
			rq->kind = kind;
	} else if (!strcmp(k, "vendor")) {
		unsigned id;
		char *end;

		if (!*v || strlen(v) > 64 || !accel_text_ok(v, strlen(v)))
			return BAD(err,
				   "%s: expected a vendor name (nvidia, amd, ...) or a PCI vendor "
				   "id (10de)",
				   key);
		id = (unsigned)strtoul(v, &end, 16);
		if (rq) {
			if (strlen(v) == 4 && !*end && id <= 0xffff)
				rq->vendor_id = (int)id;
			else if (accel_device_set(&rq->vendor, v))
				return accel_err_set(err, -ENOMEM, "out of memory");
		}
	} else if (!strcmp(k, "model")) {
		if (!*v || strlen(v) > 256 || !accel_text_ok(v, strlen(v)))
			return BAD(err, "%s: expected a model name or glob ('A100*')", key);
		if (rq && accel_device_set(&rq->model_glob, v))
			return accel_err_set(err, -ENOMEM, "out of memory");
	} else if (!strcmp(k, "count")) {
		if (parse_uint(v, ACCEL_SCHED_MAX_COUNT, &x) || x < 1)
			return BAD(err, "%s: '%s' is not a count from 1 to %d", key, v,
				   ACCEL_SCHED_MAX_COUNT);
		if (rq)
			rq->count = (unsigned)x;
	} else if (!strcmp(k, "min_memory_mb")) {
		if (parse_uint(v, INT64_MAX / 2, &x))
			return BAD(err, "%s: '%s' is not a number of MiB", key, v);
		if (rq)
			rq->min_memory_mb = x;
	} else if (!strcmp(k, "min_compute_capability")) {
		int cc;

		if (parse_cc(v, &cc))
			return BAD(err, "%s: '%s' is not a compute capability like 8.0", key, v);
		if (rq)
			rq->min_cc = cc;
	} else if (!strcmp(k, "numa")) {
		accel_sched_numa m;

		if (!strcmp(v, "strict"))
			m = ACCEL_NUMA_STRICT;
		else if (!strcmp(v, "preferred"))
			m = ACCEL_NUMA_PREFERRED;
		else if (!strcmp(v, "any"))
			m = ACCEL_NUMA_ANY;
		else
			return BAD(err, "%s: '%s' is not one of strict, preferred, any", key, v);
		if (rq)
			rq->numa = m;
	} else if (!strcmp(k, "p2p")) {
		accel_link_class c = accel_link_class_from_name(v);

		if (c == ACCEL_LINK_UNKNOWN)
			return BAD(err, "%s: '%s' is not one of PIX, PXB, PHB, NODE, SYS", key, v);
		if (rq)
			rq->p2p = c;
	} else if (!strcmp(k, "policy")) {
		accel_sched_policy p;

		if (!strcmp(v, "pack"))
			p = ACCEL_POLICY_PACK;
		else if (!strcmp(v, "spread"))
			p = ACCEL_POLICY_SPREAD;
		else
			return BAD(err, "%s: '%s' is not one of pack, spread", key, v);
		if (rq)
			rq->policy = p;
	} else if (!strcmp(k, "max_utilization")) {
		if (parse_uint(v, 100, &x))
			return BAD(err, "%s: '%s' is not a percentage from 0 to 100", key, v);
		if (rq)
			rq->max_utilization = (int)x;
	} else {
		return BAD(err, "%s: unknown accelsched key (allowed: %s)", key, keys_allowed);
	}
	return 0;
}

int accel_sched_validate(const char *key, const char *value, accel_err *err)
{
	if (!key || !value)
		return BAD(err, "missing key or value");
	if (strncmp(key, "accelsched:", 11))
		return 0;
	return accelsched_key(NULL, key, value, err);
}

static int add_trait(char **list, size_t *n, const char *key, const char *trait, accel_err *err)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], trait))
			return 0;
	if (*n == SCHED_MAX_TRAITS)
		return BAD(err, "%s: more than %d traits of one kind", key, SCHED_MAX_TRAITS);
	list[*n] = strdup(trait);
	if (!list[*n])
		return accel_err_set(err, -ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* "resources", "resources1", "resources_gpu" prefixes; the group suffix. */
static const char *group_of(const char *key, const char *prefix, char *group, size_t cap)
{
	size_t pl = strlen(prefix);
	const char *colon = strchr(key, ':');
	size_t gl;

	if (!colon || strncmp(key, prefix, pl))
		return NULL;
	gl = (size_t)(colon - key) - pl;
	if (gl >= cap)
		return NULL;
	/* Nova: digits, or '_' and up to 64 of [a-zA-Z0-9_-] */
	for (size_t i = 0; i < gl; i++) {
		char c = key[pl + i];

		if (!(isalnum((unsigned char)c) || c == '_' || c == '-'))
			return NULL;
	}
	memcpy(group, key + pl, gl);
	group[gl] = '\0';
	return colon + 1;
}

/*
 * Nova's flavor PCI request, "pci_passthrough:alias" = "NAME:COUNT[,...]"
 * (nova/pci/request.py: each entry a name and a count): the entries'
 * counts into counts[] (at most max), how many into *n; -EINVAL names a
 * malformed entry.
 */
static int alias_counts(const char *v, unsigned *counts, size_t max, size_t *n, accel_err *err)
{
	const char *p = v;

	*n = 0;
	while (*p) {
		const char *end = strchr(p, ','), *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char num[24];
		long long x;
		size_t nl;

		colon = memchr(p, ':', len);
		if (!colon || colon == p)
			return BAD(err, "pci_passthrough:alias: '%.*s' is not NAME:COUNT", (int)len,
				   p);
		nl = len - (size_t)(colon + 1 - p);
		while (nl && colon[nl] == ' ')
			nl--;
		if (nl == 0 || nl >= sizeof(num))
			return BAD(err, "pci_passthrough:alias: '%.*s' is not NAME:COUNT", (int)len,
				   p);
		memcpy(num, colon + 1, nl);
		num[nl] = 0;
		if (parse_uint(num + strspn(num, " "), 1000, &x) || x < 1)
			return BAD(
				err,
				"pci_passthrough:alias: '%.*s': the count is not a positive number",
				(int)len, p);
		if (*n < max)
			counts[*n] = (unsigned)x;
		(*n)++;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int accel_sched_request_parse(const char *const *keys, const char *const *values, size_t n,
			      accel_sched_request **out, accel_err *err)
{
	accel_sched_request *rq = calloc(1, sizeof(*rq));
	char accel_groups[16][72];
	size_t n_groups = 0;
	unsigned rc_amount = 0;
	bool explicit_count = false, any_accelsched = false;
	int r = 0;

	accel_err_clear(err);
	if (!rq)
		return accel_err_set(err, -ENOMEM, "out of memory");
	rq->vendor_id = -1;
	rq->max_utilization = -1;
	rq->p2p = ACCEL_LINK_UNKNOWN;

	/* resources first: they tell which groups are the accelerator's */
	for (size_t i = 0; i < n && !r; i++) {
		char group[72];
		const char *rc = group_of(keys[i], "resources", group, sizeof(group));
		long long amount;
		accel_kind kind;

		if (!rc || (kind = accel_vocab_rc_kind(rc)) == ACCEL_KIND_NONE)
			continue; /* not an accelerator's class (common/vocab.c) */
		if (parse_uint(values[i], 1000, &amount) || amount < 1) {
			r = BAD(err, "%s: '%s' is not a positive amount", keys[i], values[i]);
			break;
		}
		if (rq->rc && strcmp(rq->rc, rc)) {
			r = BAD(err, "%s: one accelerator resource class per flavor (already %s)",
				keys[i], rq->rc);
			break;
		}
		if (!rq->rc && accel_device_set(&rq->rc, rc)) {
			r = accel_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		rq->kind = kind;
		rc_amount += (unsigned)amount;
		if (n_groups < 16)
			strcpy(accel_groups[n_groups++], group);
	}
	for (size_t i = 0; i < n && !r; i++) {
		const char *k = keys[i], *v = values[i];
		char group[72];
		const char *t;

		if (!k || !v) {
			r = BAD(err, "extra spec %zu: missing key or value", i);
			break;
		}
		if (!strncmp(k, "accelsched:", 11)) {
			any_accelsched = true;
			explicit_count |= !strcmp(k, "accelsched:count");
			r = accelsched_key(rq, k, v, err);
			continue;
		}
		t = group_of(k, "trait", group, sizeof(group));
		if (!t)
			continue;
		if (!trait_name_ok(t)) {
			r = BAD(err, "%s: '%s' is not a trait name ([A-Z0-9_])", k, t);
			break;
		}
		if (strcmp(v, "required") && strcmp(v, "forbidden")) {
			r = BAD(err, "%s: '%s' is not one of required, forbidden", k, v);
			break;
		}
		/* traits of the accelerator's group(s) are the devices' */
		{
			bool ours = false;

			for (size_t g = 0; g < n_groups; g++)
				ours |= !strcmp(accel_groups[g], group);
			if (!ours)
				continue;
		}
		if (!strcmp(v, "required")) {
			char **list = group[0] ? rq->required : rq->tree_required;
			size_t *nl = group[0] ? &rq->n_required : &rq->n_tree_required;

			r = add_trait(list, nl, k, t, err);
		} else {
			r = add_trait(rq->forbidden, &rq->n_forbidden, k, t, err);
		}
	}
	if (r) {
		accel_sched_request_free(rq);
		return r;
	}
	rq->active = any_accelsched || rq->rc;
	/* Devices asked for through a PCI alias (Nova 2023.1+: PCI in
	 * Placement): the count is the alias's, stated once. With an
	 * accelerator resource class the count is that class's amount and the
	 * alias is some other device's. */
	if (!r && !rq->rc && any_accelsched)
		for (size_t i = 0; i < n; i++) {
			unsigned counts[16];
			size_t na;

			if (strcmp(keys[i], "pci_passthrough:alias"))
				continue;
			r = alias_counts(values[i], counts, 16, &na, err);
			if (r)
				break;
			if (explicit_count) {
				bool found = false;

				for (size_t a = 0; a < na && a < 16; a++)
					found |= counts[a] == rq->count;
				if (!found)
					r = BAD(err,
						"accelsched:count: %u devices, but "
						"pci_passthrough:alias "
						"asks for '%s'; state the count once, in the alias "
						"(drop "
						"accelsched:count)",
						rq->count, values[i]);
			} else if (na == 1) {
				if (counts[0] > ACCEL_SCHED_MAX_COUNT)
					r = BAD(err,
						"pci_passthrough:alias: '%s': %u devices; "
						"accelsched chooses at most %d",
						values[i], counts[0], ACCEL_SCHED_MAX_COUNT);
				rq->count = counts[0];
				explicit_count = true;
			} else if (na > 1) {
				r = BAD(err,
					"pci_passthrough:alias: '%s' names several aliases; "
					"accelsched:count says which count is the accelerators'",
					values[i]);
			}
			break;
		}
	if (r) {
		accel_sched_request_free(rq);
		return r;
	}
	if (!explicit_count)
		rq->count = rc_amount ? rc_amount : 1;
	if (rq->count > ACCEL_SCHED_MAX_COUNT) {
		accel_sched_request_free(rq);
		return BAD(err, "resources: %u accelerators in one flavor; at most %d", rc_amount,
			   ACCEL_SCHED_MAX_COUNT);
	}
	*out = rq;
	return 0;
}
