/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The list of vendor drivers and the model-table lookup they share.
 * Adding a vendor is one file in this folder and one line here.
 */
#include <errno.h>
#include <string.h>

#include <accel/discovery.h>
#include "../scan.h"

/* Order matters only for generic, which speaks for vendors no one lists and
 * so must come last. Drivers that share a PCI vendor (intel, intel-fpga)
 * claim disjoint functions. */
const struct accel_vendor_driver *const accel_vendor_drivers[] = {
	&accel_vendor_nvidia,	  &accel_vendor_amd,	 &accel_vendor_intel,
	&accel_vendor_intel_fpga, &accel_vendor_xilinx,	 &accel_vendor_habana,
	&accel_vendor_huawei,	  &accel_vendor_generic, NULL,
};

static bool driver_lists(const struct accel_vendor_driver *drv, int vendor)
{
	if (!drv->pci_vendors || !drv->pci_vendors[0])
		return true; /* an empty list is any vendor */
	for (const uint16_t *v = drv->pci_vendors; *v; v++)
		if (*v == vendor)
			return true;
	return false;
}

/* How well row m fits f's subsystem: -1 not at all, 0 a row for any
 * subsystem, 1 a row naming one of the two ids, 2 a row naming both. */
static int subsys_fit(const struct accel_model *m, const struct scan_fn *f)
{
	int score = 0;

	if (m->subsys_vendor) {
		if (m->subsys_vendor != f->subsys_vendor)
			return -1;
		score++;
	}
	if (m->subsys_device) {
		if (m->subsys_device != f->subsys_device)
			return -1;
		score++;
	}
	return score;
}

/*
 * The row of drv's table for f: among the rows with f's device id, the one
 * naming most of f's subsystem ids wins; among equals, the first. A row
 * with a subsystem never matches a function whose subsystem is unknown
 * (-1). NULL when no row fits, drv lists another vendor, or f's ids are
 * unknown. The row is borrowed from the static table.
 */
const struct accel_model *accel_model_lookup(const struct accel_vendor_driver *drv,
					     const struct scan_fn *f)
{
	const struct accel_model *best = NULL;
	int best_fit = -1;

	if (!drv || !f || !drv->models || f->vendor_id < 0 || f->device_id < 0)
		return NULL;
	if (!driver_lists(drv, f->vendor_id))
		return NULL;
	for (size_t i = 0; i < drv->n_models; i++) {
		const struct accel_model *m = &drv->models[i];
		int fit;

		if (m->device_id != f->device_id)
			continue;
		fit = subsys_fit(m, f);
		if (fit > best_fit) {
			best = m;
			best_fit = fit;
		}
	}
	return best;
}

int accel_model_by_id(int vendor_id, int device_id, accel_model_info *out)
{
	struct scan_fn f;

	memset(&f, 0, sizeof(f));
	f.vendor_id = vendor_id;
	f.device_id = device_id;
	f.subsys_vendor = f.subsys_device = -1; /* rows for a subsystem never match */
	f.class_code = -1;
	for (const struct accel_vendor_driver *const *d = accel_vendor_drivers; *d; d++) {
		const struct accel_model *m;

		if (!(*d)->pci_vendors || !(*d)->pci_vendors[0])
			continue; /* generic speaks for any vendor, and has no table */
		m = accel_model_lookup(*d, &f);
		if (!m || m->kind == ACCEL_KIND_NONE)
			continue;
		out->kind = m->kind;
		out->vendor = (*d)->vendor;
		out->model = m->model;
		out->memory_mb = m->memory_mb;
		out->architecture = m->architecture;
		out->compute_capability = m->compute_capability;
		return 0;
	}
	return -ENOENT;
}
