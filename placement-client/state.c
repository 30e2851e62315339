/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sync cache: what Placement held when we last synced (each provider
 * with its generation and content), the negotiated microversion, and the
 * custom traits and resource classes known to exist. Only an optimisation:
 * a provider's cached content is used only while Placement reports the
 * generation it was cached at; a missing or broken file costs reads, never
 * correctness.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/internal/json.h>
#include <accel/util.h>
#include "pc.h"

#define STATE_VERSION 1
#define STATE_MAX_BYTES (32u << 20)

void pc_state_clear(struct pc_state *st)
{
	free(st->placement_url);
	free(st->root_name);
	pc_tree_clear(&st->cache);
	accel_strv_free(st->known_traits, st->n_known_traits);
	accel_strv_free(st->known_rcs, st->n_known_rcs);
	for (size_t i = 0; i < st->n_written; i++)
		accel_strv_free(st->written[i].traits, st->written[i].n);
	free(st->written);
	memset(st, 0, sizeof(*st));
}

struct pc_written *pc_written_find(const struct pc_state *st, const char *uuid)
{
	for (size_t i = 0; i < st->n_written; i++)
		if (!strcmp(st->written[i].uuid, uuid))
			return &st->written[i];
	return NULL;
}

void pc_written_drop(struct pc_state *st, const char *uuid)
{
	struct pc_written *w = pc_written_find(st, uuid);

	if (!w)
		return;
	accel_strv_free(w->traits, w->n);
	*w = st->written[--st->n_written];
}

int pc_written_set(struct pc_state *st, const char *uuid, char *const *traits, size_t n)
{
	struct pc_written *w = pc_written_find(st, uuid);
	char **v = NULL;
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++)
		r = pc_strv_add(&v, &k, traits[i]);
	if (r) {
		accel_strv_free(v, k);
		return r;
	}
	if (!w) {
		struct pc_written *nw = realloc(st->written, (st->n_written + 1) * sizeof(*nw));

		if (!nw) {
			accel_strv_free(v, k);
			return -ENOMEM;
		}
		st->written = nw;
		w = &st->written[st->n_written++];
		memset(w, 0, sizeof(*w));
		memcpy(w->uuid, uuid, PC_UUID_LEN);
	}
	accel_strv_free(w->traits, w->n);
	w->traits = v;
	w->n = k;
	return 0;
}

static json_object *strv_json(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

char *pc_state_dump(const struct pc_state *st)
{
	json_object *root = json_object_new_object(), *provs = json_object_new_array();
	char *out;

	json_object_object_add(root, "version", json_object_new_int(STATE_VERSION));
	if (st->placement_url)
		json_object_object_add(root, "placement_url",
				       json_object_new_string(st->placement_url));
	json_object_object_add(root, "microversion", json_object_new_int(st->microversion));
	if (st->root_uuid[0]) {
		json_object *r = json_object_new_object();

		json_object_object_add(r, "uuid", json_object_new_string(st->root_uuid));
		json_object_object_add(r, "name", json_object_new_string(st->root_name
										 ? st->root_name
										 : ""));
		json_object_object_add(root, "root", r);
	}
	json_object_object_add(root, "known_traits",
			       strv_json(st->known_traits, st->n_known_traits));
	json_object_object_add(root, "known_resource_classes",
			       strv_json(st->known_rcs, st->n_known_rcs));
	{
		json_object *w = json_object_new_object();

		for (size_t i = 0; i < st->n_written; i++)
			json_object_object_add(w, st->written[i].uuid,
					       strv_json(st->written[i].traits, st->written[i].n));
		json_object_object_add(root, "written_traits", w);
	}
	for (size_t i = 0; i < st->cache.n; i++) {
		const struct pc_provider *p = &st->cache.p[i];
		json_object *o;

		/* only what is fully known is worth keeping */
		if (p->generation < 0 || !p->traits_known)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "uuid", json_object_new_string(p->uuid));
		json_object_object_add(o, "name", json_object_new_string(p->name ? p->name : ""));
		json_object_object_add(o, "parent", json_object_new_string(p->parent));
		json_object_object_add(o, "generation", json_object_new_int64(p->generation));
		json_object_object_add(o, "traits", strv_json(p->traits, p->n_traits));
		if (p->inv_known)
			json_object_object_add(o, "inventories", pc_inv_json(p));
		if (p->allocs_known)
			json_object_object_add(o, "allocations",
					       json_object_new_int64(p->n_allocations));
		json_object_array_add(provs, o);
	}
	json_object_object_add(root, "providers", provs);
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return out;
}

static int load_names(json_object *root, const char *key, char ***v, size_t *n)
{
	json_object *a = accel_json_get(root, key, json_type_array);

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s;

		if (!json_object_is_type(e, json_type_string))
			return -EBADMSG;
		s = json_object_get_string(e);
		if (strlen(s) > 255 || !accel_text_ok(s, strlen(s)))
			return -EBADMSG;
		if (pc_strv_add(v, n, s))
			return -E2BIG;
	}
	return 0;
}

/* {"<uuid>": ["TRAIT", ...], ...} */
static int load_written(json_object *root, struct pc_state *st)
{
	json_object *w = accel_json_get(root, "written_traits", json_type_object);
	int r = 0;

	if (!w)
		return json_object_object_get_ex(root, "written_traits", NULL) ? -EBADMSG : 0;
	json_object_object_foreach(w, uuid, list)
	{
		char **v = NULL;
		size_t n = 0;

		if (!pc_uuid_valid(uuid) || pc_written_find(st, uuid) ||
		    !json_object_is_type(list, json_type_array))
			return -EBADMSG;
		r = load_names(w, uuid, &v, &n);
		if (!r)
			r = pc_written_set(st, uuid, v, n);
		accel_strv_free(v, n);
		if (r)
			return r == -E2BIG ? -EBADMSG : r;
	}
	return 0;
}

static int load_provider(json_object *o, struct pc_provider *p)
{
	const char *uuid = accel_json_str(o, "uuid", 36), *name = accel_json_str(o, "name", 200),
		   *parent = accel_json_str(o, "parent", 36);
	json_object *g = accel_json_get(o, "generation", json_type_int), *inv, *tr, *al;

	if (!uuid || !pc_uuid_valid(uuid) || !name || !parent ||
	    (*parent && !pc_uuid_valid(parent)) || !g || json_object_get_int64(g) < 0)
		return -EBADMSG;
	memcpy(p->uuid, uuid, PC_UUID_LEN);
	snprintf(p->parent, sizeof(p->parent), "%s", parent);
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	p->generation = json_object_get_int64(g);
	tr = accel_json_get(o, "traits", json_type_array);
	if (!tr)
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(tr); i++) {
		json_object *e = json_object_array_get_idx(tr, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e)
									 : NULL;

		if (!s || strlen(s) > 255 || !accel_text_ok(s, strlen(s)) ||
		    pc_strv_add(&p->traits, &p->n_traits, s))
			return -EBADMSG;
	}
	p->traits_known = true;
	p->owned = pc_has_trait(p, ACCEL_OWNER_TRAIT);
	inv = accel_json_get(o, "inventories", json_type_object);
	if (inv) {
		/* the same shape as Placement's answer */
		json_object *wrap = json_object_new_object();
		const char *text;
		accel_err e;
		int64_t gen = p->generation;
		int r;

		json_object_object_add(wrap, "resource_provider_generation",
				       json_object_new_int64(gen));
		json_object_object_add(wrap, "inventories", json_object_get(inv));
		text = json_object_to_json_string(wrap);
		r = pc_parse_inventories(text, strlen(text), p, &e);
		json_object_put(wrap);
		if (r)
			return r;
	}
	al = accel_json_get(o, "allocations", json_type_int);
	if (al && json_object_get_int64(al) >= 0) {
		p->n_allocations = json_object_get_int64(al);
		p->allocs_known = true;
	}
	return 0;
}

int pc_state_parse(const char *text, size_t len, struct pc_state *st, accel_err *err)
{
	json_object *root, *v, *provs;
	int r;

	memset(st, 0, sizeof(*st));
	r = accel_json_parse(text, len, STATE_MAX_BYTES, "state file", &root, err);
	if (r)
		return r;
	v = accel_json_get(root, "version", json_type_int);
	if (!v || json_object_get_int(v) != STATE_VERSION) {
		json_object_put(root);
		return accel_err_set(err, -EBADMSG, "state file: not version %d", STATE_VERSION);
	}
	if (accel_json_str(root, "placement_url", 2048))
		st->placement_url = strdup(accel_json_str(root, "placement_url", 2048));
	v = accel_json_get(root, "microversion", json_type_int);
	if (v && json_object_get_int(v) >= PC_MIN_MICROVERSION &&
	    json_object_get_int(v) <= 1000)
		st->microversion = json_object_get_int(v);
	v = accel_json_get(root, "root", json_type_object);
	if (v) {
		const char *u = accel_json_str(v, "uuid", 36), *n = accel_json_str(v, "name", 255);

		if (u && pc_uuid_valid(u) && n) {
			memcpy(st->root_uuid, u, PC_UUID_LEN);
			st->root_name = strdup(n);
		}
	}
	r = load_names(root, "known_traits", &st->known_traits, &st->n_known_traits);
	if (!r)
		r = load_names(root, "known_resource_classes", &st->known_rcs, &st->n_known_rcs);
	if (!r)
		r = load_written(root, st);
	provs = accel_json_get(root, "providers", json_type_array);
	for (size_t i = 0; !r && provs && i < json_object_array_length(provs); i++) {
		json_object *o = json_object_array_get_idx(provs, i);
		struct pc_provider *p;

		if (!json_object_is_type(o, json_type_object)) {
			r = -EBADMSG;
			break;
		}
		p = pc_tree_add(&st->cache);
		if (!p) {
			r = -E2BIG;
			break;
		}
		r = load_provider(o, p);
		if (!r && pc_tree_find_uuid(&st->cache, p->uuid) != p)
			r = -EBADMSG; /* listed twice */
	}
	json_object_put(root);
	if (r) {
		pc_state_clear(st);
		return accel_err_set(err, r, "state file: malformed (%s)", accel_strerror(r));
	}
	return 0;
}

int pc_state_load(const char *path, struct pc_state *st, accel_err *err)
{
	char *text;
	size_t n;
	int r;

	memset(st, 0, sizeof(*st));
	r = accel_read_file(path, STATE_MAX_BYTES, &text, &n, NULL, err);
	if (r == -ENOENT) {
		/* no state yet: a first sync */
		accel_err_clear(err);
		return 0;
	}
	if (r)
		return r;
	r = pc_state_parse(text, n, st, err);
	free(text);
	if (r)
		accel_err_prefix(err, r, "%s", path);
	return r;
}

int pc_state_save(const char *path, const struct pc_state *st, accel_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *text = pc_state_dump(st);
	size_t len;
	int fd, r = 0;

	if (!text)
		return accel_err_set(err, -ENOMEM, "out of memory");
	len = strlen(text);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		free(text);
		return accel_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	}
	/* never through a link planted at tmp, never into a file someone
	 * else holds open: a leftover (a crash, or a link) goes first */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(text);
		return accel_err_set(err, r, "%s: %s", tmp, strerror(-r));
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		r = errno ? -errno : -EIO;
	if (close(fd) && !r)
		r = -errno;
	free(text);
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		unlink(tmp);
		return accel_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	/* the rename itself must survive a crash */
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(dir, sizeof(dir), "%s", path);
		return accel_err_set(err, r, "%s: fsync: %s", dirname(dir), strerror(-r));
	}
	close(fd);
	return 0;
}
