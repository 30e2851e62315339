/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NVIDIA (PCI vendor 10de): every display-class function is a GPU. Audio
 * functions (0403), NVSwitch bridges (0680), USB and UCSI controllers of
 * Turing cards are not accelerators and are not claimed.
 *
 * The model table lists data-center and workstation parts. Where it names
 * nothing, the model comes from pci.ids at run time.
 */
#include <accel/model.h>
#include "../scan.h"

static const uint16_t nvidia_vendors[] = {0x10de, 0};

/* A table row is a GPU whatever class its function reports. */
static accel_kind nvidia_claim(const struct scan_fn *f, const accel_model *m)
{
	if (m)
		return m->kind;
	return ACCEL_CLASS_IS_DISPLAY(f->class_code) ? ACCEL_KIND_GPU : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_nvidia = {
	.name = "nvidia",
	.pci_vendors = nvidia_vendors,
	.models = &accel_models_nvidia, /* common/models/nvidia.c */
	.claim = nvidia_claim,
};
