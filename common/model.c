/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor model tables (common/models/, one file per vendor) and the
 * lookup by PCI ids that discovery and the scheduler share.
 */
#include <errno.h>

#include <accel/model.h>

/* The order of drivers/hwvendor/registry.c: of two tables with a row for
 * the same ids, the first names it. */
static const accel_model_table *const tables[] = {
	&accel_models_nvidia, &accel_models_amd,    &accel_models_intel,  &accel_models_intel_fpga,
	&accel_models_xilinx, &accel_models_habana, &accel_models_huawei,
};

/* How well row m fits a subsystem: -1 not at all, 0 a row for any
 * subsystem, 1 a row naming one of the two ids, 2 a row naming both. */
static int subsys_fit(const accel_model *m, int subsys_vendor, int subsys_device)
{
	int score = 0;

	if (m->subsys_vendor) {
		if (m->subsys_vendor != subsys_vendor)
			return -1;
		score++;
	}
	if (m->subsys_device) {
		if (m->subsys_device != subsys_device)
			return -1;
		score++;
	}
	return score;
}

const accel_model *accel_model_find(const accel_model_table *t, int vendor_id, int device_id,
				    int subsys_vendor, int subsys_device)
{
	const accel_model *best = NULL;
	int best_fit = -1;

	if (!t || vendor_id < 0 || device_id < 0)
		return NULL;
	for (size_t i = 0; i < t->n_rows; i++) {
		const accel_model *m = &t->rows[i];
		int fit;

		if (m->device_id != device_id || m->vendor_id != vendor_id)
			continue;
		fit = subsys_fit(m, subsys_vendor, subsys_device);
		if (fit > best_fit) {
			best = m;
			best_fit = fit;
		}
	}
	return best;
}

int accel_model_by_id(int vendor_id, int device_id, accel_model_info *out)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		/* rows for a subsystem never match an unknown one */
		const accel_model *m = accel_model_find(tables[i], vendor_id, device_id, -1, -1);

		if (!m || m->kind == ACCEL_KIND_NONE)
			continue;
		out->kind = m->kind;
		out->vendor = tables[i]->vendor;
		out->model = m->model;
		out->memory_mb = m->memory_mb;
		out->architecture = m->architecture;
		out->compute_capability = m->compute_capability;
		return 0;
	}
	return -ENOENT;
}
