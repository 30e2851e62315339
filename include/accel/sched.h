/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler core (libaccelsched): requests from flavor extra specs, a
 * host table built from inventories, and one call that filters and weighs
 * every candidate host of a request.
 *
 * The filter is exact: a host passes if and only if some set of `count`
 * free devices meets every device constraint and the group constraints
 * (one NUMA node, a worst PCIe link class). Link classes come from the PCI
 * tree, where "all pairs within class X" is membership of one group
 * (switch, root port, host bridge, NUMA node); a host's groups are device
 * masks precomputed when the host is added, so a request costs a pass
 * over the host's devices and a popcount per group.
 */
#ifndef ACCEL_SCHED_H
#define ACCEL_SCHED_H

#include <accel/inventory.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_SCHED_MAX_COUNT 16 /* devices one request may ask for */

typedef struct accel_sched_request accel_sched_request;
typedef struct accel_sched_hosts accel_sched_hosts;

typedef enum accel_sched_numa {
	ACCEL_NUMA_ANY = 0,
	ACCEL_NUMA_PREFERRED, /* one node if possible, else any (weighs less) */
	ACCEL_NUMA_STRICT,    /* all chosen devices on one NUMA node */
} accel_sched_numa;

typedef enum accel_sched_policy {
	ACCEL_POLICY_PACK = 0, /* smallest sufficient device, fullest host */
	ACCEL_POLICY_SPREAD,
} accel_sched_policy;

/* Why a host was rejected: the first constraint no set of devices met. */
typedef enum accel_sched_reason {
	ACCEL_REJECT_NONE = 0,
	ACCEL_REJECT_UNKNOWN_HOST, /* no inventory for this host */
	ACCEL_REJECT_KIND,
	ACCEL_REJECT_VENDOR,
	ACCEL_REJECT_MODEL,
	ACCEL_REJECT_RESOURCE_CLASS,
	ACCEL_REJECT_MEMORY,
	ACCEL_REJECT_COMPUTE_CAPABILITY,
	ACCEL_REJECT_TRAITS,
	ACCEL_REJECT_HEALTH, /* failed */
	ACCEL_REJECT_IN_USE,
	ACCEL_REJECT_UTILIZATION,
	ACCEL_REJECT_COUNT, /* fewer than count devices qualify */
	ACCEL_REJECT_NUMA,  /* enough, but not on one NUMA node */
	ACCEL_REJECT_P2P,   /* enough, but not within the link class */
	ACCEL_REJECT_MAX,
} accel_sched_reason;

typedef struct accel_sched_result {
	bool pass;
	bool degraded; /* only degraded devices fit */
	accel_sched_reason reason;
	double weight;	   /* raw; higher is better; Nova normalizes */
	uint32_t host_gen; /* the host's version the choice refers to */
	uint8_t n_chosen;
	uint8_t chosen[ACCEL_SCHED_MAX_COUNT]; /* device indices in the host */
	uint16_t n_eligible;		       /* devices that met every device constraint */
} accel_sched_result;

/*
 * Parse flavor extra specs: `resources[N]:<RC>=n`, `trait[N]:<T>=required|
 * forbidden` and the accelsched: namespace (kind, vendor, model, count,
 * min_memory_mb, min_compute_capability, numa, p2p, policy,
 * max_utilization). Other keys are ignored. A bad key or value fails with
 * *err naming it and what is allowed.
 */
ACCEL_EXPORT int accel_sched_request_parse(const char *const *keys, const char *const *values,
					   size_t n, accel_sched_request **out, accel_err *err);
ACCEL_EXPORT void accel_sched_request_free(accel_sched_request *rq);
/* false: the specs ask for no accelerator (every host passes, weight 0). */
ACCEL_EXPORT bool accel_sched_request_active(const accel_sched_request *rq);
ACCEL_EXPORT unsigned accel_sched_request_count(const accel_sched_request *rq);
/* Check one accelsched: extra spec on its own (Nova's API validators). */
ACCEL_EXPORT int accel_sched_validate(const char *key, const char *value, accel_err *err);

ACCEL_EXPORT int accel_sched_hosts_new(accel_sched_hosts **out);
ACCEL_EXPORT void accel_sched_hosts_free(accel_sched_hosts *t);
/* Add or replace the host of `inv` (its "host"). Readers see the old or
 * the new host, never half of one; the record is built outside the
 * readers' lock and swapped in (writers take turns). */
ACCEL_EXPORT int accel_sched_hosts_update(accel_sched_hosts *t, const accel_inventory *inv,
					  accel_err *err);
ACCEL_EXPORT int accel_sched_hosts_remove(accel_sched_hosts *t, const char *host);
/* Every *.json in dir, one inventory per host. Returns the number loaded;
 * a malformed file fails with *err naming it (the others stay loaded). */
ACCEL_EXPORT int accel_sched_hosts_load_dir(accel_sched_hosts *t, const char *dir, accel_err *err);
ACCEL_EXPORT size_t accel_sched_hosts_count(accel_sched_hosts *t);
/* Every host's name, sorted, copied (free with accel_strv_free). */
ACCEL_EXPORT int accel_sched_hosts_names(accel_sched_hosts *t, char ***names, size_t *n);

/* A host's id: stable for the table's life, also across a removal and
 * a return of the same name; -1 for a name never seen. Callers that
 * evaluate the same hosts again and again resolve names once. */
ACCEL_EXPORT int32_t accel_sched_host_id(accel_sched_hosts *t, const char *host);

/* Filter and weigh hosts[0..n) for rq in one call: out[i] for hosts[i]. */
ACCEL_EXPORT int accel_sched_evaluate(accel_sched_hosts *t, const accel_sched_request *rq,
				      const char *const *hosts, size_t n, accel_sched_result *out);
/* The same by host id (a negative or unknown id: no inventory). */
ACCEL_EXPORT int accel_sched_evaluate_ids(accel_sched_hosts *t, const accel_sched_request *rq,
					  const int32_t *ids, size_t n, accel_sched_result *out);
/* For a rejected host, how many of its devices each device constraint
 * turned away (a device counts once, for the first constraint it failed);
 * -ENOENT for an unknown host. */
ACCEL_EXPORT int accel_sched_explain(accel_sched_hosts *t, const accel_sched_request *rq,
				     const char *host, uint16_t counts[ACCEL_REJECT_MAX]);
/* The PCI addresses of a result's chosen devices and, when models is not
 * NULL, their model names (borrowed for the table's life; NULL when
 * unknown); -ESTALE when the host changed since (host_gen), -ENOENT when
 * it is gone. */
ACCEL_EXPORT int accel_sched_chosen(accel_sched_hosts *t, const char *host,
				    const accel_sched_result *res, char addrs[][ACCEL_ADDR_MAX],
				    const char **models);

/* Would the weigher choose the devices of host among addrs[0..n) (PCI
 * addresses, any case; addresses host has no device at are left out)?
 * 1 when they are the set it chooses for rq or one scoring the same (a
 * tie), 0 when not, -ENOENT for an unknown host, -ENOMEM. A request
 * asking for no accelerator accepts any set. avail, when not NULL, lists
 * the addresses of the devices still free (avail[0..n_avail)): the others
 * count as in use, whatever the inventory says. */
ACCEL_EXPORT int accel_sched_acceptable(accel_sched_hosts *t, const accel_sched_request *rq,
					const char *host, const char *const *addrs, size_t n,
					const char *const *avail, size_t n_avail);

/* The constraint's name as operators write it: "min_memory_mb", "p2p",
 * "in_use", "no_inventory", ... */
ACCEL_EXPORT const char *accel_sched_reason_name(accel_sched_reason r);

#ifdef __cplusplus
}
#endif
#endif
