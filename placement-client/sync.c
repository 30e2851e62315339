/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sync: list the tree (one read), fill in what the cache does not know
 * (reads), plan, write the difference, and start over on a generation
 * conflict. Transient failures (refused connections, timeouts, 5xx,
 * malformed answers) are retried with exponential backoff and full jitter;
 * an expired or revoked token is renewed once on a 401.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/placement.h>
#include <accel/util.h>
#include "pc.h"

#define SYNC_MAX_ROUNDS 10   /* re-plans after conflicts */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 5000

struct accel_placement {
	const accel_config *cfg;
	struct pc_http *http;
	struct pc_auth auth;
	unsigned seed;
	/* Keystone refused the credentials (401/403) at this CLOCK_MONOTONIC
	 * time (0: not): no new attempt for auth_retry_interval, so that a
	 * wrong password cannot lock the account */
	double auth_refused_at;
	char auth_refused[sizeof(((accel_err *)0)->msg)];
};

/* One sync's own state, made by accel_placement_sync and handed down to
 * every step: nothing of it is left on the client between syncs. */
struct sync {
	accel_placement *pl;
	const accel_sync_opts *opts; /* never NULL */
	accel_sync_stats *stats;     /* never NULL */
	struct pc_state *state;      /* the cache, loaded before and saved after */
};

int accel_placement_new(accel_placement **out, const accel_config *cfg, accel_err *err)
{
	accel_placement *pl;
	int r;

	r = accel_config_check_placement(cfg, err);
	if (r)
		return r;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return accel_err_set(err, -ENOMEM, "out of memory");
	pl->cfg = cfg;
	r = pc_http_new(&pl->http, &cfg->placement);
	if (r) {
		free(pl);
		return accel_err_set(err, r, "HTTP client: %s", accel_strerror(r));
	}
	pl->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)pl;
	*out = pl;
	return 0;
}

void accel_placement_free(accel_placement *pl)
{
	if (!pl)
		return;
	pc_auth_clear(&pl->auth);
	pc_http_free(pl->http);
	free(pl);
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool cancelled(const struct sync *s)
{
	return s->opts->cancel && *s->opts->cancel;
}

/* Sleep for backoff attempt n (0-based): full jitter below min(cap,
 * base * 2^n), in slices so that a cancel is seen. */
static int backoff(struct sync *s, int n)
{
	long cap = BACKOFF_BASE_MS << (n < 10 ? n : 10), ms;

	if (cap > BACKOFF_CAP_MS)
		cap = BACKOFF_CAP_MS;
	ms = cap / 2 + (long)(rand_r(&s->pl->seed) % (unsigned)(cap / 2 + 1));
	while (ms > 0) {
		struct timespec ts = { 0, (ms > 100 ? 100 : ms) * 1000000L };

		if (cancelled(s))
			return -ECANCELED;
		/* a signal cuts the slice short (EINTR): the check comes at once */
		nanosleep(&ts, NULL);
		ms -= 100;
	}
	return cancelled(s) ? -ECANCELED : 0;
}

/* A token (and Placement's URL) that is good for a while yet. Keystone
 * unreachable or failing is retried like Placement; credentials it refuses
 * are not asked again for auth_retry_interval: -EKEYREJECTED at once. */
static int ensure_auth(struct sync *s, bool force, accel_err *err)
{
	accel_placement *pl = s->pl;
	int hold = pl->cfg->placement.auth_retry_interval;
	double left;
	unsigned kr = 0;
	int r;

	if (!force && pl->auth.placement) {
		double life = pl->auth.expires - pl->auth.issued, margin;

		if (pl->cfg->placement.auth_type == ACCEL_AUTH_NONE)
			return 0; /* nothing to renew */
		/* renew a minute before expiry, or at 90% of a shorter life */
		margin = life > 0 && life * 0.1 < 60 ? life * 0.1 : 60;
		left = pl->auth.expires - now_real();
		if (pl->auth.expires <= 0 || left > margin)
			return 0;
	}
	if (pl->auth_refused_at && now_mono() - pl->auth_refused_at < hold)
		return accel_err_set(err, -EKEYREJECTED,
				     "%s; credentials refused: Keystone is not asked again "
				     "for %.0f s (auth_retry_interval)",
				     pl->auth_refused,
				     hold - (now_mono() - pl->auth_refused_at) + 0.5);
	pl->auth_refused_at = 0;
	pc_auth_clear(&pl->auth);
	for (int attempt = 0;; attempt++) {
		if (cancelled(s))
			return accel_err_set(err, -ECANCELED, "cancelled");
		r = pc_keystone_auth(pl->http, s->opts->cancel, &pl->cfg->placement, &pl->auth,
				     &kr, err);
		s->stats->keystone_requests += kr;
		kr = 0;
		if (r == -EKEYREJECTED) {
			/* wrong credentials: asking again soon cannot help, and
			 * where Keystone locks accounts out it would lock ours */
			pl->auth_refused_at = now_mono();
			snprintf(pl->auth_refused, sizeof(pl->auth_refused), "%s",
				 err ? err->msg : "Keystone refused the credentials");
			return accel_err_set(err, -EKEYREJECTED,
					     "%s; credentials refused: Keystone is not asked again "
					     "for %d s (auth_retry_interval)",
					     pl->auth_refused, hold);
		}
		/* Keystone down or failing: the same backoff as Placement */
		if (r == 0 || attempt >= pl->cfg->placement.max_retries ||
		    (r != -ECONNREFUSED && r != -ETIMEDOUT && r != -ECONNRESET && r != -EAGAIN &&
		     r != -EPROTO && r != -EHOSTUNREACH))
			return r;
		s->stats->retries++;
		if (backoff(s, attempt))
			return accel_err_set(err, -ECANCELED, "cancelled");
	}
}

static bool transient(int r)
{
	return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -ECONNRESET || r == -EHOSTUNREACH ||
	       r == -EPROTO;
}

/*
 * One Placement request with retries. `ok` is the success status (0: any
 * 2xx). On a non-success answer that is not retried, *err carries
 * Placement's error text and *code its error code; returns -EPROTO for
 * 4xx (-ENOENT for 404, -EBUSY for 409), -EAGAIN after exhausted 5xx.
 * `parse` (optional) checks the body; a malformed body is retried too.
 */
typedef int (*parse_fn)(const char *body, size_t len, void *arg, accel_err *err);

/* request()'s work; *url is the last URL built, which the caller frees. */
static int request_url(struct sync *s, const char *method, const char *path,
		       const char *body, parse_fn parse, void *parse_arg, char *code, size_t ccap,
		       char **url, accel_err *err)
{
	accel_placement *pl = s->pl;
	bool reauthed = false, write = strcmp(method, "GET") != 0;
	char ver[64], *auth = NULL;
	struct pc_resp resp;
	int r = 0;

	if (code)
		code[0] = '\0';
	for (int attempt = 0;; attempt++) {
		const char *headers[6];
		size_t nh = 0;

		if (cancelled(s))
			return accel_err_set(err, -ECANCELED, "cancelled");
		r = ensure_auth(s, false, err);
		if (r)
			return r;
		/* the base URL is the operator's or the catalog's: no fixed
		 * buffer to cut it (or the path) short */
		free(*url);
		if (asprintf(url, "%s%s", pl->auth.placement, path) < 0) {
			*url = NULL;
			return accel_err_set(err, -ENOMEM, "out of memory");
		}
		snprintf(ver, sizeof(ver), "OpenStack-API-Version: placement 1.%d",
			 s->state->microversion ? s->state->microversion : PC_MIN_MICROVERSION);
		headers[nh++] = "Accept: application/json";
		headers[nh++] = "Content-Type: application/json";
		headers[nh++] = ver;
		if (pl->auth.token) {
			size_t n = strlen(pl->auth.token) + sizeof("X-Auth-Token: ");

			auth = malloc(n);
			if (!auth)
				return accel_err_set(err, -ENOMEM, "out of memory");
			snprintf(auth, n, "X-Auth-Token: %s", pl->auth.token);
			headers[nh++] = auth;
		}
		headers[nh] = NULL;
		r = pc_http_do(pl->http, s->opts->cancel, method, *url, headers, body, &resp, err);
		if (auth) {
			explicit_bzero(auth, strlen(auth));
			free(auth);
			auth = NULL;
		}
		s->stats->requests++;
		if (write)
			s->stats->writes++;
		else
			s->stats->reads++;
		if (r == 0 && resp.status == 401 && pl->auth.token && !reauthed &&
		    pl->cfg->placement.auth_type != ACCEL_AUTH_NONE) {
			/* expired or revoked: one new token, then the same request */
			pc_resp_free(&resp);
			reauthed = true;
			r = ensure_auth(s, true, err);
			if (r)
				return r;
			attempt--;
			continue;
		}
		if (r == 0 && resp.status >= 200 && resp.status < 300) {
			if (!parse || (r = parse(resp.body, resp.len, parse_arg, err)) == 0) {
				pc_resp_free(&resp);
				return 0;
			}
			/* a garbled answer: try again, as for a 5xx */
			pc_resp_free(&resp);
			r = -EBADMSG;
		} else if (r == 0) {
			char detail[600], c[128] = "";
			long st = resp.status;

			/* Placement's text (pc_parse_error makes it printable)
			 * or, not JSON, up to 200 bytes of the body, which is
			 * logged: its control characters (a terminal's escapes,
			 * a forged log line) are escaped */
			if (pc_parse_error(resp.body, resp.len, detail, sizeof(detail), c, sizeof(c))) {
				if (resp.body)
					pc_printable(resp.body, resp.len < 200 ? resp.len : 200,
						     detail, sizeof(detail));
				else
					snprintf(detail, sizeof(detail), "no error text");
			}
			pc_resp_free(&resp);
			if (code)
				snprintf(code, ccap, "%s", c);
			if (st < 500 && st != 429) {
				accel_err_set(err,
					      st == 404	  ? -ENOENT
					      : st == 409 ? -EBUSY
					      : st == 401 || st == 403 ? -EACCES
									: -EPROTO,
					      "Placement: %s %s: HTTP %ld: %s", method, path, st,
					      detail);
				return err ? err->code : -EPROTO;
			}
			r = -EAGAIN;
			accel_err_set(err, r, "Placement: %s %s: HTTP %ld: %s", method, path, st,
				      detail);
		} else if (!transient(r)) {
			return r;
		}
		if (attempt >= pl->cfg->placement.max_retries)
			return r;
		s->stats->retries++;
		if (backoff(s, attempt))
			return accel_err_set(err, -ECANCELED, "cancelled");
	}
}

static int request(struct sync *s, const char *method, const char *path, const char *body,
		   parse_fn parse, void *parse_arg, char *code, size_t ccap, accel_err *err)
{
	char *url = NULL;
	int r = request_url(s, method, path, body, parse, parse_arg, code, ccap, &url, err);

	free(url);
	return r;
}

/* ---- parsers as request() callbacks ---- */

static int p_root(const char *b, size_t n, void *arg, accel_err *err)
{
	return pc_parse_root(b, n, arg, err);
}

static int p_providers(const char *b, size_t n, void *arg, accel_err *err)
{
	struct pc_tree *t = arg;

	pc_tree_clear(t);
	return pc_parse_providers(b, n, t, err);
}

static int p_provider(const char *b, size_t n, void *arg, accel_err *err)
{
	struct pc_provider *p = arg;

	free(p->name);
	p->name = NULL;
	return pc_parse_provider(b, n, p, err);
}

static int p_inv(const char *b, size_t n, void *arg, accel_err *err)
{
	return pc_parse_inventories(b, n, arg, err);
}

static int p_traits(const char *b, size_t n, void *arg, accel_err *err)
{
	return pc_parse_traits(b, n, arg, err);
}

static int p_allocs(const char *b, size_t n, void *arg, accel_err *err)
{
	return pc_parse_allocations(b, n, arg, err);
}

struct names_arg {
	const char *key, *field;
	char **v;
	size_t n;
};

static int p_names(const char *b, size_t n, void *arg, accel_err *err)
{
	struct names_arg *a = arg;

	accel_strv_free(a->v, a->n);
	a->v = NULL;
	a->n = 0;
	return pc_parse_names(b, n, a->key, a->field, &a->v, &a->n, err);
}

/* ---- the steps ---- */

/* The microversion every request sends: the state's, else negotiated now
 * (GET / needs none: it goes with the minimum). */
static int negotiate(struct sync *s, accel_err *err)
{
	int max = 0, r;

	if (s->state->microversion)
		return 0;
	r = request(s, "GET", "/", NULL, p_root, &max, NULL, 0, err);
	if (r)
		return r;
	if (max < PC_MIN_MICROVERSION)
		return accel_err_set(err, -ENOTSUP,
				     "Placement at %s offers microversions up to 1.%d; accelsched "
				     "needs 1.%d (reserved equal to total)",
				     s->pl->auth.placement, max, PC_MIN_MICROVERSION);
	s->state->microversion = max < PC_WANT_MICROVERSION ? max : PC_WANT_MICROVERSION;
	return 0;
}

static void urlencode(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void emit(const struct sync *s, const char *method, const char *path, const char *body)
{
	char line[8192];

	if (!s->opts->on_write)
		return;
	snprintf(line, sizeof(line), "%s %s%s%s", method, path, body ? " " : "",
		 body ? body : "");
	s->opts->on_write(line, s->opts->arg);
}

static int find_root(struct sync *s, accel_err *err)
{
	struct pc_state *st = s->state;
	const char *host = s->pl->cfg->host;
	struct pc_tree t = { 0 };
	char path[600], enc[512];
	int r;

	urlencode(host, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/resource_providers?name=%s", enc);
	r = request(s, "GET", path, NULL, p_providers, &t, NULL, 0, err);
	if (r)
		return r;
	if (t.n == 1) {
		memcpy(st->root_uuid, t.p[0].uuid, PC_UUID_LEN);
		pc_tree_clear(&t);
		return accel_device_set(&st->root_name, host);
	}
	pc_tree_clear(&t);
	if (!s->opts->create_root)
		return accel_err_set(err, -EAGAIN,
				     "Placement has no resource provider named '%s' (the compute "
				     "node's, which nova-compute creates; is [DEFAULT] host right?)",
				     host);
	{
		struct pc_provider p = { .generation = -1 };
		char *body = pc_body_provider(host, NULL, NULL);

		if (!body)
			return accel_err_set(err, -ENOMEM, "out of memory");
		emit(s, "POST", "/resource_providers", body);
		if (s->opts->dry_run) {
			free(body);
			return accel_err_set(err, -EAGAIN,
					     "dry run: the root provider '%s' would be created", host);
		}
		r = request(s, "POST", "/resource_providers", body, p_provider, &p, NULL, 0, err);
		free(body);
		if (r == 0) {
			memcpy(st->root_uuid, p.uuid, PC_UUID_LEN);
			r = accel_device_set(&st->root_name, host);
		}
		pc_provider_clear(&p);
		s->stats->created += r == 0;
		return r;
	}
}

/* Copy cached content into the listing where the generation still holds. */
static void use_cache(struct pc_tree *actual, const struct pc_tree *cache)
{
	for (size_t i = 0; i < actual->n; i++) {
		struct pc_provider *a = &actual->p[i];
		const struct pc_provider *c = pc_tree_find_uuid(cache, a->uuid);

		if (!c || c->generation != a->generation || !c->traits_known)
			continue;
		a->traits_known = true;
		a->owned = c->owned;
		for (size_t k = 0; k < c->n_traits; k++)
			pc_strv_add(&a->traits, &a->n_traits, c->traits[k]);
		if (c->inv_known && c->n_inv) {
			a->inv = malloc(c->n_inv * sizeof(*a->inv));
			if (a->inv) {
				memcpy(a->inv, c->inv, c->n_inv * sizeof(*a->inv));
				a->n_inv = c->n_inv;
				a->inv_known = true;
			}
		} else if (c->inv_known) {
			a->inv_known = true;
		}
		/* allocations are never taken from the cache: Placement does
		 * not bump a provider's generation when they change */
	}
}

static int read_content(struct sync *s, struct pc_provider *a, bool allocs, accel_err *err)
{
	char path[200];
	int r;

	if (allocs) {
		snprintf(path, sizeof(path), "/resource_providers/%s/allocations", a->uuid);
		return request(s, "GET", path, NULL, p_allocs, a, NULL, 0, err);
	}
	snprintf(path, sizeof(path), "/resource_providers/%s/traits", a->uuid);
	r = request(s, "GET", path, NULL, p_traits, a, NULL, 0, err);
	if (r)
		return r;
	if (!pc_provider_ours(a))
		return 0; /* another owner's: its inventory is not our business */
	snprintf(path, sizeof(path), "/resource_providers/%s/inventories", a->uuid);
	return request(s, "GET", path, NULL, p_inv, a, NULL, 0, err);
}

static bool known(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* GET /traits?name=in:... with at most this many bytes of names: a URL
 * stays well below every server's and our own limit. */
#define TRAITS_QUERY_MAX 2048

/* Custom traits and resource classes must exist before they are used.
 * Placement is asked about the names needed, never for all of them (a
 * cloud may have thousands): one read per batch of traits and one PUT
 * each for the missing; one PUT per resource class, which creates it or
 * finds it there (a dry run reads it instead). */
static int ensure_custom(struct sync *s, const struct pc_plan *plan, accel_err *err)
{
	struct pc_state *st = s->state;
	char **traits = NULL, **rcs = NULL;
	size_t nt = 0, nr = 0;
	int r = 0;

	for (size_t i = 0; i < plan->n && !r; i++) {
		const struct pc_provider *w = plan->ops[i].want;

		if (!w)
			continue;
		if (plan->ops[i].kind == PC_OP_TRAITS)
			for (size_t k = 0; k < w->n_traits && !r; k++)
				if (!strncmp(w->traits[k], "CUSTOM_", 7) &&
				    !known(st->known_traits, st->n_known_traits, w->traits[k]) &&
				    !known(traits, nt, w->traits[k]))
					r = pc_strv_add(&traits, &nt, w->traits[k]);
		if (plan->ops[i].kind == PC_OP_INVENTORIES)
			for (size_t k = 0; k < w->n_inv && !r; k++)
				if (pc_rc_custom(w->inv[k].rc) &&
				    !known(st->known_rcs, st->n_known_rcs, w->inv[k].rc) &&
				    !known(rcs, nr, w->inv[k].rc))
					r = pc_strv_add(&rcs, &nr, w->inv[k].rc);
	}
	if (r) {
		accel_err_set(err, r, "out of memory");
		goto out;
	}
	for (size_t first = 0; first < nt && !r;) {
		struct names_arg have = { "traits", NULL, NULL, 0 };
		char path[TRAITS_QUERY_MAX + 3 * 256 + 64], enc[3 * 256 + 1];
		size_t o = (size_t)snprintf(path, sizeof(path), "/traits?name=in:"), last;

		/* a batch: as many names as fit (at least one) */
		for (last = first; last < nt; last++) {
			urlencode(traits[last], enc, sizeof(enc));
			if (last > first && o + strlen(enc) + 1 > TRAITS_QUERY_MAX)
				break;
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%s%s",
					      last > first ? "," : "", enc);
		}
		r = request(s, "GET", path, NULL, p_names, &have, NULL, 0, err);
		for (size_t i = first; !r && i < last; i++) {
			if (!known(have.v, have.n, traits[i])) {
				urlencode(traits[i], enc, sizeof(enc));
				snprintf(path, sizeof(path), "/traits/%s", enc);
				emit(s, "PUT", path, NULL);
				if (!s->opts->dry_run)
					r = request(s, "PUT", path, NULL, NULL, NULL, NULL, 0, err);
			}
			if (!r && !s->opts->dry_run)
				r = pc_strv_add(&st->known_traits, &st->n_known_traits, traits[i]);
		}
		accel_strv_free(have.v, have.n);
		first = last;
	}
	for (size_t i = 0; !r && i < nr; i++) {
		char path[3 * 256 + 64], enc[3 * 256 + 1];

		urlencode(rcs[i], enc, sizeof(enc));
		snprintf(path, sizeof(path), "/resource_classes/%s", enc);
		if (s->opts->dry_run) {
			/* is it there? a PUT would be the write to report */
			r = request(s, "GET", path, NULL, NULL, NULL, NULL, 0, err);
			if (r == -ENOENT) {
				accel_err_clear(err);
				emit(s, "PUT", path, NULL);
				r = 0;
			}
			continue;
		}
		/* PUT makes it or finds it there (1.7+: 201 or 204): one
		 * request, the first time only (then known) */
		emit(s, "PUT", path, NULL);
		r = request(s, "PUT", path, NULL, NULL, NULL, NULL, 0, err);
		if (!r && !s->opts->dry_run)
			r = pc_strv_add(&st->known_rcs, &st->n_known_rcs, rcs[i]);
	}
out:
	accel_strv_free(traits, nt);
	accel_strv_free(rcs, nr);
	return r;
}

enum outcome {
	DONE,     /* written (or nothing to write) */
	CONFLICT, /* a generation conflict: the whole tree is read again */
	REPLAN,   /* this provider changed under us: the rest of the plan is
		   * written, then the tree is read again */
};

/* The names outside CUSTOM_ACCEL_ that accelsched will have written on `a`
 * once `t` (the merged list) is PUT for `w`: the wanted ones it wrote
 * before or that were not there; one an operator had set before it was
 * wanted stays the operator's. */
static int written_after(const struct pc_provider *w, const struct pc_provider *a, char *const *t,
			 size_t nt, char ***out, size_t *n)
{
	int r = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < nt && !r; i++) {
		if (pc_trait_managed(t[i]) || !pc_has_trait(w, t[i]))
			continue;
		if (a && pc_has_trait(a, t[i]) && !pc_trait_ours(a, t[i]))
			continue;
		r = pc_strv_add(out, n, t[i]);
	}
	if (r) {
		accel_strv_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* POST refused, the name (or the UUID derived from it) taken: by another
 * agent of this host, just now (read the tree again), or by a provider
 * outside this host's tree, which is named. */
static int name_taken(struct sync *s, const struct pc_provider *w, enum outcome *oc,
		      accel_err *err)
{
	struct pc_tree t = { 0 };
	struct pc_provider p = { .generation = -1 };
	char path[700], enc[3 * 200 + 1];
	int r;

	urlencode(w->name, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/resource_providers?name=%s", enc);
	r = request(s, "GET", path, NULL, p_providers, &t, NULL, 0, err);
	if (r)
		goto out;
	if (t.n == 1 && !strcmp(t.p[0].parent, w->parent)) {
		*oc = REPLAN; /* ours to see in the next listing */
	} else if (t.n == 1) {
		const struct pc_provider *f = &t.p[0];

		r = accel_err_set(err, -EEXIST,
				  "%s: cannot create its provider: Placement already has a "
				  "provider of this name outside this host's tree: %s (%s%s, root "
				  "%s); left alone (rename or delete that provider)",
				  w->name, f->uuid, f->parent[0] ? "parent " : "a root provider",
				  f->parent, f->root[0] ? f->root : f->uuid);
	} else {
		/* not the name: the UUID */
		snprintf(path, sizeof(path), "/resource_providers/%s", w->uuid);
		r = request(s, "GET", path, NULL, p_provider, &p, NULL, 0, err);
		if (r == -ENOENT) {
			accel_err_clear(err);
			*oc = REPLAN; /* gone since */
			r = 0;
		} else if (r == 0) {
			r = accel_err_set(err, -EEXIST,
					  "%s: cannot create its provider: provider %s named '%s' "
					  "(%s%s, root %s) already has the UUID accelsched derives "
					  "from this name; left alone",
					  w->name, p.uuid, p.name, p.parent[0] ? "parent " : "a root provider",
					  p.parent, p.root[0] ? p.root : p.uuid);
		}
	}
out:
	pc_tree_clear(&t);
	pc_provider_clear(&p);
	return r;
}

/* A refused write: its message gets Placement's error code. */
static int refused(int r, const char *code, accel_err *err)
{
	char msg[sizeof(err->msg)];

	if (!err || !code[0])
		return r;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return accel_err_set(err, r, "%s (%s)", msg, code);
}

/* Apply one op. A refusal that concerns this provider only is returned
 * (-EPROTO, -EBUSY, -EEXIST) for the caller to set aside; *oc says when
 * Placement's tree must be read again. */
static int apply(struct sync *s, struct pc_tree *actual, struct pc_op *op, enum outcome *oc,
		 accel_err *err)
{
	struct pc_state *st = s->state;
	struct pc_provider *w = op->want, *a = op->actual;
	char path[200], code[128], *body = NULL;
	int r;

	*oc = DONE;
	if (!a && w && op->kind != PC_OP_CREATE)
		a = pc_tree_find_uuid(actual, w->uuid); /* created earlier in this plan */
	switch (op->kind) {
	case PC_OP_CREATE: {
		struct pc_provider *n;

		body = pc_body_provider(w->name, w->uuid, w->parent);
		if (!body)
			return accel_err_set(err, -ENOMEM, "out of memory");
		emit(s, "POST", "/resource_providers", body);
		if (s->opts->dry_run)
			break;
		/* room was made before planning: the tree must not move */
		n = actual->n < actual->cap ? pc_tree_add(actual) : NULL;
		if (!n) {
			free(body);
			return accel_err_set(err, -E2BIG, "too many providers");
		}
		r = request(s, "POST", "/resource_providers", body, p_provider, n, code,
			    sizeof(code), err);
		free(body);
		if (r) {
			actual->n--; /* not created */
			pc_provider_clear(&actual->p[actual->n]);
			if (r == -EBUSY && (!strcmp(code, "placement.duplicate_name") ||
					    strstr(err->msg, "already exists"))) {
				accel_err_clear(err);
				return name_taken(s, w, oc, err);
			}
			/* another agent made it first: list again and see */
			if (r == -EBUSY) {
				*oc = REPLAN;
				return 0;
			}
			return refused(r, code, err);
		}
		n->traits_known = n->inv_known = true; /* empty, as created */
		n->owned = false;
		n->allocs_known = true;
		n->n_allocations = 0;
		s->stats->created++;
		return 0;
	}
	case PC_OP_INVENTORIES:
		body = pc_body_inventories(w, a ? a->generation : 0);
		if (!body)
			return accel_err_set(err, -ENOMEM, "out of memory");
		snprintf(path, sizeof(path), "/resource_providers/%s/inventories", w->uuid);
		emit(s, "PUT", path, body);
		if (s->opts->dry_run || !a)
			break;
		r = request(s, "PUT", path, body, p_inv, a, code, sizeof(code), err);
		free(body);
		if (r == -EBUSY && !strcmp(code, "placement.concurrent_update")) {
			*oc = CONFLICT;
			return 0;
		}
		if ((r == -EBUSY && !strcmp(code, "placement.inventory.inuse")) || r == -ENOENT) {
			/* allocated (or deleted) since we looked: the next
			 * round reads its allocations and keeps the inventory */
			accel_err_clear(err);
			*oc = REPLAN;
			return 0;
		}
		if (r == 0 && op->actual) {
			if (w->dev)
				s->stats->updated++;
			else
				s->stats->reserved++; /* vanished, still allocated */
		}
		return r ? refused(r, code, err) : 0;
	case PC_OP_TRAITS: {
		char **t = NULL, **wr = NULL;
		size_t nt = 0, nw = 0;

		r = pc_merge_traits(w, op->actual, &t, &nt);
		if (!r)
			r = written_after(w, a, t, nt, &wr, &nw);
		if (r) {
			accel_strv_free(t, nt);
			return accel_err_set(err, r, "out of memory");
		}
		body = pc_body_traits(t, nt, a ? a->generation : 0);
		accel_strv_free(t, nt);
		if (!body) {
			accel_strv_free(wr, nw);
			return accel_err_set(err, -ENOMEM, "out of memory");
		}
		snprintf(path, sizeof(path), "/resource_providers/%s/traits", w->uuid);
		emit(s, "PUT", path, body);
		if (s->opts->dry_run || !a) {
			accel_strv_free(wr, nw);
			break;
		}
		r = request(s, "PUT", path, body, p_traits, a, code, sizeof(code), err);
		free(body);
		if (r == 0)
			r = pc_written_set(st, w->uuid, wr, nw);
		accel_strv_free(wr, nw);
		if (r == -EBUSY && !strcmp(code, "placement.concurrent_update")) {
			*oc = CONFLICT;
			return 0;
		}
		if (r == -ENOENT) {
			accel_err_clear(err);
			*oc = REPLAN;
			return 0;
		}
		if (r == -ENOMEM)
			return accel_err_set(err, r, "out of memory");
		if (r == 0 && op->actual && w->dev)
			s->stats->updated++;
		return r ? refused(r, code, err) : 0;
	}
	case PC_OP_DELETE:
		snprintf(path, sizeof(path), "/resource_providers/%s", a->uuid);
		emit(s, "DELETE", path, NULL);
		if (s->opts->dry_run)
			return 0;
		r = request(s, "DELETE", path, NULL, NULL, NULL, code, sizeof(code), err);
		if (r == -EBUSY || r == -ENOENT) {
			/* allocated since we looked, or gone already: look again */
			a->allocs_known = false;
			accel_err_clear(err);
			*oc = r == -EBUSY ? CONFLICT : DONE;
			if (r == -ENOENT)
				pc_written_drop(st, a->uuid);
			return 0;
		}
		if (r == 0) {
			s->stats->deleted++;
			a->generation = -1; /* gone: not cached */
			a->traits_known = false;
			pc_written_drop(st, a->uuid);
		}
		return r ? refused(r, code, err) : 0;
	}
	free(body); /* a dry run's, or one for a provider not yet made */
	return 0;
}

/* After a conflict the provider's content is re-read next round. */
static void forget(struct pc_tree *actual)
{
	for (size_t i = 0; i < actual->n; i++)
		actual->p[i].generation = -2; /* matches no cache entry */
}

/* What it wrote on each listed provider, from the state; entries of
 * providers no longer in the tree are dropped. */
static int use_written(struct pc_state *st, struct pc_tree *actual)
{
	int r = 0;

	for (size_t i = 0; i < st->n_written;) {
		if (pc_tree_find_uuid(actual, st->written[i].uuid))
			i++;
		else
			pc_written_drop(st, st->written[i].uuid);
	}
	for (size_t i = 0; i < actual->n && !r; i++) {
		struct pc_provider *a = &actual->p[i];
		const struct pc_written *w = pc_written_find(st, a->uuid);

		for (size_t k = 0; w && k < w->n && !r; k++)
			r = pc_strv_add(&a->written, &a->n_written, w->traits[k]);
	}
	return r;
}

/* A provider of ours with no record (a state from before records were
 * kept, or lost): the wanted names it already has are taken as ours. */
static int seed_written(struct pc_state *st, const struct pc_tree *want, struct pc_tree *actual)
{
	int r = 0;

	for (size_t i = 0; i < want->n && !r; i++) {
		const struct pc_provider *w = &want->p[i];
		struct pc_provider *a = pc_tree_find_name(actual, w->name);
		char **v = NULL;
		size_t n = 0;

		if (!a || !a->traits_known || strcmp(a->parent, w->parent) ||
		    pc_written_find(st, a->uuid))
			continue;
		if (!pc_provider_ours(a))
			continue; /* another owner's */
		for (size_t k = 0; k < w->n_traits && !r; k++)
			if (!pc_trait_managed(w->traits[k]) && pc_has_trait(a, w->traits[k]))
				r = pc_strv_add(&v, &n, w->traits[k]);
		if (!r)
			r = pc_written_set(st, a->uuid, v, n);
		if (r) {
			accel_strv_free(v, n);
			break;
		}
		accel_strv_free(a->written, a->n_written);
		a->written = v;
		a->n_written = n;
	}
	return r;
}

/* A device's error as a warning: "<provider>: <what>" (the form every
 * clash and refusal message has) split into path and message. */
static void device_warning(struct sync *s, const char *m)
{
	const char *sep = strstr(m, ": ");
	char path[512];

	if (!sep || (size_t)(sep - m) >= sizeof(path)) {
		(void)accel_warnings_add(&s->stats->warnings, "", "%s", m);
		return;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(sep - m), m);
	/* past ACCEL_MAX_LIST (or out of memory) the count still says it */
	(void)accel_warnings_add(&s->stats->warnings, path, "%s", sep + 2);
}

/* The state file could not be read or written: a warning with the file as
 * its path (the message without the path when it starts with it). */
static void state_warning(struct sync *s, const char *msg)
{
	const char *f = s->opts->state_file;
	size_t n = strlen(f);

	if (!strncmp(msg, f, n) && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	(void)accel_warnings_add(&s->stats->warnings, f, "%s", msg);
}

void accel_sync_stats_release(accel_sync_stats *stats)
{
	if (stats)
		accel_warnings_free(&stats->warnings);
}

static int sync_round(struct sync *s, const accel_inventory *inv, bool *again, accel_err *err)
{
	const accel_config *cfg = s->pl->cfg;
	struct pc_state *st = s->state;
	struct pc_tree actual = { 0 }, want = { 0 }, extra = { 0 };
	struct pc_plan plan = { 0 };
	char path[200], **skip = NULL, **refusals = NULL;
	size_t n_skip = 0, n_refusals = 0;
	bool replan = false;
	int r;

	*again = false;
	snprintf(path, sizeof(path), "/resource_providers?in_tree=%s", st->root_uuid);
	r = request(s, "GET", path, NULL, p_providers, &actual, NULL, 0, err);
	if (r)
		goto out;
	/* the root may have been deleted and made again under a new UUID */
	if (!pc_tree_find_uuid(&actual, st->root_uuid) ||
	    strcmp(pc_tree_find_uuid(&actual, st->root_uuid)->name, cfg->host)) {
		st->root_uuid[0] = '\0';
		*again = true;
		goto out;
	}
	use_cache(&actual, &st->cache);
	r = use_written(st, &actual);
	if (r) {
		accel_err_set(err, r, "out of memory");
		goto out;
	}
	/* placement_owner = nova: nova-compute writes the device providers;
	 * ours go (an allocated one stays, reserved, until it is free) */
	want.owner = cfg->placement.placement_owner;
	if (want.owner != ACCEL_OWNER_NOVA)
		r = pc_desired_tree(inv, cfg->host, st->root_uuid, cfg->placement.trait_scheme,
				    &want, err);
	if (r)
		goto out;
	/* The plan points into `actual`, and creating providers adds to it:
	 * room for all of them first, so that it never moves. */
	r = pc_tree_reserve(&actual, actual.n + want.n + 1);
	if (r) {
		accel_err_set(err, r, "too many providers");
		goto out;
	}
	for (int reads = 0;; reads++) {
		pc_tree_clear(&extra);
		pc_plan_clear(&plan);
		r = pc_plan(&want, &actual, cfg->host, &extra, &plan, err);
		if (r)
			goto out;
		if (!plan.n_reads && !plan.n_alloc_reads)
			break;
		if (reads > 2) {
			r = accel_err_set(err, -EPROTO, "providers keep changing while read");
			goto out;
		}
		for (size_t i = 0; i < plan.n_reads && !r; i++)
			r = read_content(s, pc_tree_find_uuid(&actual, plan.reads[i]), false, err);
		for (size_t i = 0; i < plan.n_alloc_reads && !r; i++)
			r = read_content(s, pc_tree_find_uuid(&actual, plan.alloc_reads[i]), true,
					 err);
		if (r)
			goto out;
	}
	s->stats->device_errors = (unsigned)plan.n_clashes;
	if (!s->opts->dry_run)
		r = seed_written(st, &want, &actual);
	if (r) {
		accel_err_set(err, r, "out of memory");
		goto out;
	}
	r = ensure_custom(s, &plan, err);
	if (r)
		goto out;
	/* Each provider's writes stand alone: one refused (this provider's
	 * only) is set aside with its message, the rest of the plan goes on. */
	for (size_t i = 0; i < plan.n && !r; i++) {
		struct pc_op *op = &plan.ops[i];
		const struct pc_provider *p = op->want ? op->want : op->actual;
		enum outcome oc;

		if (known(skip, n_skip, p->uuid))
			continue;
		r = apply(s, &actual, op, &oc, err);
		if (!r && oc == CONFLICT) {
			s->stats->conflicts++;
			forget(&actual);
			*again = true;
			break;
		}
		if (!r && oc == REPLAN) {
			s->stats->conflicts++;
			replan = true;
			r = pc_strv_add(&skip, &n_skip, p->uuid);
		} else if (r == -EPROTO || r == -EBUSY || r == -EEXIST) {
			char msg[sizeof(err->msg) + 300];

			if (r == -EEXIST) /* it names the provider */
				snprintf(msg, sizeof(msg), "%s", err->msg);
			else
				snprintf(msg, sizeof(msg), "%s (%s): %s", p->name, p->uuid, err->msg);
			accel_err_clear(err);
			r = pc_strv_add(&refusals, &n_refusals, msg);
			if (!r)
				r = pc_strv_add(&skip, &n_skip, p->uuid);
		}
	}
	if (r)
		goto out;
	if (replan && !*again) {
		forget(&actual);
		*again = true;
		goto out;
	}
	if (plan.n_clashes || n_refusals) {
		char msg[sizeof(err->msg)];
		size_t o = 0;

		/* err says as many as fit; stats->warnings holds each one */
		for (size_t i = 0; i < plan.n_clashes + n_refusals; i++) {
			const char *m = i < plan.n_clashes ? plan.clashes[i]
							   : refusals[i - plan.n_clashes];

			if (o < sizeof(msg) - 1)
				o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s%s",
						      i ? "; " : "", m);
			device_warning(s, m);
		}
		s->stats->device_errors += (unsigned)n_refusals;
		r = accel_err_set(err, -EEXIST, "%s", msg);
	}
out:
	/* what we now know of Placement's tree is the next sync's cache */
	if (!s->opts->dry_run && (r == 0 || *again)) {
		pc_tree_clear(&st->cache);
		st->cache = actual;
		memset(&actual, 0, sizeof(actual));
	}
	pc_plan_clear(&plan);
	pc_tree_clear(&actual);
	pc_tree_clear(&want);
	pc_tree_clear(&extra);
	accel_strv_free(skip, n_skip);
	accel_strv_free(refusals, n_refusals);
	return r;
}

int accel_placement_sync(accel_placement *pl, const accel_inventory *inv,
			 const accel_sync_opts *opts, accel_sync_stats *stats, accel_err *err)
{
	static const accel_sync_opts none = { 0 };
	accel_sync_stats local;
	struct pc_state st = { 0 };
	struct sync s = {
		.pl = pl,
		.opts = opts ? opts : &none,
		.stats = stats ? stats : &local,
		.state = &st,
	};
	accel_err lerr;
	int r;

	if (!err)
		err = &lerr;
	accel_err_clear(err);
	memset(s.stats, 0, sizeof(*s.stats));
	if (s.opts->state_file && pc_state_load(s.opts->state_file, &st, err)) {
		state_warning(&s, err->msg);
		accel_err_clear(err);
		memset(&st, 0, sizeof(st));
	}
	r = ensure_auth(&s, false, err);
	if (r)
		goto out;
	/* a cache from another Placement is no cache */
	if (st.placement_url && strcmp(st.placement_url, pl->auth.placement)) {
		pc_state_clear(&st);
		memset(&st, 0, sizeof(st));
	}
	if (!st.placement_url)
		st.placement_url = strdup(pl->auth.placement);
	r = negotiate(&s, err);
	if (r)
		goto out;
	for (int round = 0;; round++) {
		bool again = false;

		if (round >= SYNC_MAX_ROUNDS) {
			r = accel_err_set(err, -EBUSY,
					  "providers changed under us %d times in a row; giving up "
					  "this sync",
					  SYNC_MAX_ROUNDS);
			break;
		}
		if (!st.root_uuid[0] || !st.root_name || strcmp(st.root_name, pl->cfg->host)) {
			r = find_root(&s, err);
			if (r)
				break;
		}
		r = sync_round(&s, inv, &again, err);
		if (r || !again)
			break;
	}
out:
	if (s.opts->state_file && !s.opts->dry_run && st.placement_url &&
	    (r == 0 || r == -EEXIST)) {
		accel_err serr;

		if (pc_state_save(s.opts->state_file, &st, &serr))
			state_warning(&s, serr.msg);
	}
	pc_state_clear(&st);
	if (s.stats == &local)
		accel_sync_stats_release(&local);
	return r;
}
