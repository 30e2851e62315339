/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Habana Labs (Intel Gaudi) AI accelerators, PCI vendor 1da3. Every 1da3
 * function of class 1200 (processing accelerator) is one, and so is every
 * id of the table whatever class it reports.
 */
#include <accel/model.h>
#include "../scan.h"

static const uint16_t habana_vendors[] = {0x1da3, 0};

static accel_kind habana_claim(const struct scan_fn *f, const accel_model *m)
{
	if (m || ACCEL_CLASS_IS_PROCESSING(f->class_code))
		return ACCEL_KIND_ACCEL;
	return ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_habana = {
	.name = "habana",
	.pci_vendors = habana_vendors,
	.models = &accel_models_habana, /* common/models/habana.c */
	.claim = habana_claim,
};
