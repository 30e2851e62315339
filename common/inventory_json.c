/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched.inventory/v1 <-> accel_inventory, through json-c.
 *
 * One field table per struct (device, pcie, sriov, mdev type, drm, opencl,
 * nic, host OpenCL, warning) drives both directions: the key, its type,
 * where it lives in the struct, when it is left out, and the range a
 * reader accepts. A field added to the schema is one row here.
 *
 * Writing: unknown scalars are null; sub-objects that do not apply (SR-IOV
 * on a device without it, DRM on a vfio-pci device) are left out. Every
 * allocation is checked: out of memory fails the whole document with
 * -ENOMEM, never a null that a reader would take for "unknown".
 * Reading: strict. Every field is type- and range-checked; the first
 * problem fails the whole document with a message naming the field, so a
 * consumer never acts on half an inventory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/internal/json.h>
#include <accel/inventory.h>
#include <accel/util.h>

/* ---------- the field tables ---------- */

enum ftype {
	T_ADDR,	  /* char[ACCEL_ADDR_MAX]; read by the caller, as the key of the entry */
	T_KIND,	  /* accel_kind, by name */
	T_HEALTH, /* accel_health, by name */
	T_STR,	  /* char *, null when NULL */
	T_HEX,	  /* int, `size` hex digits, null when -1 */
	T_INT,	  /* int or int64_t (`size` bytes), null when -1; read in [min, max] */
	T_WIDTH,  /* int, a link width: null when 0; read in [min, max] */
	T_SPEED,  /* int, tenths of GT/s: "N.N GT/s", null when 0 */
	T_STRV,	  /* char ** with its count at `aux` */
	T_BOOL,	  /* int: -1 unknown, 0, 1 */
	T_OBJ,	  /* a struct at `off`, written with `sub` */
	T_OBJV,	  /* an array of structs at `off`, count at `aux`, each written with `sub` */
};

#define F_REQUIRED 1u /* reading: missing is an error */
#define F_OMIT	   2u /* writing: left out, not null, when unknown or empty */
#define NO_AUX	   ((size_t)-1)

struct fields;

struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	size_t off;  /* the value, in the struct the table describes */
	size_t aux;  /* T_STRV, T_OBJV: the count; T_OBJ: a bool saying it applies */
	int size;    /* T_INT: bytes; T_HEX: digits */
	int64_t min; /* T_INT, T_WIDTH: the range read */
	int64_t max;
	const struct fields *sub;	   /* T_OBJ, T_OBJV */
	bool (*applies)(const void *self); /* T_OBJ without aux: written when true */
};

struct fields {
	const struct field *f;
	size_t n;
	size_t size; /* of the struct: T_OBJV's element */
};

#define TABLE(name, S, ...)                                                                        \
	static const struct field name##_f[] = {__VA_ARGS__};                                      \
	static const struct fields name = {name##_f, sizeof(name##_f) / sizeof(name##_f[0]),       \
					   sizeof(S)}

#define SIZEOF(S, m) ((int)sizeof(((S *)0)->m))
#define ADDR(S, m, k)                                                                              \
	{                                                                                          \
		.key = k, .type = T_ADDR, .off = offsetof(S, m)                                    \
	}
#define STR(S, m, k, fl)                                                                           \
	{                                                                                          \
		.key = k, .type = T_STR, .flags = fl, .off = offsetof(S, m)                        \
	}
#define HEX(S, m, k, digits)                                                                       \
	{                                                                                          \
		.key = k, .type = T_HEX, .off = offsetof(S, m), .size = digits                     \
	}
#define INT(S, m, k, lo, hi, fl)                                                                   \
	{                                                                                          \
		.key = k, .type = T_INT, .flags = fl, .off = offsetof(S, m), .size = SIZEOF(S, m), \
		.min = lo, .max = hi                                                               \
	}
#define STRV(S, m, n, k, fl)                                                                       \
	{                                                                                          \
		.key = k, .type = T_STRV, .flags = fl, .off = offsetof(S, m),                      \
		.aux = offsetof(S, n)                                                              \
	}
#define OBJ(S, m, k, table, flag, fn)                                                              \
	{                                                                                          \
		.key = k, .type = T_OBJ, .off = offsetof(S, m), .aux = flag, .sub = &table,        \
		.applies = fn                                                                      \
	}

TABLE(pcie_fields, accel_pcie,
      {.key = "speed", .type = T_SPEED, .off = offsetof(accel_pcie, speed_dgts)},
      {.key = "width", .type = T_WIDTH, .off = offsetof(accel_pcie, width), .min = 1, .max = 32},
      {.key = "max_speed", .type = T_SPEED, .off = offsetof(accel_pcie, max_speed_dgts)},
      {.key = "max_width",
       .type = T_WIDTH,
       .off = offsetof(accel_pcie, max_width),
       .min = 1,
       .max = 32},
      STRV(accel_pcie, upstream, n_upstream, "upstream", 0),
      STR(accel_pcie, host_bridge, "host_bridge", 0));

TABLE(sriov_fields, accel_sriov, INT(accel_sriov, total_vfs, "total_vfs", 0, 65535, 0),
      INT(accel_sriov, num_vfs, "num_vfs", 0, 65535, 0), STR(accel_sriov, physfn, "physfn", 0),
      STRV(accel_sriov, vfs, n_vfs, "vfs", 0));

TABLE(mdev_fields, accel_mdev_type, STR(accel_mdev_type, id, "id", F_REQUIRED),
      STR(accel_mdev_type, name, "name", 0),
      INT(accel_mdev_type, available, "available", 0, INT32_MAX, 0),
      INT(accel_mdev_type, created, "created", 0, INT32_MAX, 0),
      STR(accel_mdev_type, device_api, "device_api", 0));

TABLE(drm_fields, accel_drm, STR(accel_drm, card, "card", 0), STR(accel_drm, render, "render", 0),
      STR(accel_drm, driver, "driver", 0), STR(accel_drm, version, "version", 0));

TABLE(opencl_fields, accel_opencl, STR(accel_opencl, platform, "platform", 0),
      STR(accel_opencl, name, "name", 0), STR(accel_opencl, version, "version", 0),
      INT(accel_opencl, compute_units, "compute_units", 0, INT32_MAX, 0),
      INT(accel_opencl, global_mem_mb, "global_mem_mb", 0, INT64_MAX / 2, 0));

/* DRM applies when the device has a card or a render node */
static bool drm_applies(const void *self)
{
	const accel_drm *m = self;

	return m->card || m->render;
}

TABLE(device_fields, accel_device, ADDR(accel_device, address, "address"),
      {.key = "kind", .type = T_KIND, .flags = F_REQUIRED, .off = offsetof(accel_device, kind)},
      HEX(accel_device, vendor_id, "vendor_id", 4), HEX(accel_device, device_id, "device_id", 4),
      HEX(accel_device, subsystem_vendor_id, "subsystem_vendor_id", 4),
      HEX(accel_device, subsystem_device_id, "subsystem_device_id", 4),
      HEX(accel_device, class_code, "class", 6), HEX(accel_device, revision, "revision", 2),
      STR(accel_device, vendor, "vendor", 0), STR(accel_device, vendor_name, "vendor_name", 0),
      STR(accel_device, model, "model", 0), STR(accel_device, architecture, "architecture", F_OMIT),
      STR(accel_device, driver, "driver", 0), INT(accel_device, numa_node, "numa_node", 0, 4095, 0),
      INT(accel_device, iommu_group, "iommu_group", 0, INT32_MAX, 0),
      INT(accel_device, memory_mb, "memory_mb", 0, INT64_MAX / 2, 0),
      STR(accel_device, cpu_affinity, "cpu_affinity", F_OMIT),
      OBJ(accel_device, pcie, "pcie", pcie_fields, NO_AUX, NULL),
      OBJ(accel_device, sriov, "sriov", sriov_fields, offsetof(accel_device, sriov.known), NULL),
      {.key = "mdev_types",
       .type = T_OBJV,
       .flags = F_OMIT,
       .off = offsetof(accel_device, mdev_types),
       .aux = offsetof(accel_device, n_mdev_types),
       .sub = &mdev_fields},
      OBJ(accel_device, drm, "drm", drm_fields, NO_AUX, drm_applies),
      STR(accel_device, accel_node, "accel_node", F_OMIT),
      OBJ(accel_device, opencl, "opencl", opencl_fields, offsetof(accel_device, opencl.present),
	  NULL),
      STR(accel_device, compute_capability, "compute_capability", F_OMIT),
      {.key = "health", .type = T_HEALTH, .off = offsetof(accel_device, health)},
      STRV(accel_device, health_reasons, n_health_reasons, "health_reasons", F_OMIT),
      {.key = "in_use", .type = T_BOOL, .flags = F_OMIT, .off = offsetof(accel_device, in_use)},
      INT(accel_device, utilization, "utilization", 0, 100, F_OMIT),
      STR(accel_device, resource_class, "resource_class", 0),
      STRV(accel_device, traits, n_traits, "traits", 0));

TABLE(nic_fields, accel_nic, ADDR(accel_nic, address, "address"), STR(accel_nic, name, "name", 0),
      STR(accel_nic, driver, "driver", 0), INT(accel_nic, numa_node, "numa_node", 0, 4095, 0),
      STR(accel_nic, cpu_affinity, "cpu_affinity", F_OMIT),
      OBJ(accel_nic, pcie, "pcie", pcie_fields, NO_AUX, NULL));

/* Written for people and tools; not read back: a read inventory has no
 * host OpenCL platforms and no scan warnings of its own. */
TABLE(host_opencl_fields, accel_host_opencl, STR(accel_host_opencl, platform, "platform", 0),
      STR(accel_host_opencl, name, "name", 0), STR(accel_host_opencl, version, "version", 0),
      STR(accel_host_opencl, type, "type", 0),
      INT(accel_host_opencl, compute_units, "compute_units", 0, INT32_MAX, 0),
      INT(accel_host_opencl, global_mem_mb, "global_mem_mb", 0, INT64_MAX / 2, 0));

TABLE(warning_fields, accel_warning, STR(accel_warning, path, "path", F_REQUIRED),
      STR(accel_warning, message, "message", F_REQUIRED));

#define AT(base, off, type)  ((type *)((char *)(base) + (off)))
#define CAT(base, off, type) ((const type *)((const char *)(base) + (off)))

static int64_t int_at(const void *base, const struct field *f)
{
	return f->size == (int)sizeof(int64_t) ? *CAT(base, f->off, int64_t)
					       : *CAT(base, f->off, int);
}

static void int_set(void *base, const struct field *f, int64_t v)
{
	if (f->size == (int)sizeof(int64_t))
		*AT(base, f->off, int64_t) = v;
	else
		*AT(base, f->off, int) = (int)v;
}

/* ---------- writing ---------- */

/* A new value, or NULL for null: s NULL is null, a failed allocation is -ENOMEM. */
static int new_str(const char *s, json_object **v)
{
	*v = s ? json_object_new_string(s) : NULL;
	return s && !*v ? -ENOMEM : 0;
}

static int write_fields(const struct fields *t, const void *self, json_object **out);

/* The value of f in self; *v NULL when it is null. 1: f is left out. */
static int field_value(const struct field *f, const void *self, json_object **v)
{
	char buf[32];
	int64_t x;

	*v = NULL;
	switch (f->type) {
	case T_ADDR:
		return new_str(CAT(self, f->off, char), v);
	case T_KIND:
		return new_str(accel_kind_name(*CAT(self, f->off, accel_kind)), v);
	case T_HEALTH:
		return new_str(accel_health_name(*CAT(self, f->off, accel_health)), v);
	case T_STR: {
		const char *s = *CAT(self, f->off, char *const);

		if (!s && (f->flags & F_OMIT))
			return 1;
		return new_str(s, v);
	}
	case T_HEX:
		x = *CAT(self, f->off, int);
		if (x < 0)
			return 0;
		snprintf(buf, sizeof(buf), "%0*x", f->size, (unsigned)x);
		return new_str(buf, v);
	case T_INT:
		x = int_at(self, f);
		if (x < 0)
			return f->flags & F_OMIT ? 1 : 0;
		*v = json_object_new_int64(x);
		break;
	case T_WIDTH:
		x = *CAT(self, f->off, int);
		if (!x)
			return 0;
		*v = json_object_new_int((int)x);
		break;
	case T_SPEED:
		return new_str(accel_speed_str(*CAT(self, f->off, int), buf, sizeof(buf)), v);
	case T_STRV: {
		size_t n = *CAT(self, f->aux, size_t);

		if (!n && (f->flags & F_OMIT))
			return 1;
		return accel_json_strv(*(char **const *)((const char *)self + f->off), n, v);
	}
	case T_BOOL:
		x = *CAT(self, f->off, int);
		if (x < 0)
			return f->flags & F_OMIT ? 1 : 0;
		*v = json_object_new_boolean(x != 0);
		break;
	case T_OBJ: {
		const void *sub = CAT(self, f->off, char);

		if (f->aux != NO_AUX && !*CAT(self, f->aux, bool))
			return 1;
		if (f->applies && !f->applies(sub))
			return 1;
		return write_fields(f->sub, sub, v);
	}
	case T_OBJV: {
		const char *e;
		size_t n = *CAT(self, f->aux, size_t);
		int rc = 0;

		if (!n && (f->flags & F_OMIT))
			return 1;
		memcpy(&e, CAT(self, f->off, char), sizeof(e)); /* the array, whatever its type */
		*v = json_object_new_array();
		if (!*v)
			return -ENOMEM;
		for (size_t i = 0; !rc && i < n; i++) {
			json_object *o;

			rc = write_fields(f->sub, e + i * f->sub->size, &o);
			if (!rc)
				rc = accel_json_append(*v, o);
		}
		if (rc) {
			json_object_put(*v);
			*v = NULL;
		}
		return rc;
	}
	}
	return *v ? 0 : -ENOMEM;
}

/* self as a JSON object, every field of t in order. */
static int write_fields(const struct fields *t, const void *self, json_object **out)
{
	json_object *o = json_object_new_object();
	int rc = o ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < t->n; i++) {
		json_object *v;

		rc = field_value(&t->f[i], self, &v);
		if (rc == 1)
			rc = 0;
		else if (!rc)
			rc = accel_json_add(o, t->f[i].key, v);
	}
	if (rc) {
		json_object_put(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* An array of the n entries that at(src, i) gives, each written with t. */
static int write_list(json_object *root, const char *key, const struct fields *t, const void *src,
		      size_t n, const void *(*at)(const void *src, size_t i))
{
	json_object *a = json_object_new_array();
	int rc = a ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < n; i++) {
		json_object *o;

		rc = write_fields(t, at(src, i), &o);
		if (!rc)
			rc = accel_json_append(a, o);
	}
	if (rc) {
		json_object_put(a);
		return rc;
	}
	return accel_json_add(root, key, a);
}

static const void *device_at(const void *inv, size_t i)
{
	return accel_inventory_device(inv, i);
}

static const void *nic_at(const void *inv, size_t i)
{
	return accel_inventory_nic(inv, i);
}

static const void *host_opencl_at(const void *inv, size_t i)
{
	return accel_inventory_host_opencl(inv, i);
}

static const void *warning_at(const void *inv, size_t i)
{
	return accel_inventory_warning(inv, i);
}

static int write_links(json_object *root, const accel_inventory *inv)
{
	json_object *a = json_object_new_array();
	size_t n = accel_inventory_n_links(inv);
	int rc = a ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < n; i++) {
		const accel_link *l = accel_inventory_link(inv, i);
		json_object *o = json_object_new_object(), *v;

		rc = o ? 0 : -ENOMEM;
		if (!rc && !(rc = new_str(l->a, &v)))
			rc = accel_json_add(o, "a", v);
		if (!rc && !(rc = new_str(l->b, &v)))
			rc = accel_json_add(o, "b", v);
		if (!rc && !(rc = new_str(accel_link_class_name(l->cls), &v)))
			rc = accel_json_add(o, "class", v);
		if (rc)
			json_object_put(o);
		else
			rc = accel_json_append(a, o);
	}
	if (rc) {
		json_object_put(a);
		return rc;
	}
	return accel_json_add(root, "links", a);
}

static int emit(json_object *root, unsigned flags, char **out)
{
	int jflags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (flags & ACCEL_JSON_PRETTY)
		jflags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	else
		jflags |= JSON_C_TO_STRING_PLAIN;
	return accel_json_text(root, jflags, out);
}

/* ---------- writing text directly ----------
 *
 * The same document as write_fields then json-c's writer in plain mode
 * (JSON_C_TO_STRING_PLAIN | NOSLASHESCAPE), byte for byte, without the
 * objects in between: for acceld's events, one device at a time. */

/* s as a JSON string, quoted */
static void tb_quoted(accel_text *b, const char *s)
{
	accel_text_put(b, "\"", 1);
	accel_text_esc(b, s, strlen(s));
	accel_text_put(b, "\"", 1);
}

/* s, or null */
static void tb_str_or_null(accel_text *b, const char *s)
{
	if (s)
		tb_quoted(b, s);
	else
		accel_text_put(b, "null", 4);
}

static void text_fields(accel_text *b, const struct fields *t, const void *self);

/* v in base 10 or 16 (lower case), at least `digits` digits: "%0*x" and
 * "%" PRId64 of a value >= 0 without printf's parsing */
static void tb_uint(accel_text *b, uint64_t v, unsigned base, int digits)
{
	static const char dig[] = "0123456789abcdef";
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = dig[v % base];
		v /= base;
	} while (v && i);
	while (i > 0 && (int)(sizeof(buf) - i) < digits)
		buf[--i] = '0';
	accel_text_put(b, buf + i, sizeof(buf) - i);
}

/* f's value in self written; false: f is left out (nothing written) */
static bool text_value(accel_text *b, const struct field *f, const void *self)
{
	char buf[32];
	int64_t x;

	switch (f->type) {
	case T_ADDR:
		tb_quoted(b, CAT(self, f->off, char));
		return true;
	case T_KIND:
		tb_str_or_null(b, accel_kind_name(*CAT(self, f->off, accel_kind)));
		return true;
	case T_HEALTH:
		tb_str_or_null(b, accel_health_name(*CAT(self, f->off, accel_health)));
		return true;
	case T_STR: {
		const char *s = *CAT(self, f->off, char *const);

		if (!s && (f->flags & F_OMIT))
			return false;
		tb_str_or_null(b, s);
		return true;
	}
	case T_HEX:
		x = *CAT(self, f->off, int);
		if (x < 0) {
			accel_text_put(b, "null", 4);
			return true;
		}
		accel_text_put(b, "\"", 1);
		tb_uint(b, (unsigned)x, 16, f->size);
		accel_text_put(b, "\"", 1);
		return true;
	case T_INT:
		x = int_at(self, f);
		if (x < 0 && (f->flags & F_OMIT))
			return false;
		if (x < 0)
			accel_text_put(b, "null", 4);
		else
			tb_uint(b, (uint64_t)x, 10, 1);
		return true;
	case T_WIDTH:
		x = *CAT(self, f->off, int);
		if (!x)
			accel_text_put(b, "null", 4);
		else
			accel_text_put(b, buf, (size_t)snprintf(buf, sizeof(buf), "%d", (int)x));
		return true;
	case T_SPEED:
		tb_str_or_null(b, accel_speed_str(*CAT(self, f->off, int), buf, sizeof(buf)));
		return true;
	case T_STRV: {
		size_t n = *CAT(self, f->aux, size_t);
		char *const *v = *(char **const *)((const char *)self + f->off);

		if (!n && (f->flags & F_OMIT))
			return false;
		accel_text_put(b, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				accel_text_put(b, ",", 1);
			tb_quoted(b, v[i]);
		}
		accel_text_put(b, "]", 1);
		return true;
	}
	case T_BOOL:
		x = *CAT(self, f->off, int);
		if (x < 0 && (f->flags & F_OMIT))
			return false;
		accel_text_str(b, x < 0 ? "null" : x ? "true" : "false");
		return true;
	case T_OBJ: {
		const void *sub = CAT(self, f->off, char);

		if (f->aux != NO_AUX && !*CAT(self, f->aux, bool))
			return false;
		if (f->applies && !f->applies(sub))
			return false;
		text_fields(b, f->sub, sub);
		return true;
	}
	case T_OBJV: {
		const char *e;
		size_t n = *CAT(self, f->aux, size_t);

		if (!n && (f->flags & F_OMIT))
			return false;
		memcpy(&e, CAT(self, f->off, char), sizeof(e));
		accel_text_put(b, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				accel_text_put(b, ",", 1);
			text_fields(b, f->sub, e + i * f->sub->size);
		}
		accel_text_put(b, "]", 1);
		return true;
	}
	}
	return false;
}

static void text_fields(accel_text *b, const struct fields *t, const void *self)
{
	bool first = true;

	accel_text_put(b, "{", 1);
	for (size_t i = 0; i < t->n; i++) {
		size_t mark = b->n;

		/* "key": first, taken back when the field is left out */
		accel_text_put(b, first ? "\"" : ",\"", first ? 1 : 2);
		accel_text_str(b, t->f[i].key);
		accel_text_put(b, "\":", 2);
		if (text_value(b, &t->f[i], self)) {
			first = false;
		} else if (!b->rc) {
			b->n = mark;
			b->p[mark] = '\0';
		}
	}
	accel_text_put(b, "}", 1);
}

int accel_device_json_append(const accel_device *d, char **buf, size_t *len, size_t *cap)
{
	accel_text b = { *buf, *len, *cap, 0 };

	text_fields(&b, &device_fields, d);
	*buf = b.p;
	*len = b.n;
	*cap = b.cap;
	return b.rc;
}

int accel_device_to_json(const accel_device *d, unsigned flags, char **out)
{
	json_object *o;
	int rc = write_fields(&device_fields, d, &o);

	return rc ? rc : emit(o, flags, out);
}

int accel_inventory_to_json(const accel_inventory *inv, unsigned flags, char **out)
{
	json_object *root = json_object_new_object(), *v;
	size_t n;
	int rc = root ? 0 : -ENOMEM;

	if (!rc && !(rc = new_str(ACCEL_INVENTORY_SCHEMA, &v)))
		rc = accel_json_add(root, "schema", v);
	if (!rc && !(rc = new_str(accel_inventory_host(inv), &v)))
		rc = accel_json_add(root, "host", v);
	if (!rc) {
		v = json_object_new_int64((int64_t)accel_inventory_generation(inv));
		rc = v ? accel_json_add(root, "generation", v) : -ENOMEM;
	}
	if (!rc && !(rc = new_str(accel_inventory_collected_at(inv), &v)))
		rc = accel_json_add(root, "collected_at", v);
	if (!rc)
		rc = write_list(root, "devices", &device_fields, inv,
				accel_inventory_n_devices(inv), device_at);
	if (!rc)
		rc = write_links(root, inv);
	if (!rc && (n = accel_inventory_n_nics(inv)))
		rc = write_list(root, "nics", &nic_fields, inv, n, nic_at);
	if (!rc && (n = accel_inventory_n_host_opencl(inv)))
		rc = write_list(root, "host_opencl", &host_opencl_fields, inv, n, host_opencl_at);
	if (!rc && (n = accel_inventory_n_warnings(inv)))
		rc = write_list(root, "warnings", &warning_fields, inv, n, warning_at);
	if (rc) {
		json_object_put(root);
		return rc;
	}
	return emit(root, flags, out);
}

/* ---------- reading ---------- */

struct rd {
	accel_err *err;
	char where[96]; /* "devices[3]" */
};

#define BAD(r, ...) accel_err_set((r)->err, -EBADMSG, __VA_ARGS__)

/* Look up key k in o. Missing or null -> *v = NULL, 0. Wrong type -> error. */
static int get(struct rd *r, json_object *o, const char *k, json_type t, json_object **v)
{
	json_object *x = NULL;

	*v = NULL;
	if (!json_object_object_get_ex(o, k, &x) || !x)
		return 0;
	if (!json_object_is_type(x, t))
		return BAD(r, "%s%s%s: expected %s, got %s", r->where, *r->where ? "." : "", k,
			   json_type_to_name(t), json_type_to_name(json_object_get_type(x)));
	*v = x;
	return 0;
}

static int get_str(struct rd *r, json_object *o, const char *k, bool required, char **field)
{
	json_object *v;
	const char *s;
	size_t len;
	int rc = get(r, o, k, json_type_string, &v);

	if (rc)
		return rc;
	if (!v) {
		if (required)
			return BAD(r, "%s%s%s: missing", r->where, *r->where ? "." : "", k);
		return 0;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > ACCEL_MAX_STRING)
		return accel_err_set(r->err, -E2BIG, "%s.%s: longer than %d bytes", r->where, k,
				     ACCEL_MAX_STRING);
	if (!accel_text_ok(s, len))
		return BAD(r, "%s.%s: not printable UTF-8", r->where, k);
	if (field && accel_device_set(field, s))
		return accel_err_set(r->err, -ENOMEM, "out of memory");
	return 0;
}

static int get_int(struct rd *r, json_object *o, const char *k, int64_t min, int64_t max,
		   int64_t *out)
{
	json_object *v;
	int64_t x;
	int rc = get(r, o, k, json_type_int, &v);

	if (rc || !v)
		return rc;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return BAD(r, "%s.%s: %lld out of range [%lld, %lld]", r->where, k, (long long)x,
			   (long long)min, (long long)max);
	*out = x;
	return 0;
}

static int get_hex(struct rd *r, json_object *o, const char *k, int digits, int *out)
{
	json_object *v;
	const char *s;
	char *end;
	long x;
	int rc = get(r, o, k, json_type_string, &v);

	if (rc || !v)
		return rc;
	s = json_object_get_string(v);
	if ((int)strlen(s) != digits || strspn(s, "0123456789abcdefABCDEF") != (size_t)digits)
		return BAD(r, "%s.%s: expected %d hex digits", r->where, k, digits);
	x = strtol(s, &end, 16);
	*out = (int)x;
	return 0;
}

static int get_strv(struct rd *r, json_object *o, const char *k, char ***v, size_t *n)
{
	json_object *a;
	size_t len;
	int rc = get(r, o, k, json_type_array, &a);

	if (rc || !a)
		return rc;
	len = json_object_array_length(a);
	if (len > ACCEL_MAX_LIST)
		return accel_err_set(r->err, -E2BIG, "%s.%s: more than %d entries", r->where, k,
				     ACCEL_MAX_LIST);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s;

		if (!json_object_is_type(e, json_type_string))
			return BAD(r, "%s.%s[%zu]: expected string", r->where, k, i);
		s = json_object_get_string(e);
		if (!accel_text_ok(s, (size_t)json_object_get_string_len(e)))
			return BAD(r, "%s.%s[%zu]: not printable UTF-8", r->where, k, i);
		rc = accel_strv_add(v, n, s);
		if (rc)
			return accel_err_set(r->err, rc, "%s.%s[%zu]: %s", r->where, k, i,
					     accel_strerror(rc));
	}
	return 0;
}

static int parse_speed(struct rd *r, json_object *o, const char *k, int *dgts)
{
	json_object *v;
	unsigned whole, frac;
	int n = 0, rc = get(r, o, k, json_type_string, &v);

	if (rc || !v)
		return rc;
	if (sscanf(json_object_get_string(v), "%u.%1u GT/s%n", &whole, &frac, &n) != 2 ||
	    json_object_get_string(v)[n] != '\0' || whole > 1000)
		return BAD(r, "%s.%s: expected \"N.N GT/s\"", r->where, k);
	*dgts = (int)(whole * 10 + frac);
	return 0;
}

static int read_fields(struct rd *r, const struct fields *t, json_object *o, void *self);

/* Field f of self from o[f->key]; missing leaves self's own value, but
 * for an unknown integer (-1) or a missing required field. */
static int read_field(struct rd *r, const struct field *f, json_object *o, void *self)
{
	json_object *v;
	int64_t x;
	int rc;

	switch (f->type) {
	case T_ADDR:
		return 0; /* the entry's key, read by the caller */
	case T_KIND:
		if ((rc = get(r, o, f->key, json_type_string, &v)))
			return rc;
		if (!v || (*AT(self, f->off, accel_kind) = accel_kind_from_name(
				   json_object_get_string(v))) == ACCEL_KIND_NONE)
			return BAD(r, "%s.kind: expected gpu, fpga, npu, accel or display",
				   r->where);
		return 0;
	case T_HEALTH: {
		const char *h;

		if ((rc = get(r, o, f->key, json_type_string, &v)) || !v)
			return rc;
		h = json_object_get_string(v);
		if (!strcmp(h, "ok"))
			*AT(self, f->off, accel_health) = ACCEL_HEALTH_OK;
		else if (!strcmp(h, "degraded"))
			*AT(self, f->off, accel_health) = ACCEL_HEALTH_DEGRADED;
		else if (!strcmp(h, "failed"))
			*AT(self, f->off, accel_health) = ACCEL_HEALTH_FAILED;
		else
			return BAD(r, "%s.health: expected ok, degraded or failed", r->where);
		return 0;
	}
	case T_STR:
		return get_str(r, o, f->key, f->flags & F_REQUIRED, AT(self, f->off, char *));
	case T_HEX:
		return get_hex(r, o, f->key, f->size, AT(self, f->off, int));
	case T_INT:
		x = -1;
		if ((rc = get_int(r, o, f->key, f->min, f->max, &x)))
			return rc;
		int_set(self, f, x);
		return 0;
	case T_WIDTH:
		x = 0;
		if ((rc = get_int(r, o, f->key, f->min, f->max, &x)))
			return rc;
		*AT(self, f->off, int) = (int)x;
		return 0;
	case T_SPEED:
		return parse_speed(r, o, f->key, AT(self, f->off, int));
	case T_STRV:
		return get_strv(r, o, f->key, AT(self, f->off, char **), AT(self, f->aux, size_t));
	case T_BOOL:
		if ((rc = get(r, o, f->key, json_type_boolean, &v)))
			return rc;
		if (v)
			*AT(self, f->off, int) = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	case T_OBJ:
		if ((rc = get(r, o, f->key, json_type_object, &v)) || !v)
			return rc;
		if (f->aux != NO_AUX)
			*AT(self, f->aux, bool) = true;
		return read_fields(r, f->sub, v, AT(self, f->off, char));
	case T_OBJV: {
		size_t *count = AT(self, f->aux, size_t), n;
		char *arr;

		if ((rc = get(r, o, f->key, json_type_array, &v)) || !v)
			return rc;
		n = json_object_array_length(v);
		if (n > ACCEL_MAX_LIST)
			return accel_err_set(r->err, -E2BIG, "%s.%s: too many", r->where, f->key);
		arr = calloc(n ? n : 1, f->sub->size);
		if (!arr)
			return accel_err_set(r->err, -ENOMEM, "out of memory");
		memcpy(AT(self, f->off, char), &arr,
		       sizeof(arr)); /* the array, whatever its type */
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			(*count)++;
			if (!json_object_is_type(e, json_type_object))
				return BAD(r, "%s.%s[%zu]: expected object", r->where, f->key, i);
			if ((rc = read_fields(r, f->sub, e, arr + i * f->sub->size)))
				return rc;
		}
		return 0;
	}
	}
	return 0;
}

static int read_fields(struct rd *r, const struct fields *t, json_object *o, void *self)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < t->n; i++)
		rc = read_field(r, &t->f[i], o, self);
	return rc;
}

static int parse_nic(struct rd *r, json_object *o, accel_inventory *inv)
{
	accel_nic *c;
	char *addr = NULL;
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return BAD(r, "%s: expected object", r->where);
	rc = get_str(r, o, "address", true, &addr);
	if (rc)
		return rc;
	rc = accel_inventory_add_nic(inv, addr, &c);
	free(addr);
	if (rc == -EINVAL)
		return BAD(r, "%s.address: not a PCI address", r->where);
	if (rc)
		return accel_err_set(r->err, rc, "%s: %s", r->where, accel_strerror(rc));
	return read_fields(r, &nic_fields, o, c);
}

static int parse_device(struct rd *r, json_object *o, accel_inventory *inv)
{
	accel_device *d;
	char *addr = NULL;
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return BAD(r, "%s: expected object", r->where);
	rc = get_str(r, o, "address", true, &addr);
	if (rc)
		return rc;
	rc = accel_inventory_add_device(inv, addr, &d);
	free(addr);
	if (rc == -EINVAL || rc == -EEXIST)
		return BAD(r, "%s.address: %s", r->where,
			   rc == -EINVAL ? "not a PCI address" : "listed twice");
	if (rc)
		return accel_err_set(r->err, rc, "%s: %s", r->where, accel_strerror(rc));
	return read_fields(r, &device_fields, o, d);
}

static int parse_root(struct rd *r, json_object *root, accel_inventory **out)
{
	accel_inventory *inv = NULL;
	json_object *v, *a;
	char *host = NULL, *ts = NULL;
	int64_t gen = 0;
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return BAD(r, "document: expected an object");
	if ((rc = get(r, root, "schema", json_type_string, &v)))
		return rc;
	if (!v || strcmp(json_object_get_string(v), ACCEL_INVENTORY_SCHEMA))
		return BAD(r, "schema: expected \"%s\"", ACCEL_INVENTORY_SCHEMA);
	if ((rc = get_str(r, root, "host", true, &host)))
		goto out;
	if ((rc = get_str(r, root, "collected_at", false, &ts)) ||
	    (rc = get_int(r, root, "generation", 0, INT64_MAX, &gen)))
		goto out;
	rc = accel_inventory_new(&inv, host);
	if (rc)
		goto out;
	accel_inventory_set_generation(inv, (uint64_t)gen);
	if (ts && (rc = accel_inventory_set_collected_at(inv, ts)))
		goto out;

	if ((rc = get(r, root, "devices", json_type_array, &a)))
		goto out;
	if (!a) {
		rc = BAD(r, "devices: missing");
		goto out;
	}
	if (json_object_array_length(a) > ACCEL_MAX_DEVICES) {
		rc = accel_err_set(r->err, -E2BIG, "devices: more than %d", ACCEL_MAX_DEVICES);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		snprintf(r->where, sizeof(r->where), "devices[%zu]", i);
		rc = parse_device(r, json_object_array_get_idx(a, i), inv);
		if (rc)
			goto out;
	}
	if ((rc = get(r, root, "nics", json_type_array, &a)))
		goto out;
	if (a && json_object_array_length(a) > ACCEL_MAX_DEVICES) {
		rc = accel_err_set(r->err, -E2BIG, "nics: more than %d", ACCEL_MAX_DEVICES);
		goto out;
	}
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		snprintf(r->where, sizeof(r->where), "nics[%zu]", i);
		rc = parse_nic(r, json_object_array_get_idx(a, i), inv);
		if (rc)
			goto out;
	}
	if ((rc = get(r, root, "links", json_type_array, &a)))
		goto out;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i), *ca, *cb, *cc;
		accel_link_class cls;

		snprintf(r->where, sizeof(r->where), "links[%zu]", i);
		if (!json_object_is_type(l, json_type_object)) {
			rc = BAD(r, "%s: expected object", r->where);
			goto out;
		}
		if ((rc = get(r, l, "a", json_type_string, &ca)) ||
		    (rc = get(r, l, "b", json_type_string, &cb)) ||
		    (rc = get(r, l, "class", json_type_string, &cc)))
			goto out;
		cls = cc ? accel_link_class_from_name(json_object_get_string(cc))
			 : ACCEL_LINK_UNKNOWN;
		if (!ca || !cb || cls == ACCEL_LINK_UNKNOWN) {
			rc = BAD(r, "%s: needs a, b and a class of PIX, PXB, PHB, NODE or SYS",
				 r->where);
			goto out;
		}
		rc = accel_inventory_add_link(inv, json_object_get_string(ca),
					      json_object_get_string(cb), cls);
		if (rc) {
			rc = rc == -EINVAL ? BAD(r, "%s: not a PCI address", r->where)
					   : accel_err_set(r->err, rc, "%s: %s", r->where,
							   accel_strerror(rc));
			goto out;
		}
	}
	*out = inv;
	inv = NULL;
out:
	free(host);
	free(ts);
	accel_inventory_free(inv);
	return rc;
}

int accel_inventory_from_object(json_object *root, accel_inventory **out, accel_err *err)
{
	struct rd r = {.err = err};

	accel_err_clear(err);
	return parse_root(&r, root, out);
}

int accel_inventory_from_json(const char *text, size_t len, accel_inventory **out, accel_err *err)
{
	json_object *root;
	int rc;

	accel_err_clear(err);
	rc = accel_json_parse(text, len, ACCEL_MAX_JSON_BYTES, "document", &root, err);
	if (rc)
		return rc;
	rc = accel_inventory_from_object(root, out, err);
	json_object_put(root);
	return rc;
}
