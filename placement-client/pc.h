/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the Placement client, shared by placement-client/ only.
 *
 *   http.c     libcurl, one keep-alive handle per client, bounded bodies
 *   keystone.c Keystone v3 tokens and the service catalog
 *   pjson.c    the wire format: Placement's and Keystone's JSON, parsed
 *              strictly (fuzzed), and the request bodies sent them
 *   tree.c     the desired tree from an inventory (pure)
 *   plan.c     the difference between desired and actual (pure)
 *   state.c    the sync cache file (fuzzed)
 *   sync.c     reads, plans and writes with retries and conflict handling
 *   uuid.c     uuid5 names
 */
#ifndef ACCEL_PC_H
#define ACCEL_PC_H

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/placement.h>
#include <stdint.h>

#define PC_UUID_LEN 37
#define PC_MAX_BODY (16u << 20)     /* one response */
#define PC_MAX_PROVIDERS 4096       /* in one tree */
#define PC_MIN_MICROVERSION 26      /* 1.26: reserved may equal total */
#define PC_WANT_MICROVERSION 36     /* the newest we need and have tested */

/* Lists read from Placement or the state file (traits, names) have no
 * count limit of their own: the response (PC_MAX_BODY) and state file
 * size caps bound them. */
static inline int pc_strv_add(char ***v, size_t *n, const char *s)
{
	return accel_strv_add_max(v, n, s, SIZE_MAX);
}

/* ---- http.c ---- */
struct pc_http;
struct pc_resp {
	long status;         /* 0 when no answer came */
	char *body;          /* NUL-terminated, NULL if empty */
	size_t len;
	char *subject_token; /* X-Subject-Token (Keystone) */
};
int pc_http_new(struct pc_http **out, const accel_placement_conf *conf);
void pc_http_free(struct pc_http *h);
/* One request. Returns 0 when an HTTP answer came (any status), else a
 * negative errno (-ECONNREFUSED, -ETIMEDOUT, -ECONNRESET, -E2BIG for a
 * body over PC_MAX_BODY, -ECANCELED, -EPROTO) with *err naming method and
 * URL.
 * While *cancel (NULL: never) is non-zero the request is not sent, or in
 * flight is aborted within a second (at once when a signal interrupts
 * libcurl's wait): -ECANCELED.
 * `headers` is NULL-terminated "Name: value" lines. */
int pc_http_do(struct pc_http *h, const volatile int *cancel, const char *method,
	       const char *url, const char *const *headers, const char *body, struct pc_resp *out,
	       accel_err *err);
void pc_resp_free(struct pc_resp *r);
/* The header callback's work, for fuzz/fuzz_http_header.c: one header line
 * of `len` bytes as libcurl passes it (not NUL-terminated, CRLF included).
 * An X-Subject-Token line replaces *token (the old one wiped and freed)
 * with its value, or with NULL when the value is not a token (visible
 * ASCII only). Returns len, or 0 when out of memory (aborting the
 * transfer). */
size_t pc_http_on_header(const char *line, size_t len, char **token);
/* Text from outside (an error body) made safe to log: printable ASCII kept,
 * every other byte and the backslash written as \xNN; at most cap - 1
 * characters and a NUL (cap > 0), cut at a whole character. */
void pc_printable(const char *in, size_t len, char *out, size_t cap);

/* ---- keystone.c ---- */
struct pc_auth {
	char *token;      /* X-Auth-Token, NULL for auth_type none */
	double expires;   /* CLOCK_REALTIME seconds, 0 unknown */
	double issued;    /* when we got it */
	char *placement;  /* Placement's base URL, no trailing slash */
};
/* Authenticate with conf and find Placement in the catalog (or take
 * endpoint_override). *err names Keystone's URL and its answer; credentials
 * Keystone refuses (401, 403) are -EKEYREJECTED. `cancel` as for
 * pc_http_do; *requests counts the requests sent. */
int pc_keystone_auth(struct pc_http *h, const volatile int *cancel,
		     const accel_placement_conf *conf, struct pc_auth *out, unsigned *requests,
		     accel_err *err);
void pc_auth_clear(struct pc_auth *a);

/* ---- pjson.c: the wire format, parsed strictly and written ---- */
struct pc_inv {
	char rc[256];
	int64_t total, reserved, min_unit, max_unit, step_size;
	double allocation_ratio;
};

struct pc_provider {
	char uuid[PC_UUID_LEN];
	char *name;
	char parent[PC_UUID_LEN]; /* "" for a root */
	char root[PC_UUID_LEN];   /* its tree's root, "" unknown */
	int64_t generation;       /* -1 unknown */
	/* content, when known */
	bool inv_known;
	struct pc_inv *inv;
	size_t n_inv;
	bool traits_known;
	char **traits;
	size_t n_traits;
	bool owned;               /* carries CUSTOM_OWNER_ACCELSCHED */
	bool allocs_known;
	int64_t n_allocations;    /* consumers with allocations on it */
	/* actual side: traits outside CUSTOM_ACCEL_ that accelsched wrote
	 * here (from the sync state); only these may be removed */
	char **written;
	size_t n_written;
	/* desired side: which inventory device it stands for */
	const accel_device *dev;
	/* desired side: another service (Nova) reports the device under this
	 * name in another case: nothing written for it (pc_plan) */
	bool yielded;
};

struct pc_tree {
	struct pc_provider *p;
	size_t n, cap;
	/* desired side: who owns the device providers ([placement]
	 * placement_owner); under nova the tree is empty and what accelsched
	 * wrote before goes */
	accel_placement_owner owner;
};

void pc_provider_clear(struct pc_provider *p);
void pc_tree_clear(struct pc_tree *t);
/* Adding may move the array: pointers into a tree are taken after the
 * last add, or room is made first with pc_tree_reserve. */
struct pc_provider *pc_tree_add(struct pc_tree *t);
int pc_tree_reserve(struct pc_tree *t, size_t n);
struct pc_provider *pc_tree_find_uuid(const struct pc_tree *t, const char *uuid);
struct pc_provider *pc_tree_find_name(const struct pc_tree *t, const char *name);
bool pc_has_trait(const struct pc_provider *p, const char *t);

/* GET / : the newest microversion ("1.39" -> 39); -EPROTO if not 1.x. */
int pc_parse_root(const char *body, size_t len, int *max_minor, accel_err *err);
/* GET /resource_providers[?...]: {"resource_providers": [...]}. */
int pc_parse_providers(const char *body, size_t len, struct pc_tree *out, accel_err *err);
/* One provider object (GET /resource_providers/{uuid}, POST answers). */
int pc_parse_provider(const char *body, size_t len, struct pc_provider *out, accel_err *err);
/* GET .../inventories: generation and inventories. */
int pc_parse_inventories(const char *body, size_t len, struct pc_provider *p, accel_err *err);
/* GET .../traits: generation and traits. */
int pc_parse_traits(const char *body, size_t len, struct pc_provider *p, accel_err *err);
/* GET .../allocations: generation and the number of consumers. */
int pc_parse_allocations(const char *body, size_t len, struct pc_provider *p, accel_err *err);
/* GET /traits?name=in:... or /resource_classes: the names listed. */
int pc_parse_names(const char *body, size_t len, const char *key, const char *field,
		   char ***names, size_t *n, accel_err *err);
/* An error body {"errors": [{"title", "detail", "code"}]}: writes the
 * detail (or title) and code; returns 0 if it was one. */
int pc_parse_error(const char *body, size_t len, char *detail, size_t dcap, char *code,
		   size_t ccap);
/* Keystone's token answer: expiry and Placement's URL in the catalog. */
int pc_parse_token(const char *body, size_t len, const char *interface, const char *region,
		   double *expires, char **placement_url, accel_err *err);
/* "2026-11-26T10:00:00.000000Z" -> seconds since the epoch. */
int pc_parse_time(const char *s, double *out);

/* Request bodies (compact JSON) that the caller frees; NULL when out of
 * memory. */
/* POST /resource_providers: a root when uuid is NULL (name only), else a
 * child of parent with that uuid. */
char *pc_body_provider(const char *name, const char *uuid, const char *parent);
/* PUT .../inventories: p's inventories at that provider generation. */
char *pc_body_inventories(const struct pc_provider *p, int64_t generation);
/* PUT .../traits. */
char *pc_body_traits(char *const *traits, size_t n, int64_t generation);
/* POST Keystone's /v3/auth/tokens for conf's auth_type (secrets inside:
 * the caller wipes it). */
char *pc_body_auth(const accel_placement_conf *conf);
struct json_object;
/* {"RC": {"total": ..., ...}, ...}: Placement's inventories object, also
 * kept in the state file as it is (read back by pc_parse_inventories);
 * NULL when out of memory. */
struct json_object *pc_inv_json(const struct pc_provider *p);

/* ---- tree.c ---- */
/* The tree accelsched wants under root `root_uuid` for `host`. */
int pc_desired_tree(const accel_inventory *inv, const char *host, const char *root_uuid,
		    accel_trait_scheme scheme, struct pc_tree *out, accel_err *err);
/* True for traits in accelsched's own namespace (CUSTOM_ACCEL_*, the
 * owner trait): removed from our providers when not wanted. */
bool pc_trait_managed(const char *t);
/* pc_trait_managed, or a name accelsched wrote on `actual` (its written
 * list). Any other trait found on our providers is an operator's: kept. */
bool pc_trait_ours(const struct pc_provider *actual, const char *t);
bool pc_rc_custom(const char *rc);

/* ---- plan.c ---- */
enum pc_op_kind {
	PC_OP_CREATE,      /* POST /resource_providers */
	PC_OP_INVENTORIES, /* PUT .../inventories */
	PC_OP_TRAITS,      /* PUT .../traits */
	PC_OP_DELETE,      /* DELETE /resource_providers/{uuid} */
};

struct pc_op {
	enum pc_op_kind kind;
	struct pc_provider *want;   /* in the desired tree (create, set) */
	struct pc_provider *actual; /* in the actual tree (set, delete) */
};

struct pc_plan {
	struct pc_op *ops;
	size_t n;
	/* providers to read before planning again (content unknown) */
	char (*reads)[PC_UUID_LEN];
	size_t n_reads;
	/* vanished providers whose allocations must be read */
	char (*alloc_reads)[PC_UUID_LEN];
	size_t n_alloc_reads;
	/* devices that cannot be reported as they are: a clash with another
	 * owner, or a resource class change held back by allocations */
	char **clashes;
	size_t n_clashes;
};

/* Ours: it carries the owner trait, or has the UUID derived from its name. */
bool pc_provider_ours(const struct pc_provider *a);
/* Plan: desired vs actual (the latter's content from reads or the cache).
 * A wanted device whose name another owner's provider under the same
 * parent has in another case ("<host>_<ADDRESS>", as Nova names them) is
 * theirs: no provider made beside it, ours of that name goes as if the
 * device had vanished, and a clash says so. Under want->owner nova (an
 * empty want), each of ours kept for its allocations is a clash too.
 * Vanished providers still allocated get, in `want_extra`, a copy with
 * their inventory reserved in full and CUSTOM_ACCEL_UNAVAILABLE. */
int pc_plan(struct pc_tree *want, struct pc_tree *actual, const char *host,
	    struct pc_tree *want_extra, struct pc_plan *out, accel_err *err);
void pc_plan_clear(struct pc_plan *p);
/* The traits to PUT: ours, and the unmanaged ones the provider has. */
int pc_merge_traits(const struct pc_provider *want, const struct pc_provider *actual,
		    char ***out, size_t *n);
bool pc_inv_equal(const struct pc_provider *a, const struct pc_provider *b);
bool pc_traits_equal(char *const *a, size_t na, char *const *b, size_t nb);

/* ---- state.c ---- */
/* The traits outside CUSTOM_ACCEL_ that accelsched wrote on a provider
 * (os-traits names, the Cyborg or Nova PCI scheme's names). */
struct pc_written {
	char uuid[PC_UUID_LEN];
	char **traits;
	size_t n;
};

struct pc_state {
	char *placement_url;
	int microversion;        /* 0 unknown */
	char root_uuid[PC_UUID_LEN];
	char *root_name;
	struct pc_tree cache;    /* providers as we last saw them, with content */
	char **known_traits;     /* custom traits known to exist */
	size_t n_known_traits;
	char **known_rcs;        /* custom resource classes known to exist */
	size_t n_known_rcs;
	/* per provider, the names it wrote: not a cache, the only record of
	 * which traits outside its namespace are its own */
	struct pc_written *written;
	size_t n_written;
};
struct pc_written *pc_written_find(const struct pc_state *st, const char *uuid);
/* Replace (or add) uuid's entry with a copy of traits. */
int pc_written_set(struct pc_state *st, const char *uuid, char *const *traits, size_t n);
void pc_written_drop(struct pc_state *st, const char *uuid);
/* A missing file is an empty state; a malformed one is an error (the
 * caller logs it and goes on without the cache). */
int pc_state_load(const char *path, struct pc_state *st, accel_err *err);
int pc_state_parse(const char *text, size_t len, struct pc_state *st, accel_err *err);
/* Written to "<path>.tmp" (created exclusively, never through a symlink:
 * a leftover is removed first), fsync'ed, renamed into place, and the
 * directory fsync'ed. */
int pc_state_save(const char *path, const struct pc_state *st, accel_err *err);
char *pc_state_dump(const struct pc_state *st);
void pc_state_clear(struct pc_state *st);

/* ---- uuid.c ---- */
void pc_uuid5(const char *name, char out[PC_UUID_LEN]);
bool pc_uuid_valid(const char *s);

#endif
