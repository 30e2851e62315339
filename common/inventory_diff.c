/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accel_inventory_diff: what changed between two inventories, the one
 * comparison behind acceld's "the inventory changed" and the lines of
 * `accelctl watch`. It compares the JSON forms member by member, so the
 * JSON writer's field list is the only one: a field added there is
 * compared here without a change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/inventory.h>
#include <accel/internal/json.h>

struct accel_inventory_changes {
	accel_inventory_change *v;
	size_t n, cap;
};

/* Members that say when, not what. */
static bool ignored(const char *key)
{
	return !strcmp(key, "generation") || !strcmp(key, "collected_at") ||
	       !strcmp(key, "devices");
}

/* A device's utilization moves every second: the metrics stream carries
 * it (acceld's [telemetry]); it is not a change of the device. */
static bool device_ignored(const char *key)
{
	return !strcmp(key, "utilization");
}

static int parse(const accel_inventory *inv, json_object **out)
{
	char *text = NULL;
	int r = accel_inventory_to_json(inv, 0, &text);

	if (r)
		return r;
	*out = json_tokener_parse(text);
	free(text);
	return *out ? 0 : -ENOMEM;
}

static int push(accel_inventory_changes *d, char op, const char *address, const accel_device *old,
		const accel_device *cur, accel_inventory_change **out)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		accel_inventory_change *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n] = (accel_inventory_change){.op = op, .address = address, .old = old, .cur = cur};
	if (out)
		*out = &d->v[d->n];
	d->n++;
	return 0;
}

/* The members of a and b (objects) that differ, into c->fields. */
static int members(json_object *a, json_object *b, accel_inventory_change *c,
		   bool (*skip)(const char *))
{
	int r;

	json_object_object_foreach(a, ka, va)
	{
		json_object *vb;

		if (skip && skip(ka))
			continue;
		if (!json_object_object_get_ex(b, ka, &vb) || !json_object_equal(va, vb)) {
			r = accel_strv_add_max(&c->fields, &c->n_fields, ka, SIZE_MAX);
			if (r)
				return r;
		}
	}
	json_object_object_foreach(b, kb, vb2)
	{
		(void)vb2;
		if ((skip && skip(kb)) || json_object_object_get_ex(a, kb, NULL))
			continue;
		r = accel_strv_add_max(&c->fields, &c->n_fields, kb, SIZE_MAX);
		if (r)
			return r;
	}
	return 0;
}

static bool same_device(const accel_device *a, const accel_device *b)
{
	return a->vendor_id == b->vendor_id && a->device_id == b->device_id;
}

static int compare(accel_inventory_changes *d, const accel_inventory *old, json_object *jo,
		   const accel_inventory *cur, json_object *jc)
{
	json_object *od = NULL, *cd = NULL;
	size_t n_old = old ? accel_inventory_n_devices(old) : 0;
	size_t n_cur = accel_inventory_n_devices(cur);
	int r;

	if (jo)
		json_object_object_get_ex(jo, "devices", &od);
	json_object_object_get_ex(jc, "devices", &cd);
	for (size_t i = 0; i < n_old; i++) {
		const accel_device *o = accel_inventory_device(old, i);
		const accel_device *c = accel_inventory_find(cur, o->address);

		if (!c || !same_device(o, c)) {
			r = push(d, '-', o->address, o, NULL, NULL);
			if (r)
				return r;
		}
	}
	for (size_t i = 0; i < n_cur; i++) {
		const accel_device *c = accel_inventory_device(cur, i);
		const accel_device *o = old ? accel_inventory_find(old, c->address) : NULL;
		accel_inventory_change *ch;
		size_t oi = 0;

		if (!o || !same_device(o, c)) {
			r = push(d, '+', c->address, NULL, c, NULL);
			if (r)
				return r;
			continue;
		}
		while (accel_inventory_device(old, oi) != o)
			oi++;
		r = push(d, '~', c->address, o, c, &ch);
		if (!r)
			r = members(json_object_array_get_idx(od, oi),
				    json_object_array_get_idx(cd, i), ch, device_ignored);
		if (r)
			return r;
		if (!ch->n_fields)
			d->n--; /* the same */
	}
	if (jo) {
		accel_inventory_change *ch;

		r = push(d, '~', NULL, NULL, NULL, &ch);
		if (!r)
			r = members(jo, jc, ch, ignored);
		if (r)
			return r;
		if (!ch->n_fields)
			d->n--;
	}
	return 0;
}

int accel_inventory_diff(const accel_inventory *old, const accel_inventory *cur,
			 accel_inventory_changes **out)
{
	accel_inventory_changes *d = calloc(1, sizeof(*d));
	json_object *jo = NULL, *jc = NULL;
	int r = d ? 0 : -ENOMEM;

	if (!r && old)
		r = parse(old, &jo);
	if (!r)
		r = parse(cur, &jc);
	if (!r)
		r = compare(d, old, jo, cur, jc);
	json_object_put(jo);
	json_object_put(jc);
	if (r) {
		accel_inventory_changes_free(d);
		return r;
	}
	*out = d;
	return 0;
}

size_t accel_inventory_changes_n(const accel_inventory_changes *d)
{
	return d ? d->n : 0;
}

const accel_inventory_change *accel_inventory_changes_get(const accel_inventory_changes *d,
							  size_t i)
{
	return d && i < d->n ? &d->v[i] : NULL;
}

bool accel_inventory_change_has(const accel_inventory_change *c, const char *field)
{
	for (size_t i = 0; i < c->n_fields; i++)
		if (!strcmp(c->fields[i], field))
			return true;
	return false;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *or_none(const char *s)
{
	return s && *s ? s : "none";
}

const char *accel_inventory_change_str(const accel_inventory_change *c, char *buf, size_t cap)
{
	size_t n;

	if (!cap)
		return buf;
	buf[0] = '\0';
	switch (c->op) {
	case '+':
		snprintf(buf, cap, "+%s %s %s driver=%s", c->address, accel_kind_name(c->cur->kind),
			 or_dash(c->cur->model), or_none(c->cur->driver));
		break;
	case '-':
		snprintf(buf, cap, "-%s", c->address);
		break;
	default:
		if (c->address && accel_inventory_change_has(c, "driver")) {
			snprintf(buf, cap, "~%s driver=%s->%s", c->address, or_none(c->old->driver),
				 or_none(c->cur->driver));
			break;
		}
		snprintf(buf, cap, "~%s", c->address ? c->address : "");
		for (size_t i = 0; i < c->n_fields; i++) {
			n = strlen(buf);
			snprintf(buf + n, cap - n, "%s%s", i ? "," : " ", c->fields[i]);
		}
		break;
	}
	return buf;
}

void accel_inventory_changes_free(accel_inventory_changes *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; j < d->v[i].n_fields; j++)
			free(d->v[i].fields[j]);
		free(d->v[i].fields);
	}
	free(d->v);
	free(d);
}
