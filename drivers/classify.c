/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Classification: which vendor driver claims each PCI function, and then,
 * once the backends ran, the resource class and traits of each device in
 * the vocabulary of common/vocab.c (DESIGN.md, Placement).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/model.h>
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
const struct accel_vendor_driver *accel_claim(const struct scan_fn *f, const accel_model **model,
					      accel_kind *kind)
{
	bool known_vendor = false;

	for (size_t i = 0; accel_vendor_drivers[i]; i++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[i];
		const accel_model *m;
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
		       const accel_model *m, accel_kind kind)
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
	if ((r = accel_device_set(&d->vendor, accel_vendor_short(drv))))
		return scan_fail(s, r, "out of memory");
	name = drv->models ? drv->models->vendor_name : drv->vendor_name;
	if (!name)
		name = accel_pci_name(s, f->vendor_id, -1, buf, sizeof(buf));
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
		const accel_model *m = NULL;
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

void accel_finish_device(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;

	(void)s;
	/* A table row describes the physical function: an SR-IOV virtual
	 * function with the same device id has a slice of it, size unknown. */
	if (d->sriov.physfn && f->model && d->memory_mb == f->model->memory_mb)
		d->memory_mb = -1;
	/* the vocabulary's (common/vocab.c); a trait that does not fit is
	 * left out, as any other detail the scan could not record */
	(void)accel_vocab_encode(d, f->model ? f->model->model : NULL);
}
