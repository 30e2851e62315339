/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device telemetry's names and JSON form (include/accel/metrics.h): one
 * table row per metric drives the names, the units, the Prometheus form,
 * the writer and the reader.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/inventory.h>
#include <accel/metrics.h>
#include <accel/util.h>

static const struct row {
	const char *name, *unit, *prom, *prom_type, *error_type;
	double min, max; /* what a reading may be */
	const char *help;
} rows[ACCEL_M_MAX] = {
	[ACCEL_M_UTILIZATION] =
		{"hw.gpu.utilization", "1", "hw_gpu_utilization_ratio", "gauge", NULL, 0, 1,
		 "Fraction of time the device was busy (busiest engine for fdinfo)."},
	[ACCEL_M_MEMORY_USAGE] = {"hw.gpu.memory.usage", "By", "hw_gpu_memory_usage_bytes", "gauge",
				  NULL, 0, 1e15, "Device memory in use, bytes."},
	[ACCEL_M_MEMORY_LIMIT] = {"hw.gpu.memory.limit", "By", "hw_gpu_memory_limit_bytes", "gauge",
				  NULL, 0, 1e15, "Device memory in all, bytes."},
	[ACCEL_M_TEMPERATURE] = {"hw.temperature", "Cel", "hw_temperature_celsius", "gauge", NULL,
				 -273.15, 1000,
				 "Device temperature (first sensor), degrees Celsius."},
	[ACCEL_M_POWER] = {"hw.power", "W", "hw_power_watts", "gauge", NULL, 0, 1e6,
			   "Power drawn, watts."},
	[ACCEL_M_ENERGY] = {"hw.energy", "J", "hw_energy_joules_total", "counter", NULL, 0, 1e18,
			    "Energy consumed since the driver loaded, joules."},
	[ACCEL_M_CLOCK_GRAPHICS] = {"accelsched.gpu.clock.graphics", "Hz",
				    "accelsched_gpu_clock_graphics_hertz", "gauge", NULL, 0, 1e12,
				    "Graphics (shader) clock, hertz."},
	[ACCEL_M_CLOCK_MEMORY] = {"accelsched.gpu.clock.memory", "Hz",
				  "accelsched_gpu_clock_memory_hertz", "gauge", NULL, 0, 1e12,
				  "Memory clock, hertz."},
	[ACCEL_M_ERRORS_CORRECTED] = {"hw.errors", "{error}", "hw_errors_total", "counter",
				      "corrected", 0, 1e18,
				      "Errors counted by the device or its PCIe link."},
	[ACCEL_M_ERRORS_UNCORRECTED] = {"hw.errors", "{error}", "hw_errors_total", "counter",
					"uncorrected", 0, 1e18,
					"Errors counted by the device or its PCIe link."},
};

static const char *const source_names[ACCEL_MS_MAX] = {
	[ACCEL_MS_NONE] = "none",     [ACCEL_MS_SYSFS] = "sysfs", [ACCEL_MS_HWMON] = "hwmon",
	[ACCEL_MS_FDINFO] = "fdinfo", [ACCEL_MS_AER] = "aer",	  [ACCEL_MS_NVML] = "nvml",
};

static bool valid(accel_metric m)
{
	return (unsigned)m < ACCEL_M_MAX;
}

void accel_metrics_set(accel_metrics *m, accel_metric which, double v, accel_metric_source src)
{
	if (!valid(which) || (m->have >> which & 1) || !isfinite(v))
		return;
	m->have |= 1u << which;
	m->value[which] = v;
	m->source[which] = (uint8_t)src;
}

const char *accel_metric_name(accel_metric m)
{
	return valid(m) ? rows[m].name : "unknown";
}

const char *accel_metric_unit(accel_metric m)
{
	return valid(m) ? rows[m].unit : "";
}

const char *accel_metric_prom_name(accel_metric m)
{
	return valid(m) ? rows[m].prom : "unknown";
}

const char *accel_metric_prom_type(accel_metric m)
{
	return valid(m) ? rows[m].prom_type : "untyped";
}

const char *accel_metric_error_type(accel_metric m)
{
	return valid(m) ? rows[m].error_type : NULL;
}

const char *accel_metric_source_name(accel_metric_source s)
{
	return (unsigned)s < ACCEL_MS_MAX ? source_names[s] : "unknown";
}

/* The JSON key: hw.errors twice, told apart by error.type. */
static const char *json_key(accel_metric m, char *buf, size_t cap)
{
	if (!rows[m].error_type)
		return rows[m].name;
	snprintf(buf, cap, "%s{error.type=%s}", rows[m].name, rows[m].error_type);
	return buf;
}

int accel_metric_from_name(const char *name)
{
	char buf[96];

	for (int m = 0; m < ACCEL_M_MAX; m++)
		if (!strcmp(name, json_key((accel_metric)m, buf, sizeof(buf))))
			return m;
	return -1;
}

/* Whole numbers (bytes, hertz, counts) as such; else the shortest form
 * that reads back as the same double. */
static const char *fmt_number(double v, char *text, size_t cap)
{
	if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v) {
		snprintf(text, cap, "%.0f", v);
		return text;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(text, cap, "%.*g", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	return text;
}

static int add_number(json_object *o, const char *k, double v)
{
	char text[40];
	json_object *n;

	fmt_number(v, text, sizeof(text));
	n = json_object_new_double_s(v, text);
	if (!n)
		return -ENOMEM;
	return accel_json_add(o, k, n);
}

static int add_string(json_object *o, const char *k, const char *s)
{
	json_object *v = json_object_new_string(s);

	if (!v)
		return -ENOMEM;
	return accel_json_add(o, k, v);
}

static int device_json(const accel_metrics *m, json_object **out)
{
	json_object *d = json_object_new_object(), *vals = json_object_new_object(),
		    *srcs = json_object_new_object();
	char key[96];
	int r = 0;

	*out = NULL;
	if (!d || !vals || !srcs) {
		json_object_put(d);
		json_object_put(vals);
		json_object_put(srcs);
		return -ENOMEM;
	}
	for (int i = 0; i < ACCEL_M_MAX && !r; i++) {
		const char *k;

		if (!(m->have >> i & 1))
			continue;
		k = json_key((accel_metric)i, key, sizeof(key));
		r = add_number(vals, k, m->value[i]);
		if (!r)
			r = add_string(srcs, k,
				       accel_metric_source_name((accel_metric_source)m->source[i]));
	}
	if (r) {
		json_object_put(d);
		json_object_put(vals);
		json_object_put(srcs);
		return r;
	}
	r = add_string(d, "address", m->address);
	if (r) {
		json_object_put(vals);
		json_object_put(srcs);
	} else {
		r = accel_json_add(d, "metrics", vals);
		if (r)
			json_object_put(srcs);
		else
			r = accel_json_add(d, "sources", srcs);
	}
	if (r) {
		json_object_put(d);
		return r;
	}
	*out = d;
	return 0;
}

int accel_metrics_to_json(const char *host, const char *collected_at, const accel_metrics *m,
			  size_t n, char **out, accel_err *err)
{
	json_object *root = json_object_new_object(), *devs = json_object_new_array();
	int r = 0;

	*out = NULL;
	if (!root || !devs) {
		json_object_put(root);
		json_object_put(devs);
		return accel_err_set(err, -ENOMEM, "metrics: out of memory");
	}
	r = add_string(root, "version", "metrics/v1");
	if (!r)
		r = add_string(root, "host", host ? host : "");
	if (!r && collected_at)
		r = add_string(root, "collected_at", collected_at);
	for (size_t i = 0; i < n && !r; i++) {
		json_object *d;

		r = device_json(&m[i], &d);
		if (!r)
			r = accel_json_append(devs, d);
	}
	if (r) {
		json_object_put(root);
		json_object_put(devs);
		return accel_err_set(err, r, "metrics: out of memory");
	}
	r = accel_json_add(root, "devices", devs);
	if (!r)
		r = accel_json_text(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
				    out);
	else
		json_object_put(root);
	if (r)
		return accel_err_set(err, r, "metrics: out of memory");
	return 0;
}

static int device_from_json(json_object *d, size_t i, accel_metrics *m, accel_err *err)
{
	const char *addr = accel_json_str(d, "address", ACCEL_ADDR_MAX - 1);
	json_object *vals = accel_json_get(d, "metrics", json_type_object);
	json_object *srcs = json_object_is_type(d, json_type_object)
				    ? accel_json_get(d, "sources", json_type_object)
				    : NULL;

	memset(m, 0, sizeof(*m));
	if (!addr)
		return accel_err_set(err, -EBADMSG,
				     "metrics: devices[%zu]: \"address\" missing or not a string "
				     "of at most %d bytes",
				     i, ACCEL_ADDR_MAX - 1);
	snprintf(m->address, sizeof(m->address), "%s", addr);
	if (!vals)
		return accel_err_set(err, -EBADMSG,
				     "metrics: %s: \"metrics\" missing or not an object", addr);
	json_object_object_foreach(vals, key, val)
	{
		int which = accel_metric_from_name(key);
		accel_metric_source src = ACCEL_MS_NONE;
		const char *s;
		double v;

		if (which < 0)
			continue; /* a newer writer's metric */
		if (!json_object_is_type(val, json_type_double) &&
		    !json_object_is_type(val, json_type_int))
			return accel_err_set(err, -EBADMSG, "metrics: %s: %s: not a number", addr,
					     key);
		v = json_object_get_double(val);
		if (!isfinite(v) || v < rows[which].min || v > rows[which].max)
			return accel_err_set(err, -ERANGE,
					     "metrics: %s: %s: %g out of range [%g, %g]", addr, key,
					     v, rows[which].min, rows[which].max);
		s = srcs ? accel_json_str(srcs, key, 16) : NULL;
		for (int k = 0; s && k < ACCEL_MS_MAX; k++)
			if (!strcmp(s, source_names[k]))
				src = (accel_metric_source)k;
		accel_metrics_set(m, (accel_metric)which, v, src);
	}
	return 0;
}

int accel_metrics_from_json(const char *text, size_t len, char **host, accel_metrics **out,
			    size_t *n, accel_err *err)
{
	json_object *root, *devs;
	const char *ver, *h;
	accel_metrics *m = NULL;
	size_t count;
	int r;

	*out = NULL;
	*n = 0;
	if (host)
		*host = NULL;
	r = accel_json_parse(text, len, ACCEL_MAX_JSON_BYTES, "metrics", &root, err);
	if (r)
		return r;
	ver = accel_json_str(root, "version", 32);
	if (!ver || strcmp(ver, "metrics/v1")) {
		json_object_put(root);
		return accel_err_set(err, -EBADMSG, "metrics: \"version\" is not \"metrics/v1\"");
	}
	h = accel_json_str(root, "host", ACCEL_MAX_STRING);
	devs = accel_json_get(root, "devices", json_type_array);
	if (!h || !devs) {
		json_object_put(root);
		return accel_err_set(err, -EBADMSG, "metrics: \"%s\" missing or of the wrong type",
				     h ? "devices" : "host");
	}
	count = json_object_array_length(devs);
	if (count > ACCEL_MAX_DEVICES) {
		json_object_put(root);
		return accel_err_set(err, -E2BIG, "metrics: %zu devices, more than %d", count,
				     ACCEL_MAX_DEVICES);
	}
	if (count) {
		m = calloc(count, sizeof(*m));
		if (!m) {
			json_object_put(root);
			return accel_err_set(err, -ENOMEM, "metrics: out of memory");
		}
	}
	for (size_t i = 0; i < count && !r; i++)
		r = device_from_json(json_object_array_get_idx(devs, i), i, &m[i], err);
	if (!r && host && !(*host = strdup(h)))
		r = accel_err_set(err, -ENOMEM, "metrics: out of memory");
	json_object_put(root);
	if (r) {
		free(m);
		return r;
	}
	*out = m;
	*n = count;
	return 0;
}

/* {"name", "meter", "unit", "type", "value", "source"[, "attributes"]}:
 * meter is the name, with the error type for hw.errors
 * (hw.errors.corrected), type Ceilometer's (gauge, cumulative). */
static int event_item(const accel_metrics *m, int k, json_object **out)
{
	json_object *it = json_object_new_object(), *attrs = NULL;
	char meter[96];
	int r = it ? 0 : -ENOMEM;

	*out = NULL;
	if (rows[k].error_type)
		snprintf(meter, sizeof(meter), "%s.%s", rows[k].name, rows[k].error_type);
	else
		snprintf(meter, sizeof(meter), "%s", rows[k].name);
	if (!r)
		r = add_string(it, "name", rows[k].name);
	if (!r)
		r = add_string(it, "meter", meter);
	if (!r)
		r = add_string(it, "unit", rows[k].unit);
	if (!r)
		r = add_string(it, "type",
			       strcmp(rows[k].prom_type, "counter") ? "gauge" : "cumulative");
	if (!r)
		r = add_number(it, "value", m->value[k]);
	if (!r)
		r = add_string(it, "source",
			       accel_metric_source_name((accel_metric_source)m->source[k]));
	if (!r && rows[k].error_type) {
		attrs = json_object_new_object();
		r = attrs ? add_string(attrs, "error.type", rows[k].error_type) : -ENOMEM;
		if (!r)
			r = accel_json_add(it, "attributes", attrs);
		else
			json_object_put(attrs);
	}
	if (r) {
		json_object_put(it);
		return r;
	}
	*out = it;
	return 0;
}

int accel_metrics_event_json(const struct accel_inventory *inv, const char *collected_at,
			     const accel_metrics *m, char **out, accel_err *err)
{
	const accel_device *d = accel_inventory_find(inv, m->address);
	json_object *root = json_object_new_object(), *list = json_object_new_array();
	int r = root && list ? 0 : -ENOMEM;

	*out = NULL;
	if (!r)
		r = add_string(root, "host", accel_inventory_host(inv));
	if (!r)
		r = add_string(root, "address", m->address);
	if (!r && d && d->model)
		r = add_string(root, "model", d->model);
	if (!r && d)
		r = add_string(root, "kind", accel_kind_name(d->kind));
	if (!r && collected_at)
		r = add_string(root, "collected_at", collected_at);
	for (int k = 0; k < ACCEL_M_MAX && !r; k++) {
		json_object *it;

		if (!(m->have >> k & 1))
			continue;
		r = event_item(m, k, &it);
		if (!r)
			r = accel_json_append(list, it);
	}
	if (!r) {
		r = accel_json_add(root, "metrics", list);
		list = NULL;
	}
	if (r) {
		json_object_put(root);
		json_object_put(list);
		return accel_err_set(err, r, "metrics: out of memory");
	}
	r = accel_json_text(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, out);
	if (r)
		return accel_err_set(err, r, "metrics: out of memory");
	return 0;
}

/* ---- Prometheus text exposition ---- */

struct buf {
	char *p;
	size_t n, cap;
	int err;
};

static void put(struct buf *b, const char *fmt, ...) ACCEL_PRINTF(2, 3);
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->n + (size_t)k + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(struct buf *b, const char *name, const char *v)
{
	put(b, "%s=\"", name);
	for (const char *c = v ? v : ""; *c; c++) {
		if (*c == '\\' || *c == '"')
			put(b, "\\%c", *c);
		else if (*c == '\n')
			put(b, "\\n");
		else
			put(b, "%c", *c);
	}
	put(b, "\"");
}

int accel_metrics_to_prometheus(const struct accel_inventory *inv, const accel_metrics *m, size_t n,
				char **out)
{
	struct buf b = {0};
	const char *host = accel_inventory_host(inv);

	*out = NULL;
	for (int k = 0; k < ACCEL_M_MAX; k++) {
		bool any = false;

		/* hw_errors_total once for both error types */
		if (k == ACCEL_M_ERRORS_UNCORRECTED)
			continue;
		for (size_t i = 0; i < n && !any; i++)
			any = (m[i].have >> k & 1) ||
			      (k == ACCEL_M_ERRORS_CORRECTED &&
			       (m[i].have >> ACCEL_M_ERRORS_UNCORRECTED & 1));
		if (!any)
			continue;
		put(&b, "# HELP %s %s (%s)\n# TYPE %s %s\n", rows[k].prom, rows[k].help,
		    rows[k].name, rows[k].prom, rows[k].prom_type);
		for (int e = k;
		     e <= (k == ACCEL_M_ERRORS_CORRECTED ? ACCEL_M_ERRORS_UNCORRECTED : k); e++)
			for (size_t i = 0; i < n; i++) {
				const accel_device *d = accel_inventory_find(inv, m[i].address);
				char v[40];

				if (!(m[i].have >> e & 1))
					continue;
				put(&b, "%s{", rows[k].prom);
				put_label(&b, "host", host);
				put(&b, ",");
				put_label(&b, "address", m[i].address);
				put(&b, ",");
				put_label(&b, "model", d && d->model ? d->model : "");
				put(&b, ",");
				put_label(&b, "kind", d ? accel_kind_name(d->kind) : "");
				if (rows[e].error_type) {
					put(&b, ",");
					put_label(&b, "error_type", rows[e].error_type);
				}
				put(&b, "} %s\n", fmt_number(m[i].value[e], v, sizeof(v)));
			}
	}
	if (!b.err && !b.p)
		put(&b, "%s", "");
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*out = b.p;
	return 0;
}
