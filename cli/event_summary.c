/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl events: a payload's summary (event_summary.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/util.h>

#include "event_summary.h"

#define STR_MAX 256 /* a name longer than this is not one of ours */

struct out {
	char *buf;
	size_t cap, n; /* cap >= 1 */
	bool cut;      /* it did not all fit: "..." ends it */
};

__attribute__((format(printf, 2, 3))) static void add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->cut)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->buf + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	if ((size_t)w >= o->cap - o->n) {
		/* cut: "..." at the end, not inside a UTF-8 character */
		size_t at = o->cap >= 4 ? o->cap - 4 : 0;

		while (at && ((unsigned char)o->buf[at] & 0xc0) == 0x80)
			at--;
		if (o->cap >= 4)
			memcpy(o->buf + at, "...", 4);
		else
			o->buf[at] = '\0';
		o->n = o->cap - 1;
		o->cut = true;
		return;
	}
	o->n += (size_t)w;
}

__attribute__((format(printf, 3, 4))) static int bad(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A member that must be a printable string when present: *out NULL when
 * absent; -EINVAL when of another type or not printable. */
static int opt_str(json_object *o, const char *key, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	*out = accel_json_str(o, key, STR_MAX);
	return *out ? 0 : -EINVAL;
}

/* "MODEL (KIND)" of a device or metrics payload object */
static int what(json_object *o, const char *name, struct out *out, char *why, size_t why_cap)
{
	const char *model, *kind, *vendor, *device;

	if (opt_str(o, "model", &model) || opt_str(o, "kind", &kind) ||
	    opt_str(o, "vendor_id", &vendor) || opt_str(o, "device_id", &device))
		return bad(why, why_cap,
			   "%s: model, kind, vendor_id or device_id is not a printable string of "
			   "at most %d bytes",
			   name, STR_MAX);
	if (model)
		add(out, "%s", model);
	else if (vendor && device)
		add(out, "%s:%s", vendor, device);
	else
		add(out, "unknown model");
	if (kind)
		add(out, " (%s)", kind);
	return 0;
}

static int device_event(const char *type, json_object *p, struct out *out, char *why,
			size_t why_cap)
{
	json_object *d = accel_json_get(p, "device", json_type_object), *changed;
	const char *health, *previous;
	int r;

	if (!d)
		return bad(why, why_cap, "payload.device: missing or not an object");
	r = what(d, "payload.device", out, why, why_cap);
	if (r)
		return r;
	if (opt_str(d, "health", &health))
		return bad(why, why_cap, "payload.device.health: not a printable string");
	if (!strcmp(type, "accelerator.device.delete")) {
		add(out, " removed");
		return 0;
	}
	if (!strcmp(type, "accelerator.device.health")) {
		if (opt_str(p, "health", &health) || opt_str(p, "previous", &previous) ||
		    !health || !previous)
			return bad(why, why_cap,
				   "payload.health and payload.previous: missing or not strings");
		add(out, " health %s -> %s", previous, health);
		return 0;
	}
	add(out, " health %s", health ? health : "unknown");
	if (!strcmp(type, "accelerator.device.update")) {
		size_t n;

		changed = accel_json_get(p, "changed", json_type_array);
		if (!changed)
			return bad(why, why_cap, "payload.changed: missing or not an array");
		n = json_object_array_length(changed);
		add(out, ", changed: ");
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(changed, i);
			const char *s = json_object_is_type(f, json_type_string)
						? json_object_get_string(f)
						: NULL;
			size_t len = s ? (size_t)json_object_get_string_len(f) : 0;

			if (!s || !len || len > STR_MAX || !accel_text_ok(s, len))
				return bad(why, why_cap, "payload.changed[%zu]: not a field name", i);
			add(out, "%s%s", i ? "," : "", s);
		}
		if (!n)
			add(out, "nothing");
	}
	return 0;
}

static int snapshot(json_object *p, struct out *out, char *why, size_t why_cap)
{
	json_object *devs = accel_json_get(p, "devices", json_type_array), *g;
	size_t n;

	if (!devs)
		return bad(why, why_cap, "payload.devices: missing or not an array");
	n = json_object_array_length(devs);
	add(out, "%zu device%s", n, n == 1 ? "" : "s");
	if (json_object_object_get_ex(p, "generation", &g) &&
	    !json_object_is_type(g, json_type_null)) {
		if (!json_object_is_type(g, json_type_int) || json_object_get_int64(g) < 0)
			return bad(why, why_cap, "payload.generation: not a count");
		add(out, ", generation %lld", (long long)json_object_get_int64(g));
	}
	return 0;
}

/* The value of the first item of metrics named name; false when none. */
static int reading(json_object *metrics, const char *name, double *v, bool *have, char *why,
		   size_t why_cap)
{
	size_t n = json_object_array_length(metrics);

	*have = false;
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(metrics, i), *val;
		const char *nm;

		if (!json_object_is_type(m, json_type_object))
			return bad(why, why_cap, "payload.metrics[%zu]: not an object", i);
		nm = accel_json_str(m, "name", STR_MAX);
		if (!nm)
			return bad(why, why_cap, "payload.metrics[%zu].name: missing or not a string",
				   i);
		if (strcmp(nm, name))
			continue;
		if (!json_object_object_get_ex(m, "value", &val) ||
		    !(json_object_is_type(val, json_type_int) ||
		      json_object_is_type(val, json_type_double)) ||
		    !isfinite(json_object_get_double(val)))
			return bad(why, why_cap, "payload.metrics[%zu].value: not a number (%s)", i,
				   name);
		*v = json_object_get_double(val);
		*have = true;
		return 0;
	}
	return 0;
}

static int metrics(json_object *p, struct out *out, char *why, size_t why_cap)
{
	json_object *m = accel_json_get(p, "metrics", json_type_array);
	double util = 0, used = 0, limit = 0, temp = 0;
	bool hu, hm, hl, ht;
	size_t before;
	int r;

	if (!m)
		return bad(why, why_cap, "payload.metrics: missing or not an array");
	r = what(p, "payload", out, why, why_cap);
	if (!r)
		r = reading(m, "hw.gpu.utilization", &util, &hu, why, why_cap);
	if (!r)
		r = reading(m, "hw.gpu.memory.usage", &used, &hm, why, why_cap);
	if (!r)
		r = reading(m, "hw.gpu.memory.limit", &limit, &hl, why, why_cap);
	if (!r)
		r = reading(m, "hw.temperature", &temp, &ht, why, why_cap);
	if (r)
		return r;
	before = out->n;
	if (hu)
		add(out, " util %.0f%%", util * 100);
	if (hm && hl)
		add(out, "%s mem %.1f/%.1f GiB", out->n > before ? "," : "", used / 1073741824.0,
		    limit / 1073741824.0);
	else if (hm)
		add(out, "%s mem %.1f GiB", out->n > before ? "," : "", used / 1073741824.0);
	if (ht)
		add(out, "%s temp %.0f C", out->n > before ? "," : "", temp);
	if (out->n == before)
		add(out, " no utilization, memory or temperature reading");
	return 0;
}

int event_summary(const char *event_type, json_object *payload, char *buf, size_t cap, char *why,
		  size_t why_cap)
{
	struct out out = { .buf = buf, .cap = cap };
	int r = 0;

	if (cap)
		buf[0] = '\0';
	if (why_cap)
		why[0] = '\0';
	if (!cap)
		return 0;
	if (!event_type || strncmp(event_type, "accelerator.", 12))
		return 0; /* not ours: nothing to say */
	if (!json_object_is_type(payload, json_type_object))
		return bad(why, why_cap, "payload: not a JSON object");
	if (!strcmp(event_type, "accelerator.device.create") ||
	    !strcmp(event_type, "accelerator.device.update") ||
	    !strcmp(event_type, "accelerator.device.delete") ||
	    !strcmp(event_type, "accelerator.device.health"))
		r = device_event(event_type, payload, &out, why, why_cap);
	else if (!strcmp(event_type, "accelerator.inventory.snapshot"))
		r = snapshot(payload, &out, why, why_cap);
	else if (!strcmp(event_type, "accelerator.metrics"))
		r = metrics(payload, &out, why, why_cap);
	if (r)
		buf[0] = '\0';
	return r;
}
