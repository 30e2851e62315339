/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Placement client: report an inventory to Keystone-authenticated
 * Placement as a provider tree (docs/architecture.md, Placement).
 *
 * Under the compute node's root provider (Nova's, found by [DEFAULT] host)
 * each device gets a child provider named "<host>_<address>" whose UUID is
 * derived from that name (uuid5), with one inventory (its resource class)
 * and its traits, CUSTOM_OWNER_ACCELSCHED among them. A sync computes that
 * tree, compares it with Placement's, and writes only the difference.
 * Providers without CUSTOM_OWNER_ACCELSCHED are never changed.
 *
 * A state file (optional) keeps what the last sync wrote with each
 * provider's generation: when the generations Placement reports are the
 * ones we left, nothing changed behind our back, and a sync with nothing
 * to do costs exactly one read. It also records the trait names outside
 * CUSTOM_ACCEL_* written on each provider: only those, and unwanted
 * CUSTOM_ACCEL_* ones, are ever removed; operators' traits stay.
 */
#ifndef ACCEL_PLACEMENT_H
#define ACCEL_PLACEMENT_H

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/model.h> /* the vocabulary: ACCEL_OWNER_TRAIT, ... */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_placement accel_placement;

typedef struct accel_sync_opts {
	bool dry_run;           /* read, plan, write nothing */
	bool create_root;       /* create the root provider when Nova has not */
	const char *state_file; /* the sync cache; NULL for none */
	/* Called with each write, made or (dry run) planned, e.g.
	 * "PUT /resource_providers/<uuid>/inventories {...}". */
	void (*on_write)(const char *line, void *arg);
	void *arg;
	/* When set and it becomes non-zero (a signal handler's flag), retries
	 * stop waiting, a request in flight is aborted (at once when the
	 * signal interrupts it, else within a second) and the sync returns
	 * -ECANCELED. */
	const volatile int *cancel;
} accel_sync_opts;

typedef struct accel_sync_stats {
	unsigned requests;  /* HTTP requests to Placement */
	unsigned reads, writes;
	unsigned retries;   /* after 5xx, timeouts, refused connections */
	unsigned conflicts; /* 409 generation conflicts re-read and re-applied */
	unsigned created;   /* providers created */
	unsigned updated;   /* inventory or trait writes to existing providers */
	unsigned deleted;   /* providers of vanished devices deleted */
	unsigned reserved;  /* vanished but allocated: reserved in full */
	unsigned device_errors; /* devices not reported as they are (name clash,
				 * refused write, class change held back) */
	unsigned keystone_requests;
	/* What did not stop the sync: the state file unreadable (started
	 * afresh) or unwritable, path the state file; each device not
	 * reported as it is, path its provider. The sync fills stats from
	 * zero (an uninitialised struct is fine); free the warnings with
	 * accel_sync_stats_release. */
	accel_warnings warnings;
} accel_sync_stats;

/* Free what a sync left in stats (its warnings). Accepts NULL. */
ACCEL_EXPORT void accel_sync_stats_release(accel_sync_stats *stats);

/* A client for cfg's [placement]: nothing is sent until the first sync.
 * cfg must outlive the client. */
ACCEL_EXPORT int accel_placement_new(accel_placement **out, const accel_config *cfg,
				     accel_err *err);
ACCEL_EXPORT void accel_placement_free(accel_placement *pl);

/*
 * Make Placement's tree for cfg's host match inv. Returns 0 when in sync;
 * -EAGAIN when the root provider does not exist yet (Nova has not created
 * it, and opts->create_root is false); -EEXIST when some device could not
 * be reported as it is (a provider of that name belongs to someone else,
 * Placement refused a write for that provider, or its resource class
 * change waits for its allocations to go: the others are in sync, and
 * *err names each provider); another negative errno on failure. *err says why, naming
 * the request and Placement's or Keystone's error text. Transient failures
 * (5xx, timeouts, refused connections) are retried with backoff first.
 * -EKEYREJECTED when Keystone refused the credentials (401, 403): this
 * client then asks Keystone again only after auth_retry_interval seconds,
 * failing every sync before that at once with the same error. -ECANCELED
 * when opts->cancel became non-zero: backoff waits and the request in
 * flight are cut short, and the state file is left as it was.
 */
ACCEL_EXPORT int accel_placement_sync(accel_placement *pl, const accel_inventory *inv,
				      const accel_sync_opts *opts, accel_sync_stats *stats,
				      accel_err *err);

/* The UUID accelsched gives a provider of this name (uuid5). */
ACCEL_EXPORT void accel_provider_uuid(const char *name, char out[37]);

#ifdef __cplusplus
}
#endif
#endif
