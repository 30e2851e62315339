/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Huawei Ascend NPUs, PCI vendor 19e5. Only the Ascend ids are claimed:
 * the rest of 19e5 is NICs (Hi1822), SSDs, RAID controllers and the iBMC's
 * management functions, its VGA included.
 */
#include <accel/model.h>
#include "../scan.h"

static const uint16_t huawei_vendors[] = {0x19e5, 0};

static accel_kind huawei_claim(const struct scan_fn *f, const accel_model *m)
{
	(void)f;
	return m ? m->kind : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_huawei = {
	.name = "huawei",
	.pci_vendors = huawei_vendors,
	.models = &accel_models_huawei, /* common/models/huawei.c */
	.claim = huawei_claim,
};
