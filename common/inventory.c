/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory model: ownership, builders and lookups. The JSON form is in
 * inventory_json.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/inventory.h>
#include <accel/util.h>

struct accel_inventory {
	char *host;
	uint64_t generation;
	char *collected_at;
	accel_device **devices; /* pointers: stable while the array grows */
	size_t n_devices, cap_devices;
	accel_link *links;
	size_t n_links, cap_links;
	accel_nic **nics;
	size_t n_nics, cap_nics;
	accel_host_opencl **host_opencl;
	size_t n_host_opencl, cap_host_opencl;
	accel_warnings warnings;
};

/* Grow *arr (of elem-sized items) to hold one more; -E2BIG past limit. */
int accel_grow(void *arrp, size_t *cap, size_t n, size_t elem, size_t limit)
{
	void **arr = arrp;
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= limit)
		return -E2BIG;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > limit)
		ncap = limit;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int accel_device_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value) {
		if (strlen(value) > ACCEL_MAX_STRING)
			return -E2BIG;
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

int accel_strv_add(char ***v, size_t *n, const char *s)
{
	return accel_strv_add_max(v, n, s, ACCEL_MAX_LIST);
}

int accel_strv_add_max(char ***v, size_t *n, const char *s, size_t max)
{
	char **nv;
	char *copy;

	if (*n >= max)
		return -E2BIG;
	if (strlen(s) > ACCEL_MAX_STRING)
		return -E2BIG;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

void accel_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int accel_device_add_trait(accel_device *d, const char *trait)
{
	if (accel_device_has_trait(d, trait))
		return 0;
	return accel_strv_add(&d->traits, &d->n_traits, trait);
}

bool accel_device_has_trait(const accel_device *d, const char *trait)
{
	for (size_t i = 0; i < d->n_traits; i++)
		if (strcmp(d->traits[i], trait) == 0)
			return true;
	return false;
}

int accel_device_add_health_reason(accel_device *d, accel_health h, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (h > d->health)
		d->health = h;
	return accel_strv_add(&d->health_reasons, &d->n_health_reasons, buf);
}

static void pcie_free(accel_pcie *p)
{
	accel_strv_free(p->upstream, p->n_upstream);
	free(p->host_bridge);
}

static void device_free(accel_device *d)
{
	if (!d)
		return;
	free(d->vendor);
	free(d->vendor_name);
	free(d->model);
	free(d->architecture);
	free(d->driver);
	free(d->cpu_affinity);
	pcie_free(&d->pcie);
	free(d->sriov.physfn);
	accel_strv_free(d->sriov.vfs, d->sriov.n_vfs);
	for (size_t i = 0; i < d->n_mdev_types; i++) {
		free(d->mdev_types[i].id);
		free(d->mdev_types[i].name);
		free(d->mdev_types[i].device_api);
	}
	free(d->mdev_types);
	free(d->drm.card);
	free(d->drm.render);
	free(d->drm.driver);
	free(d->drm.version);
	free(d->accel_node);
	free(d->opencl.platform);
	free(d->opencl.name);
	free(d->opencl.version);
	free(d->compute_capability);
	accel_strv_free(d->health_reasons, d->n_health_reasons);
	free(d->resource_class);
	accel_strv_free(d->traits, d->n_traits);
	free(d);
}

static void nic_free(accel_nic *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->driver);
	free(n->cpu_affinity);
	pcie_free(&n->pcie);
	free(n);
}

static void host_opencl_free(accel_host_opencl *h)
{
	if (!h)
		return;
	free(h->platform);
	free(h->name);
	free(h->version);
	free(h->type);
	free(h);
}

int accel_inventory_new(accel_inventory **out, const char *host)
{
	accel_inventory *inv = calloc(1, sizeof(*inv));

	if (!inv)
		return -ENOMEM;
	inv->generation = 1;
	if (accel_device_set(&inv->host, host ? host : "")) {
		free(inv);
		return -ENOMEM;
	}
	*out = inv;
	return 0;
}

void accel_inventory_free(accel_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_devices; i++)
		device_free(inv->devices[i]);
	free(inv->devices);
	free(inv->links);
	for (size_t i = 0; i < inv->n_nics; i++)
		nic_free(inv->nics[i]);
	free(inv->nics);
	for (size_t i = 0; i < inv->n_host_opencl; i++)
		host_opencl_free(inv->host_opencl[i]);
	free(inv->host_opencl);
	accel_warnings_free(&inv->warnings);
	free(inv->host);
	free(inv->collected_at);
	free(inv);
}

const char *accel_inventory_host(const accel_inventory *inv)
{
	return inv->host;
}

uint64_t accel_inventory_generation(const accel_inventory *inv)
{
	return inv->generation;
}

void accel_inventory_set_generation(accel_inventory *inv, uint64_t gen)
{
	inv->generation = gen;
}

const char *accel_inventory_collected_at(const accel_inventory *inv)
{
	return inv->collected_at;
}

int accel_inventory_set_collected_at(accel_inventory *inv, const char *ts)
{
	return accel_device_set(&inv->collected_at, ts);
}

size_t accel_inventory_n_devices(const accel_inventory *inv)
{
	return inv->n_devices;
}

const accel_device *accel_inventory_device(const accel_inventory *inv, size_t i)
{
	return i < inv->n_devices ? inv->devices[i] : NULL;
}

/* Parse 1..maxd hex digits at *p; advance *p. */
static bool hex_field(const char **p, int maxd, unsigned long *out)
{
	unsigned long v = 0;
	int n = 0;

	while (n < maxd &&
	       ((**p >= '0' && **p <= '9') || ((**p | 0x20) >= 'a' && (**p | 0x20) <= 'f'))) {
		char c = (char)(**p | 0x20);

		v = v * 16 + (unsigned long)(c <= '9' ? c - '0' : c - 'a' + 10);
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0;
}

/* Accept "dddd:bb:dd.f" or "bb:dd.f"; write the canonical lower-case form. */
int accel_pci_addr_normalize(const char *in, char out[ACCEL_ADDR_MAX])
{
	unsigned long f[3], fn, dom = 0;
	const char *p = in;
	int n = 0;

	if (!in)
		return -EINVAL;
	/* up to three colon-separated fields, then ".f" */
	while (n < 3) {
		if (!hex_field(&p, 8, &f[n]))
			return -EINVAL;
		n++;
		if (*p != ':')
			break;
		p++;
	}
	if (*p != '.' || n < 2)
		return -EINVAL;
	p++;
	if (*p < '0' || *p > '7' || p[1] != '\0')
		return -EINVAL;
	fn = (unsigned long)(*p - '0');
	if (n == 3)
		dom = f[0];
	if (dom > 0x7fffffff || f[n - 2] > 0xff || f[n - 1] > 0x1f)
		return -EINVAL;
	snprintf(out, ACCEL_ADDR_MAX, "%04lx:%02lx:%02lx.%lu", dom, f[n - 2], f[n - 1], fn);
	return 0;
}

const accel_device *accel_inventory_find(const accel_inventory *inv, const char *address)
{
	char norm[ACCEL_ADDR_MAX];

	if (accel_pci_addr_normalize(address, norm))
		return NULL;
	for (size_t i = 0; i < inv->n_devices; i++)
		if (strcmp(inv->devices[i]->address, norm) == 0)
			return inv->devices[i];
	return NULL;
}

size_t accel_inventory_n_links(const accel_inventory *inv)
{
	return inv->n_links;
}

const accel_link *accel_inventory_link(const accel_inventory *inv, size_t i)
{
	return i < inv->n_links ? &inv->links[i] : NULL;
}

accel_link_class accel_inventory_link_class(const accel_inventory *inv, const char *a,
					    const char *b)
{
	char na[ACCEL_ADDR_MAX], nb[ACCEL_ADDR_MAX];

	if (accel_pci_addr_normalize(a, na) || accel_pci_addr_normalize(b, nb))
		return ACCEL_LINK_UNKNOWN;
	for (size_t i = 0; i < inv->n_links; i++) {
		const accel_link *l = &inv->links[i];

		if ((!strcmp(l->a, na) && !strcmp(l->b, nb)) ||
		    (!strcmp(l->a, nb) && !strcmp(l->b, na)))
			return l->cls;
	}
	return ACCEL_LINK_UNKNOWN;
}

size_t accel_inventory_n_nics(const accel_inventory *inv)
{
	return inv->n_nics;
}

const accel_nic *accel_inventory_nic(const accel_inventory *inv, size_t i)
{
	return i < inv->n_nics ? inv->nics[i] : NULL;
}

int accel_inventory_add_nic(accel_inventory *inv, const char *address, accel_nic **out)
{
	accel_nic *n;
	char norm[ACCEL_ADDR_MAX];
	int r;

	if (accel_pci_addr_normalize(address, norm))
		return -EINVAL;
	r = accel_grow(&inv->nics, &inv->cap_nics, inv->n_nics, sizeof(*inv->nics),
		       ACCEL_MAX_DEVICES);
	if (r)
		return r;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	memcpy(n->address, norm, sizeof(n->address));
	n->numa_node = -1;
	inv->nics[inv->n_nics++] = n;
	*out = n;
	return 0;
}

size_t accel_inventory_n_host_opencl(const accel_inventory *inv)
{
	return inv->n_host_opencl;
}

const accel_host_opencl *accel_inventory_host_opencl(const accel_inventory *inv, size_t i)
{
	return i < inv->n_host_opencl ? inv->host_opencl[i] : NULL;
}

size_t accel_inventory_n_warnings(const accel_inventory *inv)
{
	return inv->warnings.n;
}

const accel_warning *accel_inventory_warning(const accel_inventory *inv, size_t i)
{
	return i < inv->warnings.n ? &inv->warnings.v[i] : NULL;
}

int accel_inventory_add_device(accel_inventory *inv, const char *address, accel_device **out)
{
	accel_device *d;
	char norm[ACCEL_ADDR_MAX];
	int r;

	if (accel_pci_addr_normalize(address, norm))
		return -EINVAL;
	if (accel_inventory_find(inv, norm))
		return -EEXIST;
	r = accel_grow(&inv->devices, &inv->cap_devices, inv->n_devices, sizeof(*inv->devices),
		       ACCEL_MAX_DEVICES);
	if (r)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d->address, norm, sizeof(d->address));
	d->vendor_id = d->device_id = -1;
	d->subsystem_vendor_id = d->subsystem_device_id = -1;
	d->class_code = d->revision = -1;
	d->numa_node = d->iommu_group = -1;
	d->memory_mb = -1;
	d->sriov.total_vfs = d->sriov.num_vfs = -1;
	d->opencl.compute_units = -1;
	d->opencl.global_mem_mb = -1;
	d->in_use = -1;
	d->utilization = -1;
	inv->devices[inv->n_devices++] = d;
	*out = d;
	return 0;
}

int accel_inventory_add_link(accel_inventory *inv, const char *a, const char *b,
			     accel_link_class cls)
{
	accel_link *l;
	char na[ACCEL_ADDR_MAX], nb[ACCEL_ADDR_MAX];
	int r;

	if (accel_pci_addr_normalize(a, na) || accel_pci_addr_normalize(b, nb))
		return -EINVAL;
	/* n devices give n(n-1)/2 links */
	r = accel_grow(&inv->links, &inv->cap_links, inv->n_links, sizeof(*inv->links),
		       (size_t)ACCEL_MAX_DEVICES * (ACCEL_MAX_DEVICES - 1) / 2);
	if (r)
		return r;
	l = &inv->links[inv->n_links++];
	/* one order for a pair, so that documents compare equal */
	memcpy(l->a, strcmp(na, nb) <= 0 ? na : nb, sizeof(l->a));
	memcpy(l->b, strcmp(na, nb) <= 0 ? nb : na, sizeof(l->b));
	l->cls = cls;
	return 0;
}

int accel_inventory_add_host_opencl(accel_inventory *inv, accel_host_opencl **out)
{
	accel_host_opencl *h;
	int r;

	r = accel_grow(&inv->host_opencl, &inv->cap_host_opencl, inv->n_host_opencl,
		       sizeof(*inv->host_opencl), ACCEL_MAX_LIST);
	if (r)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->compute_units = -1;
	h->global_mem_mb = -1;
	inv->host_opencl[inv->n_host_opencl++] = h;
	*out = h;
	return 0;
}

int accel_inventory_add_warning(accel_inventory *inv, const char *path, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = accel_warnings_vadd(&inv->warnings, path, fmt, ap);
	va_end(ap);
	return r;
}

static int cmp_dev(const void *a, const void *b)
{
	const accel_device *const *da = a, *const *db = b;

	return strcmp((*da)->address, (*db)->address);
}

static int cmp_nic(const void *a, const void *b)
{
	const accel_nic *const *na = a, *const *nb = b;

	return strcmp((*na)->address, (*nb)->address);
}

static int cmp_link(const void *a, const void *b)
{
	const accel_link *la = a, *lb = b;
	int c = strcmp(la->a, lb->a);

	return c ? c : strcmp(la->b, lb->b);
}

void accel_inventory_sort(accel_inventory *inv)
{
	if (inv->n_devices > 1)
		qsort(inv->devices, inv->n_devices, sizeof(*inv->devices), cmp_dev);
	if (inv->n_nics > 1)
		qsort(inv->nics, inv->n_nics, sizeof(*inv->nics), cmp_nic);
	if (inv->n_links > 1)
		qsort(inv->links, inv->n_links, sizeof(*inv->links), cmp_link);
}

static const char *const kind_names[] = {
	[ACCEL_KIND_NONE] = "none", [ACCEL_KIND_GPU] = "gpu",	  [ACCEL_KIND_FPGA] = "fpga",
	[ACCEL_KIND_NPU] = "npu",   [ACCEL_KIND_ACCEL] = "accel", [ACCEL_KIND_DISPLAY] = "display",
};

const char *accel_kind_name(accel_kind k)
{
	if ((unsigned)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "none";
	return kind_names[k];
}

accel_kind accel_kind_from_name(const char *s)
{
	for (size_t i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (s && strcmp(s, kind_names[i]) == 0)
			return (accel_kind)i;
	return ACCEL_KIND_NONE;
}

const char *accel_health_name(accel_health h)
{
	switch (h) {
	case ACCEL_HEALTH_OK:
		return "ok";
	case ACCEL_HEALTH_DEGRADED:
		return "degraded";
	case ACCEL_HEALTH_FAILED:
		return "failed";
	}
	return "failed";
}

static const char *const link_names[] = {
	[ACCEL_LINK_UNKNOWN] = "unknown", [ACCEL_LINK_PIX] = "PIX",   [ACCEL_LINK_PXB] = "PXB",
	[ACCEL_LINK_PHB] = "PHB",	  [ACCEL_LINK_NODE] = "NODE", [ACCEL_LINK_SYS] = "SYS",
};

const char *accel_link_class_name(accel_link_class c)
{
	if ((unsigned)c >= sizeof(link_names) / sizeof(link_names[0]))
		return "unknown";
	return link_names[c];
}

accel_link_class accel_link_class_from_name(const char *s)
{
	for (size_t i = 1; i < sizeof(link_names) / sizeof(link_names[0]); i++)
		if (s && strcmp(s, link_names[i]) == 0)
			return (accel_link_class)i;
	return ACCEL_LINK_UNKNOWN;
}

const char *accel_speed_str(int dgts, char *buf, size_t cap)
{
	if (dgts <= 0)
		return NULL;
	snprintf(buf, cap, "%d.%d GT/s", dgts / 10, dgts % 10);
	return buf;
}
