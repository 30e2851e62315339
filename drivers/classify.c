/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Classification: which vendor driver claims each PCI function, and then,
 * once the backends ran, the resource class and traits of each device
 * (DESIGN.md, Placement).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/util.h>
#include "pcicfg.h"
#include "scan.h"

static bool lists_vendor(const struct accel_vendor_driver *drv, int vendor)
{
	for (const uint16_t *v = drv->pci_vendors; *v; v++)
		if (*v == vendor)
			return true;
	return false;
}

/* A vendor with its own driver is that driver's alone: what it does not
 * claim (an NVIDIA audio function, a Xilinx management PF) is not an
 * accelerator. The generic driver speaks only for vendors nobody knows. */
const struct accel_vendor_driver *accel_claim(const struct scan_fn *f,
					      const struct accel_model **model, accel_kind *kind)
{
	bool known_vendor = false;

	for (size_t i = 0; accel_vendor_drivers[i]; i++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[i];
		const struct accel_model *m;
		accel_kind k;

		if (drv->pci_vendors[0]) {
			if (!lists_vendor(drv, f->vendor_id))
				continue;
			known_vendor = true;
		} else if (known_vendor) {
			continue;
		}
		m = accel_model_lookup(drv, f);
		k = drv->claim(f, m);
		if (k != ACCEL_KIND_NONE) {
			*model = m;
			*kind = k;
			return drv;
		}
	}
	return NULL;
}

/* Upstream bridges from the bus numbers of a dump. */
static int dump_path(struct scan *s, struct scan_fn *f, accel_pcie *p)
{
	const struct scan_fn *top = f;
	char hb[32];
	size_t steps = 0;
	int r;

	for (int i = f->parent; i >= 0 && steps++ < s->n_fns; i = s->fns[i].parent) {
		top = &s->fns[i];
		if ((r = accel_strv_add(&p->upstream, &p->n_upstream, top->addr)))
			return r;
	}
	snprintf(hb, sizeof(hb), "%04x:%02x", top->domain, top->bus);
	return accel_device_set(&p->host_bridge, hb);
}

static int list_device(struct scan *s, struct scan_fn *f, const struct accel_vendor_driver *drv,
		       const struct accel_model *m, accel_kind kind)
{
	accel_device *d;
	char buf[256];
	const char *name;
	int r;

	r = accel_inventory_add_device(s->inv, f->addr, &d);
	if (r == -E2BIG)
		return scan_fail(s, r, "%s: more than %d accelerators",
				 s->dump_mode ? s->ctx->lspci_dump : s->pci_devices_dir,
				 ACCEL_MAX_DEVICES);
	if (r)
		return scan_fail(s, r, "%s: %s", f->addr, accel_strerror(r));
	f->dev = d;
	f->drv = drv;
	f->model = m;
	d->kind = kind;
	d->vendor_id = f->vendor_id;
	d->device_id = f->device_id;
	d->subsystem_vendor_id = f->subsys_vendor;
	d->subsystem_device_id = f->subsys_device;
	d->class_code = f->class_code;
	d->revision = f->revision;
	if ((r = accel_device_set(&d->vendor, drv->vendor)))
		return scan_fail(s, r, "out of memory");
	name = drv->vendor_name ? drv->vendor_name
				: accel_pci_name(s, f->vendor_id, -1, buf, sizeof(buf));
	if ((r = accel_device_set(&d->vendor_name, name)))
		return scan_fail(s, r, "out of memory");
	if (m) {
		r = accel_device_set(&d->model, m->model);
		if (!r)
			r = accel_device_set(&d->architecture, m->architecture);
		if (!r)
			r = accel_device_set(&d->compute_capability, m->compute_capability);
		d->memory_mb = m->memory_mb;
	} else {
		/* Not in the vendor's table: pci.ids names it, if it can. */
		name = accel_pci_name(s, f->vendor_id, f->device_id, buf, sizeof(buf));
		r = accel_device_set(&d->model, name);
	}
	if (!r && s->dump_mode) {
		struct pcicfg_link l;

		/* no sysfs: the link registers of config space (-xxx dumps) */
		if (pcicfg_link(f->config, f->config_len, &l) == 0) {
			d->pcie.speed_dgts = l.speed_dgts;
			d->pcie.width = l.width;
			d->pcie.max_speed_dgts = l.max_speed_dgts;
			d->pcie.max_width = l.max_width;
		}
		r = dump_path(s, f, &d->pcie);
	}
	if (r)
		return scan_fail(s, r, "out of memory");
	return 0;
}

int accel_classify(struct scan *s)
{
	for (size_t i = 0; i < s->n_fns; i++) {
		struct scan_fn *f = &s->fns[i];
		const struct accel_vendor_driver *drv;
		const struct accel_model *m = NULL;
		accel_kind kind = ACCEL_KIND_NONE;
		int r;

		if (f->gone || f->vendor_id < 0)
			continue;
		drv = accel_claim(f, &m, &kind);
		if (!drv)
			continue;
		r = list_device(s, f, drv, m, kind);
		if (r)
			return r;
	}
	return 0;
}

/* ---- resource class and traits ---- */

/* Placement trait names: [A-Z0-9_], at most 255 characters. */
static int add_trait(accel_device *d, const char *prefix, const char *value)
{
	char t[256];
	size_t n = strlen(prefix), i;
	bool us = true;

	if (n >= sizeof(t))
		return -E2BIG;
	memcpy(t, prefix, n);
	for (i = 0; value[i] && n < sizeof(t) - 1; i++) {
		unsigned char c = (unsigned char)value[i];

		if (isalnum(c) && c < 0x80) {
			t[n++] = (char)toupper(c);
			us = false;
		} else if (!us) {
			t[n++] = '_';
			us = true;
		}
	}
	while (n && t[n - 1] == '_')
		n--;
	t[n] = '\0';
	if (n == strlen(prefix))
		return 0; /* nothing left of value */
	return accel_device_add_trait(d, t);
}

/* os-traits (2.9) names where one exists; CUSTOM_ACCEL_* otherwise. */
static const char *const os_cuda_cc[] = {"1_0", "1_1", "1_2", "1_3", "2_0", "2_1", "3_0",
					 "3_2", "3_5", "3_7", "5_0", "5_2", "5_3", "6_0",
					 "6_1", "6_2", "7_0", "7_1", "7_2", NULL};
static const char *const os_opencl[] = {"1_0", "1_1", "1_2", "2_0", "2_1", "2_2", NULL};

static bool in_list(const char *const *l, const char *v)
{
	for (; *l; l++)
		if (!strcmp(*l, v))
			return true;
	return false;
}

/* "8.0" -> "8_0"; false unless "digits.digits". */
static bool version_us(const char *v, char *out, size_t cap)
{
	unsigned maj, min;
	int n = 0;

	if (!v || sscanf(v, "%3u.%3u%n", &maj, &min, &n) != 2 || (v[n] && v[n] != ' '))
		return false;
	snprintf(out, cap, "%u_%u", maj, min);
	return true;
}

static void add_traits(struct scan_fn *f, accel_device *d)
{
	char buf[64], ver[16];

	if (d->vendor && strcmp(d->vendor, "generic"))
		add_trait(d, "CUSTOM_ACCEL_VENDOR_", d->vendor);
	else if (d->vendor_id >= 0) {
		snprintf(buf, sizeof(buf), "%04X", (unsigned)d->vendor_id);
		add_trait(d, "CUSTOM_ACCEL_VENDOR_", buf);
	}
	if (d->vendor_id >= 0 && d->device_id >= 0) {
		snprintf(buf, sizeof(buf), "%04X_%04X", (unsigned)d->vendor_id,
			 (unsigned)d->device_id);
		add_trait(d, "CUSTOM_ACCEL_PRODUCT_", buf);
	}
	if (f->model && f->model->model)
		add_trait(d, "CUSTOM_ACCEL_MODEL_", f->model->model);
	if (d->architecture)
		add_trait(d, "CUSTOM_ACCEL_ARCH_", d->architecture);
	if (version_us(d->compute_capability, ver, sizeof(ver))) {
		snprintf(buf, sizeof(buf), "%s%s",
			 in_list(os_cuda_cc, ver) ? "HW_GPU_CUDA_COMPUTE_CAPABILITY_V"
						  : "CUSTOM_ACCEL_CUDA_COMPUTE_CAPABILITY_V",
			 ver);
		accel_device_add_trait(d, buf);
	}
	/* "OpenCL 3.0 CUDA 12.4.131" */
	if (d->opencl.version && !strncmp(d->opencl.version, "OpenCL ", 7) &&
	    version_us(d->opencl.version + 7, ver, sizeof(ver))) {
		bool os = d->kind == ACCEL_KIND_GPU && in_list(os_opencl, ver);

		snprintf(buf, sizeof(buf), "%s%s",
			 os ? "HW_GPU_API_OPENCL_V" : "CUSTOM_ACCEL_OPENCL_V", ver);
		accel_device_add_trait(d, buf);
	}
	if (d->sriov.total_vfs > 0)
		accel_device_add_trait(d, "CUSTOM_ACCEL_SRIOV");
	if (d->sriov.physfn)
		accel_device_add_trait(d, "CUSTOM_ACCEL_SRIOV_VF");
}

static const char *resource_class(const accel_device *d)
{
	switch (d->kind) {
	case ACCEL_KIND_GPU:
		/* A GPU that hosts mediated devices is shared as vGPUs. */
		return d->n_mdev_types ? "VGPU" : "PGPU";
	case ACCEL_KIND_FPGA:
		return "FPGA";
	case ACCEL_KIND_NPU:
		return "CUSTOM_NPU";
	case ACCEL_KIND_ACCEL:
		return "CUSTOM_ACCEL";
	case ACCEL_KIND_DISPLAY:
	case ACCEL_KIND_NONE:
		break;
	}
	return NULL;
}

void accel_finish_device(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;

	(void)s;
	/* A table row describes the physical function: an SR-IOV virtual
	 * function with the same device id has a slice of it, size unknown. */
	if (d->sriov.physfn && f->model && d->memory_mb == f->model->memory_mb)
		d->memory_mb = -1;
	if (d->kind == ACCEL_KIND_DISPLAY)
		return; /* for people only: no resource class, no traits */
	(void)accel_device_set(&d->resource_class, resource_class(d));
	add_traits(f, d);
}
