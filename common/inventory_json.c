/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched.inventory/v1 <-> accel_inventory, through json-c.
 *
 * Writing: unknown scalars are null; sub-objects that do not apply (SR-IOV
 * on a device without it, DRM on a vfio-pci device) are left out.
 * Reading: strict. Every field is type- and range-checked; the first
 * problem fails the whole document with a message naming the field, so a
 * consumer never acts on half an inventory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/json.h>
#include <accel/inventory.h>
#include <accel/util.h>

/* ---------- writing ---------- */

static int add(json_object *o, const char *k, json_object *v)
{
	/* json_object_object_add takes v even on failure in json-c >= 0.13 */
	if (json_object_object_add(o, k, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *int_or_null(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

static json_object *hex_or_null(int v, int digits)
{
	char buf[16];

	if (v < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%0*x", digits, (unsigned)v);
	return json_object_new_string(buf);
}

static json_object *strv(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *pcie_json(const accel_pcie *p)
{
	json_object *o = json_object_new_object();
	char buf[32];

	add(o, "speed", str_or_null(accel_speed_str(p->speed_dgts, buf, sizeof(buf))));
	add(o, "width", p->width ? json_object_new_int(p->width) : NULL);
	add(o, "max_speed", str_or_null(accel_speed_str(p->max_speed_dgts, buf, sizeof(buf))));
	add(o, "max_width", p->max_width ? json_object_new_int(p->max_width) : NULL);
	add(o, "upstream", strv(p->upstream, p->n_upstream));
	add(o, "host_bridge", str_or_null(p->host_bridge));
	return o;
}

static json_object *device_json(const accel_device *d)
{
	json_object *o = json_object_new_object();

	add(o, "address", json_object_new_string(d->address));
	add(o, "kind", json_object_new_string(accel_kind_name(d->kind)));
	add(o, "vendor_id", hex_or_null(d->vendor_id, 4));
	add(o, "device_id", hex_or_null(d->device_id, 4));
	add(o, "subsystem_vendor_id", hex_or_null(d->subsystem_vendor_id, 4));
	add(o, "subsystem_device_id", hex_or_null(d->subsystem_device_id, 4));
	add(o, "class", hex_or_null(d->class_code, 6));
	add(o, "revision", hex_or_null(d->revision, 2));
	add(o, "vendor", str_or_null(d->vendor));
	add(o, "vendor_name", str_or_null(d->vendor_name));
	add(o, "model", str_or_null(d->model));
	if (d->architecture)
		add(o, "architecture", json_object_new_string(d->architecture));
	add(o, "driver", str_or_null(d->driver));
	add(o, "numa_node", int_or_null(d->numa_node));
	add(o, "iommu_group", int_or_null(d->iommu_group));
	add(o, "memory_mb", int_or_null(d->memory_mb));
	if (d->cpu_affinity)
		add(o, "cpu_affinity", json_object_new_string(d->cpu_affinity));
	add(o, "pcie", pcie_json(&d->pcie));
	if (d->sriov.known) {
		json_object *s = json_object_new_object();

		add(s, "total_vfs", int_or_null(d->sriov.total_vfs));
		add(s, "num_vfs", int_or_null(d->sriov.num_vfs));
		add(s, "physfn", str_or_null(d->sriov.physfn));
		add(s, "vfs", strv(d->sriov.vfs, d->sriov.n_vfs));
		add(o, "sriov", s);
	}
	if (d->n_mdev_types) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < d->n_mdev_types; i++) {
			const accel_mdev_type *m = &d->mdev_types[i];
			json_object *t = json_object_new_object();

			add(t, "id", json_object_new_string(m->id));
			add(t, "name", str_or_null(m->name));
			add(t, "available", int_or_null(m->available));
			add(t, "created", int_or_null(m->created));
			add(t, "device_api", str_or_null(m->device_api));
			json_object_array_add(a, t);
		}
		add(o, "mdev_types", a);
	}
	if (d->drm.card || d->drm.render) {
		json_object *m = json_object_new_object();

		add(m, "card", str_or_null(d->drm.card));
		add(m, "render", str_or_null(d->drm.render));
		add(m, "driver", str_or_null(d->drm.driver));
		add(m, "version", str_or_null(d->drm.version));
		add(o, "drm", m);
	}
	if (d->accel_node)
		add(o, "accel_node", json_object_new_string(d->accel_node));
	if (d->opencl.present) {
		json_object *c = json_object_new_object();

		add(c, "platform", str_or_null(d->opencl.platform));
		add(c, "name", str_or_null(d->opencl.name));
		add(c, "version", str_or_null(d->opencl.version));
		add(c, "compute_units", int_or_null(d->opencl.compute_units));
		add(c, "global_mem_mb", int_or_null(d->opencl.global_mem_mb));
		add(o, "opencl", c);
	}
	if (d->compute_capability)
		add(o, "compute_capability", json_object_new_string(d->compute_capability));
	add(o, "health", json_object_new_string(accel_health_name(d->health)));
	if (d->n_health_reasons)
		add(o, "health_reasons", strv(d->health_reasons, d->n_health_reasons));
	if (d->in_use >= 0)
		add(o, "in_use", json_object_new_boolean(d->in_use));
	if (d->utilization >= 0)
		add(o, "utilization", json_object_new_int(d->utilization));
	add(o, "resource_class", str_or_null(d->resource_class));
	add(o, "traits", strv(d->traits, d->n_traits));
	return o;
}

static int emit(json_object *root, unsigned flags, char **out)
{
	int jflags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;
	char *copy;

	if (flags & ACCEL_JSON_PRETTY)
		jflags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	else
		jflags |= JSON_C_TO_STRING_PLAIN;
	text = json_object_to_json_string_ext(root, jflags);
	copy = text ? strdup(text) : NULL;
	json_object_put(root);
	if (!copy)
		return -ENOMEM;
	*out = copy;
	return 0;
}

int accel_device_to_json(const accel_device *d, unsigned flags, char **out)
{
	json_object *o = device_json(d);

	if (!o)
		return -ENOMEM;
	return emit(o, flags, out);
}

int accel_inventory_to_json(const accel_inventory *inv, unsigned flags, char **out)
{
	json_object *root = json_object_new_object(), *a;
	size_t n;

	if (!root)
		return -ENOMEM;
	add(root, "schema", json_object_new_string(ACCEL_INVENTORY_SCHEMA));
	add(root, "host", json_object_new_string(accel_inventory_host(inv)));
	add(root, "generation", json_object_new_int64((int64_t)accel_inventory_generation(inv)));
	add(root, "collected_at", str_or_null(accel_inventory_collected_at(inv)));

	a = json_object_new_array();
	n = accel_inventory_n_devices(inv);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, device_json(accel_inventory_device(inv, i)));
	add(root, "devices", a);

	a = json_object_new_array();
	n = accel_inventory_n_links(inv);
	for (size_t i = 0; i < n; i++) {
		const accel_link *l = accel_inventory_link(inv, i);
		json_object *o = json_object_new_object();

		add(o, "a", json_object_new_string(l->a));
		add(o, "b", json_object_new_string(l->b));
		add(o, "class", json_object_new_string(accel_link_class_name(l->cls)));
		json_object_array_add(a, o);
	}
	add(root, "links", a);

	n = accel_inventory_n_nics(inv);
	if (n) {
		a = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			const accel_nic *c = accel_inventory_nic(inv, i);
			json_object *o = json_object_new_object();

			add(o, "address", json_object_new_string(c->address));
			add(o, "name", str_or_null(c->name));
			add(o, "driver", str_or_null(c->driver));
			add(o, "numa_node", int_or_null(c->numa_node));
			if (c->cpu_affinity)
				add(o, "cpu_affinity", json_object_new_string(c->cpu_affinity));
			add(o, "pcie", pcie_json(&c->pcie));
			json_object_array_add(a, o);
		}
		add(root, "nics", a);
	}

	n = accel_inventory_n_host_opencl(inv);
	if (n) {
		a = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			const accel_host_opencl *h = accel_inventory_host_opencl(inv, i);
			json_object *o = json_object_new_object();

			add(o, "platform", str_or_null(h->platform));
			add(o, "name", str_or_null(h->name));
			add(o, "version", str_or_null(h->version));
			add(o, "type", str_or_null(h->type));
			add(o, "compute_units", int_or_null(h->compute_units));
			add(o, "global_mem_mb", int_or_null(h->global_mem_mb));
			json_object_array_add(a, o);
		}
		add(root, "host_opencl", a);
	}

	n = accel_inventory_n_warnings(inv);
	if (n) {
		a = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			const accel_warning *w = accel_inventory_warning(inv, i);
			json_object *o = json_object_new_object();

			add(o, "path", json_object_new_string(w->path));
			add(o, "message", json_object_new_string(w->message));
			json_object_array_add(a, o);
		}
		add(root, "warnings", a);
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

static int parse_pcie(struct rd *r, json_object *o, accel_pcie *p)
{
	json_object *sub;
	int64_t x = 0;
	int rc;

	if ((rc = get(r, o, "pcie", json_type_object, &sub)) || !sub)
		return rc;
	if ((rc = parse_speed(r, sub, "speed", &p->speed_dgts)) ||
	    (rc = parse_speed(r, sub, "max_speed", &p->max_speed_dgts)) ||
	    (rc = get_int(r, sub, "width", 1, 32, &x)))
		return rc;
	p->width = (int)x;
	x = 0;
	if ((rc = get_int(r, sub, "max_width", 1, 32, &x)))
		return rc;
	p->max_width = (int)x;
	if ((rc = get_strv(r, sub, "upstream", &p->upstream, &p->n_upstream)) ||
	    (rc = get_str(r, sub, "host_bridge", false, &p->host_bridge)))
		return rc;
	return 0;
}

static int parse_nic(struct rd *r, json_object *o, accel_inventory *inv)
{
	accel_nic *c;
	char *addr = NULL;
	int64_t x = -1;
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
	if ((rc = get_str(r, o, "name", false, &c->name)) ||
	    (rc = get_str(r, o, "driver", false, &c->driver)) ||
	    (rc = get_str(r, o, "cpu_affinity", false, &c->cpu_affinity)) ||
	    (rc = get_int(r, o, "numa_node", 0, 4095, &x)))
		return rc;
	c->numa_node = (int)x;
	return parse_pcie(r, o, &c->pcie);
}

static int parse_device(struct rd *r, json_object *o, accel_inventory *inv)
{
	json_object *v, *sub;
	accel_device *d;
	char *addr = NULL;
	int64_t x;
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

	if ((rc = get(r, o, "kind", json_type_string, &v)))
		return rc;
	if (!v || (d->kind = accel_kind_from_name(json_object_get_string(v))) == ACCEL_KIND_NONE)
		return BAD(r, "%s.kind: expected gpu, fpga, npu, accel or display", r->where);
	if ((rc = get_hex(r, o, "vendor_id", 4, &d->vendor_id)) ||
	    (rc = get_hex(r, o, "device_id", 4, &d->device_id)) ||
	    (rc = get_hex(r, o, "subsystem_vendor_id", 4, &d->subsystem_vendor_id)) ||
	    (rc = get_hex(r, o, "subsystem_device_id", 4, &d->subsystem_device_id)) ||
	    (rc = get_hex(r, o, "class", 6, &d->class_code)) ||
	    (rc = get_hex(r, o, "revision", 2, &d->revision)) ||
	    (rc = get_str(r, o, "vendor", false, &d->vendor)) ||
	    (rc = get_str(r, o, "vendor_name", false, &d->vendor_name)) ||
	    (rc = get_str(r, o, "model", false, &d->model)) ||
	    (rc = get_str(r, o, "architecture", false, &d->architecture)) ||
	    (rc = get_str(r, o, "driver", false, &d->driver)) ||
	    (rc = get_str(r, o, "cpu_affinity", false, &d->cpu_affinity)) ||
	    (rc = get_str(r, o, "accel_node", false, &d->accel_node)) ||
	    (rc = get_str(r, o, "compute_capability", false, &d->compute_capability)) ||
	    (rc = get_str(r, o, "resource_class", false, &d->resource_class)) ||
	    (rc = get_strv(r, o, "traits", &d->traits, &d->n_traits)) ||
	    (rc = get_strv(r, o, "health_reasons", &d->health_reasons, &d->n_health_reasons)))
		return rc;
	x = -1;
	if ((rc = get_int(r, o, "numa_node", 0, 4095, &x)))
		return rc;
	d->numa_node = (int)x;
	x = -1;
	if ((rc = get_int(r, o, "iommu_group", 0, INT32_MAX, &x)))
		return rc;
	d->iommu_group = (int)x;
	if ((rc = get_int(r, o, "memory_mb", 0, INT64_MAX / 2, &d->memory_mb)))
		return rc;
	x = -1;
	if ((rc = get_int(r, o, "utilization", 0, 100, &x)))
		return rc;
	d->utilization = (int)x;
	if ((rc = get(r, o, "in_use", json_type_boolean, &v)))
		return rc;
	if (v)
		d->in_use = json_object_get_boolean(v) ? 1 : 0;
	if ((rc = get(r, o, "health", json_type_string, &v)))
		return rc;
	if (v) {
		const char *h = json_object_get_string(v);

		if (!strcmp(h, "ok"))
			d->health = ACCEL_HEALTH_OK;
		else if (!strcmp(h, "degraded"))
			d->health = ACCEL_HEALTH_DEGRADED;
		else if (!strcmp(h, "failed"))
			d->health = ACCEL_HEALTH_FAILED;
		else
			return BAD(r, "%s.health: expected ok, degraded or failed", r->where);
	}

	if ((rc = parse_pcie(r, o, &d->pcie)))
		return rc;
	if ((rc = get(r, o, "sriov", json_type_object, &sub)))
		return rc;
	if (sub) {
		d->sriov.known = true;
		x = -1;
		if ((rc = get_int(r, sub, "total_vfs", 0, 65535, &x)))
			return rc;
		d->sriov.total_vfs = (int)x;
		x = -1;
		if ((rc = get_int(r, sub, "num_vfs", 0, 65535, &x)))
			return rc;
		d->sriov.num_vfs = (int)x;
		if ((rc = get_str(r, sub, "physfn", false, &d->sriov.physfn)) ||
		    (rc = get_strv(r, sub, "vfs", &d->sriov.vfs, &d->sriov.n_vfs)))
			return rc;
	}
	if ((rc = get(r, o, "mdev_types", json_type_array, &sub)))
		return rc;
	if (sub) {
		size_t n = json_object_array_length(sub);

		if (n > ACCEL_MAX_LIST)
			return accel_err_set(r->err, -E2BIG, "%s.mdev_types: too many", r->where);
		d->mdev_types = calloc(n ? n : 1, sizeof(*d->mdev_types));
		if (!d->mdev_types)
			return accel_err_set(r->err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			json_object *t = json_object_array_get_idx(sub, i);
			accel_mdev_type *m = &d->mdev_types[i];

			m->available = -1;
			m->created = -1;
			d->n_mdev_types++;
			if (!json_object_is_type(t, json_type_object))
				return BAD(r, "%s.mdev_types[%zu]: expected object", r->where, i);
			x = -1;
			if ((rc = get_str(r, t, "id", true, &m->id)) ||
			    (rc = get_str(r, t, "name", false, &m->name)) ||
			    (rc = get_str(r, t, "device_api", false, &m->device_api)) ||
			    (rc = get_int(r, t, "available", 0, INT32_MAX, &x)))
				return rc;
			m->available = (int)x;
			x = -1;
			if ((rc = get_int(r, t, "created", 0, INT32_MAX, &x)))
				return rc;
			m->created = (int)x;
		}
	}
	if ((rc = get(r, o, "drm", json_type_object, &sub)))
		return rc;
	if (sub && ((rc = get_str(r, sub, "card", false, &d->drm.card)) ||
		    (rc = get_str(r, sub, "render", false, &d->drm.render)) ||
		    (rc = get_str(r, sub, "driver", false, &d->drm.driver)) ||
		    (rc = get_str(r, sub, "version", false, &d->drm.version))))
		return rc;
	if ((rc = get(r, o, "opencl", json_type_object, &sub)))
		return rc;
	if (sub) {
		d->opencl.present = true;
		x = -1;
		if ((rc = get_str(r, sub, "platform", false, &d->opencl.platform)) ||
		    (rc = get_str(r, sub, "name", false, &d->opencl.name)) ||
		    (rc = get_str(r, sub, "version", false, &d->opencl.version)) ||
		    (rc = get_int(r, sub, "compute_units", 0, INT32_MAX, &x)) ||
		    (rc = get_int(r, sub, "global_mem_mb", 0, INT64_MAX / 2,
				  &d->opencl.global_mem_mb)))
			return rc;
		d->opencl.compute_units = (int)x;
	}
	return 0;
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

int accel_inventory_from_json(const char *text, size_t len, accel_inventory **out,
			      accel_err *err)
{
	json_object *root;
	struct rd r = { .err = err };
	int rc;

	accel_err_clear(err);
	rc = accel_json_parse(text, len, ACCEL_MAX_JSON_BYTES, "document", &root, err);
	if (rc)
		return rc;
	rc = parse_root(&r, root, out);
	json_object_put(root);
	return rc;
}
