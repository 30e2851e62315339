/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel FPGA cards driven by the kernel's dfl-pci (Device Feature List):
 * the Programmable Acceleration Cards and the OFS-based platforms of Intel
 * (PCI vendor 8086) and Silicom's N5010/N5011 (PCI vendor 1c2c). Only the
 * ids dfl-pci binds are claimed, physical and virtual functions alike: a
 * VF carries one port (AFU) of the card and is assigned on its own.
 */
#include <accel/model.h>
#include "../scan.h"

#define PCI_VENDOR_INTEL	   0x8086
#define PCI_VENDOR_SILICOM_DENMARK 0x1c2c

static const uint16_t intel_fpga_vendors[] = {PCI_VENDOR_INTEL, PCI_VENDOR_SILICOM_DENMARK, 0};

static accel_kind intel_fpga_claim(const struct scan_fn *f, const accel_model *m)
{
	(void)f;
	/* rows name their vendor: 8086:1000 is an Intel NIC, not N5010 */
	return m ? m->kind : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_intel_fpga = {
	.name = "intel-fpga",
	.pci_vendors = intel_fpga_vendors,
	.models = &accel_models_intel_fpga, /* common/models/intel_fpga.c */
	.claim = intel_fpga_claim,
};
