/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire format, both ways. Placement's and Keystone's answers, parsed
 * strictly: a field of the wrong type, a UUID that is not one, a name that
 * is not printable is an error naming the field, never a half-read tree.
 * The request bodies accelsched sends them, made beside the parsers of the
 * same objects (an inventory's fields, a provider's, traits).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/internal/json.h>
#include <accel/util.h>
#include "pc.h"

#define BAD(err, ...) accel_err_set(err, -EBADMSG, __VA_ARGS__)

void pc_provider_clear(struct pc_provider *p)
{
	free(p->name);
	free(p->inv);
	accel_strv_free(p->traits, p->n_traits);
	accel_strv_free(p->written, p->n_written);
	memset(p, 0, sizeof(*p));
	p->generation = -1;
}

void pc_tree_clear(struct pc_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		pc_provider_clear(&t->p[i]);
	free(t->p);
	t->p = NULL;
	t->n = t->cap = 0;
}

int pc_tree_reserve(struct pc_tree *t, size_t n)
{
	struct pc_provider *p;

	if (n <= t->cap)
		return 0;
	if (n > PC_MAX_PROVIDERS)
		return -E2BIG;
	p = realloc(t->p, n * sizeof(*t->p));
	if (!p)
		return -ENOMEM;
	t->p = p;
	t->cap = n;
	return 0;
}

struct pc_provider *pc_tree_add(struct pc_tree *t)
{
	struct pc_provider *p;

	if (t->n >= PC_MAX_PROVIDERS)
		return NULL;
	if (t->n == t->cap && pc_tree_reserve(t, t->cap ? t->cap * 2 : 16))
		return NULL;
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->generation = -1;
	p->n_allocations = -1;
	return p;
}

struct pc_provider *pc_tree_find_uuid(const struct pc_tree *t, const char *uuid)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->p[i].uuid, uuid))
			return &t->p[i];
	return NULL;
}

struct pc_provider *pc_tree_find_name(const struct pc_tree *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].name && !strcmp(t->p[i].name, name))
			return &t->p[i];
	return NULL;
}

bool pc_has_trait(const struct pc_provider *p, const char *t)
{
	for (size_t i = 0; i < p->n_traits; i++)
		if (!strcmp(p->traits[i], t))
			return true;
	return false;
}

static int parse(const char *body, size_t len, const char *what, json_object **out,
		 accel_err *err)
{
	int r = accel_json_parse(body, len, PC_MAX_BODY, what, out, err);

	if (r == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		return BAD(err, "%s: expected a JSON object", what);
	}
	return r;
}

static int get_generation(json_object *o, const char *key, int64_t *out)
{
	json_object *v = accel_json_get(o, key, json_type_int);
	int64_t g;

	if (!v)
		return -EBADMSG;
	g = json_object_get_int64(v);
	if (g < 0)
		return -EBADMSG;
	*out = g;
	return 0;
}

int pc_parse_root(const char *body, size_t len, int *max_minor, accel_err *err)
{
	json_object *root, *vs;
	int best = -1, r;

	r = parse(body, len, "GET /", &root, err);
	if (r)
		return r;
	vs = accel_json_get(root, "versions", json_type_array);
	for (size_t i = 0; vs && i < json_object_array_length(vs); i++) {
		const char *max = accel_json_str(json_object_array_get_idx(vs, i), "max_version", 16);
		unsigned maj, min;
		int n = 0;

		if (max && sscanf(max, "%u.%u%n", &maj, &min, &n) == 2 && !max[n] && maj == 1 &&
		    min < 1000 && (int)min > best)
			best = (int)min;
	}
	json_object_put(root);
	if (best < 0)
		return accel_err_set(err, -EPROTO,
				     "GET /: no 1.x max_version: not a Placement service?");
	*max_minor = best;
	return 0;
}

static int provider_from(json_object *o, struct pc_provider *p, const char *where,
			 accel_err *err)
{
	const char *uuid = accel_json_str(o, "uuid", 36);
	const char *name = accel_json_str(o, "name", 200);
	json_object *parent = NULL;

	if (!uuid || !pc_uuid_valid(uuid))
		return BAD(err, "%s.uuid: missing or not a UUID", where);
	if (!name)
		return BAD(err, "%s.name: missing or not printable text", where);
	if (get_generation(o, "generation", &p->generation))
		return BAD(err, "%s.generation: missing or not a count", where);
	if (json_object_object_get_ex(o, "parent_provider_uuid", &parent) && parent) {
		const char *pu = accel_json_str(o, "parent_provider_uuid", 36);

		if (!pu || !pc_uuid_valid(pu))
			return BAD(err, "%s.parent_provider_uuid: not a UUID", where);
		memcpy(p->parent, pu, PC_UUID_LEN);
	} else {
		p->parent[0] = '\0';
	}
	/* 1.14 and later; only for messages */
	{
		const char *ru = accel_json_str(o, "root_provider_uuid", 36);

		snprintf(p->root, sizeof(p->root), "%s", ru && pc_uuid_valid(ru) ? ru : "");
	}
	memcpy(p->uuid, uuid, PC_UUID_LEN);
	p->name = strdup(name);
	return p->name ? 0 : accel_err_set(err, -ENOMEM, "out of memory");
}

int pc_parse_providers(const char *body, size_t len, struct pc_tree *out, accel_err *err)
{
	const char *what = "GET /resource_providers";
	json_object *root, *arr;
	int r;

	r = parse(body, len, what, &root, err);
	if (r)
		return r;
	arr = accel_json_get(root, "resource_providers", json_type_array);
	if (!arr) {
		json_object_put(root);
		return BAD(err, "%s: resource_providers: missing or not a list", what);
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct pc_provider *p = pc_tree_add(out);
		char where[96];

		snprintf(where, sizeof(where), "%s: resource_providers[%zu]", what, i);
		if (!p) {
			r = accel_err_set(err, -E2BIG, "%s: more than %d providers", what,
					  PC_MAX_PROVIDERS);
			break;
		}
		if (!json_object_is_type(o, json_type_object)) {
			r = BAD(err, "%s: expected an object", where);
			break;
		}
		r = provider_from(o, p, where, err);
		if (r)
			break;
		if (out->n > 1 && pc_tree_find_uuid(out, p->uuid) != p) {
			r = BAD(err, "%s: provider %s listed twice", what, p->uuid);
			break;
		}
	}
	json_object_put(root);
	if (r)
		pc_tree_clear(out);
	return r;
}

int pc_parse_provider(const char *body, size_t len, struct pc_provider *out, accel_err *err)
{
	json_object *root;
	int r = parse(body, len, "resource provider", &root, err);

	if (r)
		return r;
	r = provider_from(root, out, "resource provider", err);
	json_object_put(root);
	return r;
}

static int get_count(json_object *o, const char *key, int64_t min, int64_t dflt, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		*out = dflt;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return -EBADMSG;
	*out = json_object_get_int64(v);
	return *out < min ? -EBADMSG : 0;
}

int pc_parse_inventories(const char *body, size_t len, struct pc_provider *p, accel_err *err)
{
	const char *what = "inventories";
	json_object *root, *invs;
	size_t n = 0;
	int r;

	r = parse(body, len, what, &root, err);
	if (r)
		return r;
	invs = accel_json_get(root, "inventories", json_type_object);
	if (!invs || get_generation(root, "resource_provider_generation", &p->generation)) {
		json_object_put(root);
		return BAD(err, "%s: needs resource_provider_generation and inventories", what);
	}
	free(p->inv);
	p->inv = NULL;
	p->n_inv = 0;
	json_object_object_foreach(invs, rc, v)
	{
		struct pc_inv *x, *nv;
		json_object *ar;

		if (strlen(rc) >= sizeof(x->rc) || !accel_text_ok(rc, strlen(rc)) ||
		    !json_object_is_type(v, json_type_object)) {
			r = BAD(err, "%s: a resource class entry is malformed", what);
			break;
		}
		nv = realloc(p->inv, (n + 1) * sizeof(*p->inv));
		if (!nv) {
			r = accel_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		p->inv = nv;
		x = &p->inv[n];
		memset(x, 0, sizeof(*x));
		strcpy(x->rc, rc);
		if (get_count(v, "total", 1, -1, &x->total) || x->total < 1 ||
		    get_count(v, "reserved", 0, 0, &x->reserved) ||
		    get_count(v, "min_unit", 1, 1, &x->min_unit) ||
		    get_count(v, "max_unit", 1, x->total, &x->max_unit) ||
		    get_count(v, "step_size", 1, 1, &x->step_size)) {
			r = BAD(err, "%s.%s: total, reserved, min_unit, max_unit, step_size must be "
				     "counts",
				what, rc);
			break;
		}
		ar = NULL;
		x->allocation_ratio = 1.0;
		if (json_object_object_get_ex(v, "allocation_ratio", &ar) && ar) {
			if (!json_object_is_type(ar, json_type_double) &&
			    !json_object_is_type(ar, json_type_int)) {
				r = BAD(err, "%s.%s.allocation_ratio: not a number", what, rc);
				break;
			}
			x->allocation_ratio = json_object_get_double(ar);
			if (!isfinite(x->allocation_ratio) || x->allocation_ratio <= 0) {
				r = BAD(err, "%s.%s.allocation_ratio: not a positive number", what,
					rc);
				break;
			}
		}
		n++;
		p->n_inv = n;
	}
	json_object_put(root);
	if (r)
		return r;
	p->inv_known = true;
	return 0;
}

static int strv_from(json_object *arr, const char *what, size_t maxlen, char ***out, size_t *n,
		     accel_err *err)
{
	char **v = NULL;
	size_t k = 0;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *s;
		int r;

		if (!json_object_is_type(e, json_type_string) ||
		    (size_t)json_object_get_string_len(e) > maxlen) {
			accel_strv_free(v, k);
			return BAD(err, "%s[%zu]: not a name", what, i);
		}
		s = json_object_get_string(e);
		if (!accel_text_ok(s, strlen(s))) {
			accel_strv_free(v, k);
			return BAD(err, "%s[%zu]: not printable text", what, i);
		}
		r = pc_strv_add(&v, &k, s);
		if (r) {
			accel_strv_free(v, k);
			return accel_err_set(err, r, "%s: %s", what, accel_strerror(r));
		}
	}
	*out = v;
	*n = k;
	return 0;
}

int pc_parse_traits(const char *body, size_t len, struct pc_provider *p, accel_err *err)
{
	json_object *root, *arr;
	char **v = NULL;
	size_t n = 0;
	int r;

	r = parse(body, len, "traits", &root, err);
	if (r)
		return r;
	arr = accel_json_get(root, "traits", json_type_array);
	if (!arr || get_generation(root, "resource_provider_generation", &p->generation)) {
		json_object_put(root);
		return BAD(err, "traits: needs resource_provider_generation and traits");
	}
	r = strv_from(arr, "traits", 255, &v, &n, err);
	json_object_put(root);
	if (r)
		return r;
	accel_strv_free(p->traits, p->n_traits);
	p->traits = v;
	p->n_traits = n;
	p->traits_known = true;
	p->owned = pc_has_trait(p, ACCEL_OWNER_TRAIT);
	return 0;
}

int pc_parse_allocations(const char *body, size_t len, struct pc_provider *p, accel_err *err)
{
	json_object *root, *allocs;
	int r;

	r = parse(body, len, "allocations", &root, err);
	if (r)
		return r;
	allocs = accel_json_get(root, "allocations", json_type_object);
	if (!allocs || get_generation(root, "resource_provider_generation", &p->generation)) {
		json_object_put(root);
		return BAD(err, "allocations: needs resource_provider_generation and allocations");
	}
	p->n_allocations = json_object_object_length(allocs);
	p->allocs_known = true;
	json_object_put(root);
	return 0;
}

int pc_parse_names(const char *body, size_t len, const char *key, const char *field,
		   char ***names, size_t *n, accel_err *err)
{
	json_object *root, *arr;
	char **v = NULL;
	size_t k = 0;
	int r;

	r = parse(body, len, key, &root, err);
	if (r)
		return r;
	arr = accel_json_get(root, key, json_type_array);
	if (!arr) {
		json_object_put(root);
		return BAD(err, "%s: missing or not a list", key);
	}
	if (!field) {
		r = strv_from(arr, key, 255, &v, &k, err);
	} else {
		for (size_t i = 0; i < json_object_array_length(arr) && !r; i++) {
			const char *s = accel_json_str(json_object_array_get_idx(arr, i), field, 255);

			if (!s)
				r = BAD(err, "%s[%zu].%s: missing or not text", key, i, field);
			else if ((r = pc_strv_add(&v, &k, s)))
				accel_err_set(err, r, "%s: %s", key, accel_strerror(r));
		}
	}
	json_object_put(root);
	if (r) {
		accel_strv_free(v, k);
		return r;
	}
	*names = v;
	*n = k;
	return 0;
}

int pc_parse_error(const char *body, size_t len, char *detail, size_t dcap, char *code,
		   size_t ccap)
{
	json_object *root = NULL, *errs, *e;
	const char *c;

	detail[0] = code[0] = '\0';
	if (!body || accel_json_parse(body, len, 1u << 20, "error", &root, NULL))
		return -EBADMSG;
	errs = accel_json_get(root, "errors", json_type_array);
	e = errs && json_object_array_length(errs) ? json_object_array_get_idx(errs, 0) : NULL;
	/* Keystone's form: {"error": {"message", "code", "title"}} */
	if (!e)
		e = accel_json_get(root, "error", json_type_object);
	if (!e) {
		json_object_put(root);
		return -EBADMSG;
	}
	/* details carry newlines ("...\n\n ..."): those become spaces, other
	 * unprintable bytes '?' */
	{
		static const char *const keys[] = { "detail", "message", "title" };
		json_object *v = NULL;

		for (size_t i = 0; i < 3 && !v; i++)
			v = accel_json_get(e, keys[i], json_type_string);
		if (v) {
			char tmp[4096];
			size_t n = (size_t)json_object_get_string_len(v);

			if (n >= sizeof(tmp))
				n = sizeof(tmp) - 1;
			memcpy(tmp, json_object_get_string(v), n);
			tmp[n] = '\0';
			for (size_t i = 0; i < n; i++)
				if (tmp[i] == '\n' || tmp[i] == '\r' || tmp[i] == '\t')
					tmp[i] = ' ';
			accel_text_sanitize(tmp, strlen(tmp), detail, dcap);
		}
	}
	c = accel_json_str(e, "code", 256);
	snprintf(code, ccap, "%s", c ? c : "");
	json_object_put(root);
	return 0;
}

int pc_parse_time(const char *s, double *out)
{
	struct tm tm = { 0 };
	unsigned frac = 0;
	int n = 0, year, mon, day, h, m, sec;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &h, &m, &sec, &n) != 6)
		return -EINVAL;
	s += n;
	if (*s == '.') {
		int digits = 0;

		for (s++; *s >= '0' && *s <= '9'; s++)
			if (digits++ < 6)
				frac = frac * 10 + (unsigned)(*s - '0');
		while (digits++ < 6)
			frac *= 10;
	}
	if (strcmp(s, "Z") && strcmp(s, "+00:00") && strcmp(s, ""))
		return -EINVAL;
	if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 ||
	    m > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (double)t + frac / 1e6;
	return 0;
}

int pc_parse_token(const char *body, size_t len, const char *interface, const char *region,
		   double *expires, char **placement_url, accel_err *err)
{
	const char *what = "Keystone token";
	json_object *root, *tok, *cat;
	const char *exp;
	char *found = NULL;
	int r;

	r = parse(body, len, what, &root, err);
	if (r)
		return r;
	tok = accel_json_get(root, "token", json_type_object);
	exp = tok ? accel_json_str(tok, "expires_at", 64) : NULL;
	if (!exp || pc_parse_time(exp, expires)) {
		json_object_put(root);
		return BAD(err, "%s: token.expires_at: missing or not a time", what);
	}
	cat = accel_json_get(tok, "catalog", json_type_array);
	for (size_t i = 0; cat && i < json_object_array_length(cat) && !found; i++) {
		json_object *svc = json_object_array_get_idx(cat, i), *eps;
		const char *type = accel_json_str(svc, "type", 64);

		if (!type || strcmp(type, "placement"))
			continue;
		eps = accel_json_get(svc, "endpoints", json_type_array);
		for (size_t k = 0; eps && k < json_object_array_length(eps); k++) {
			json_object *ep = json_object_array_get_idx(eps, k);
			const char *iface = accel_json_str(ep, "interface", 32);
			const char *url = accel_json_str(ep, "url", 2048);
			const char *reg = accel_json_str(ep, "region_id", 256);

			if (!reg)
				reg = accel_json_str(ep, "region", 256);
			if (!iface || !url || strcmp(iface, interface))
				continue;
			if (region && (!reg || strcmp(reg, region)))
				continue;
			if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
				continue;
			found = strdup(url);
			break;
		}
	}
	json_object_put(root);
	if (placement_url) {
		if (!found && cat)
			return accel_err_set(err, -ENOENT,
					     "%s: no %s placement endpoint%s%s in the service catalog",
					     what, interface, region ? " in region " : "",
					     region ? region : "");
		*placement_url = found;
	} else {
		free(found);
	}
	return 0;
}

/* ---- request bodies ---- */

/* Give v (NULL: it could not be made) to o under k. */
static int put(json_object *o, const char *k, json_object *v)
{
	return v ? accel_json_add(o, k, v) : -ENOMEM;
}

/* o's text, o put: NULL when out of memory. */
static char *body_text(json_object *o)
{
	char *out = NULL;

	return accel_json_text(o, JSON_C_TO_STRING_PLAIN, &out) ? NULL : out;
}

static json_object *inv_one(const struct pc_inv *x)
{
	json_object *v = json_object_new_object();

	if (!v || put(v, "total", json_object_new_int64(x->total)) ||
	    put(v, "reserved", json_object_new_int64(x->reserved)) ||
	    put(v, "min_unit", json_object_new_int64(x->min_unit)) ||
	    put(v, "max_unit", json_object_new_int64(x->max_unit)) ||
	    put(v, "step_size", json_object_new_int64(x->step_size)) ||
	    put(v, "allocation_ratio", json_object_new_double(x->allocation_ratio))) {
		json_object_put(v);
		return NULL;
	}
	return v;
}

json_object *pc_inv_json(const struct pc_provider *p)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < p->n_inv; i++) {
		if (put(o, p->inv[i].rc, inv_one(&p->inv[i]))) {
			json_object_put(o);
			o = NULL;
		}
	}
	return o;
}

char *pc_body_provider(const char *name, const char *uuid, const char *parent)
{
	json_object *o = json_object_new_object();

	if (!o || put(o, "name", json_object_new_string(name)) ||
	    (uuid && (put(o, "uuid", json_object_new_string(uuid)) ||
		      put(o, "parent_provider_uuid", json_object_new_string(parent))))) {
		json_object_put(o);
		return NULL;
	}
	return body_text(o);
}

char *pc_body_inventories(const struct pc_provider *p, int64_t generation)
{
	json_object *o = json_object_new_object();

	if (!o || put(o, "resource_provider_generation", json_object_new_int64(generation)) ||
	    put(o, "inventories", pc_inv_json(p))) {
		json_object_put(o);
		return NULL;
	}
	return body_text(o);
}

char *pc_body_traits(char *const *traits, size_t n, int64_t generation)
{
	json_object *o = json_object_new_object(), *arr = NULL;

	if (!o || put(o, "resource_provider_generation", json_object_new_int64(generation)) ||
	    accel_json_strv(traits, n, &arr) || put(o, "traits", arr)) {
		json_object_put(o);
		return NULL;
	}
	return body_text(o);
}

/* A string member; s NULL is "". */
static int put_str(json_object *o, const char *k, const char *s)
{
	return put(o, k, json_object_new_string(s ? s : ""));
}

/* Keystone's {"id": id} or {"name": name[, "domain": {"id"|"name": ...}]};
 * NULL when out of memory. */
static json_object *named(const char *name, const char *id, const char *dom_name,
			  const char *dom_id)
{
	json_object *o = json_object_new_object(), *d;

	if (!o)
		return NULL;
	if (id) {
		if (put_str(o, "id", id))
			goto fail;
		return o;
	}
	if (put_str(o, "name", name))
		goto fail;
	if (dom_id || dom_name) {
		d = json_object_new_object();
		if (!d || (dom_id ? put_str(d, "id", dom_id) : put_str(d, "name", dom_name))) {
			json_object_put(d);
			goto fail;
		}
		if (put(o, "domain", d))
			goto fail;
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* The identity method of c's auth_type as ident's member, its name in
 * *method (NULL: none, ACCEL_AUTH_NONE); *scoped false when the method
 * carries its own scope. 0 or -ENOMEM. */
static int identity_method(json_object *ident, const accel_placement_conf *c,
			   const char **method, bool *scoped)
{
	json_object *m = NULL, *user;

	*method = NULL;
	*scoped = true;
	switch (c->auth_type) {
	case ACCEL_AUTH_PASSWORD:
		*method = "password";
		user = named(c->username, c->user_id, c->user_domain_name, c->user_domain_id);
		if (!user || put_str(user, "password", c->password) ||
		    !(m = json_object_new_object()) || put(m, "user", user)) {
			json_object_put(m ? NULL : user);
			json_object_put(m);
			return -ENOMEM;
		}
		break;
	case ACCEL_AUTH_APPCRED:
		/* an application credential carries its own scope */
		*method = "application_credential";
		*scoped = false;
		if (!(m = json_object_new_object()))
			return -ENOMEM;
		if ((c->application_credential_id
			     ? put_str(m, "id", c->application_credential_id)
			     : put_str(m, "name", c->application_credential_name) ||
				       put(m, "user",
					   named(c->username, c->user_id, c->user_domain_name,
						 c->user_domain_id))) ||
		    put_str(m, "secret", c->application_credential_secret)) {
			json_object_put(m);
			return -ENOMEM;
		}
		break;
	case ACCEL_AUTH_TOKEN:
		*method = "token";
		if (!(m = json_object_new_object()) || put_str(m, "id", c->token)) {
			json_object_put(m);
			return -ENOMEM;
		}
		break;
	case ACCEL_AUTH_NONE:
		return 0;
	}
	return put(ident, *method, m);
}

/* Keystone's POST /v3/auth/tokens body for c; NULL when out of memory. */
char *pc_body_auth(const accel_placement_conf *c)
{
	json_object *root = json_object_new_object(), *auth = NULL, *ident = NULL,
		    *methods = NULL, *scope = NULL;
	const char *method;
	bool scoped;
	char *out = NULL;
	const char *s;

	if (!root || put(root, "auth", auth = json_object_new_object()) ||
	    put(auth, "identity", ident = json_object_new_object()) ||
	    identity_method(ident, c, &method, &scoped) ||
	    !(methods = json_object_new_array()) ||
	    (method && accel_json_append(methods, json_object_new_string(method)))) {
		json_object_put(methods);
		goto out;
	}
	if (put(ident, "methods", methods))
		goto out;
	if (scoped && (c->project_id || c->project_name) &&
	    (put(auth, "scope", scope = json_object_new_object()) ||
	     put(scope, "project",
		 named(c->project_name, c->project_id, c->project_domain_name,
		       c->project_domain_id))))
		goto out;
	/* the text lives in json-c's buffer until root is freed: copy it,
	 * then wipe that buffer, which holds the secret */
	s = json_object_to_json_string_ext(root,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		out = strdup(s);
		explicit_bzero((char *)s, strlen(s));
	}
out:
	json_object_put(root);
	return out;
}
