/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel (PCI vendor 8086) GPUs, NPUs and Xeon Phi coprocessors: every
 * display-class function is a GPU (Data Center GPU Max and Flex, Arc, and
 * integrated graphics); the NPUs and Xeon Phi cards are known by id. QAT,
 * DSA, NICs and the rest of 8086 are not claimed. Intel's FPGA cards are
 * intel_fpga.c's.
 */
#include <accel/model.h>
#include "../scan.h"

static const uint16_t intel_vendors[] = {0x8086, 0};

static accel_kind intel_claim(const struct scan_fn *f, const accel_model *m)
{
	if (m && m->kind != ACCEL_KIND_NONE)
		return m->kind;
	return ACCEL_CLASS_IS_DISPLAY(f->class_code) ? ACCEL_KIND_GPU : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_intel = {
	.name = "intel",
	.pci_vendors = intel_vendors,
	.models = &accel_models_intel, /* common/models/intel.c */
	.claim = intel_claim,
};
