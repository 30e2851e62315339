/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel FPGA cards driven by the kernel's dfl-pci (Device Feature List):
 * the Programmable Acceleration Cards and the OFS-based platforms of Intel
 * (PCI vendor 8086) and Silicom's N5010/N5011 (PCI vendor 1c2c). Only the
 * ids dfl-pci binds are claimed, physical and virtual functions alike: a
 * VF carries one port (AFU) of the card and is assigned on its own.
 */
#include "../scan.h"

#define PCI_VENDOR_INTEL	   0x8086
#define PCI_VENDOR_SILICOM_DENMARK 0x1c2c

#define FPGA(dev, name, arch)                                                                      \
	{                                                                                          \
		.device_id = (dev), .kind = ACCEL_KIND_FPGA, .model = (name), .memory_mb = -1,     \
		.architecture = (arch)                                                             \
	}
#define FPGA_SUB(dev, sd, name, arch)                                                              \
	{                                                                                          \
		.device_id = (dev), .subsys_vendor = PCI_VENDOR_INTEL, .subsys_device = (sd),      \
		.kind = ACCEL_KIND_FPGA, .model = (name), .memory_mb = -1, .architecture = (arch)  \
	}

/*
 * Where each row was verified: drivers/fpga/dfl-pci.c (cci_pcie_id_tbl,
 * Linux 6.x) and Documentation/fpga/dfl.rst's PCI id table:
 *   8086:bcbd/bcbf  PF/VF_INT_5_X    8086:bcc0/bcc1  PF/VF_INT_6_X
 *   8086:09c4/09c5  PF/VF_DSC_1_X    8086:0b30       INTEL_PAC_N3000
 *   8086:0b2b/0b2c  PAC_D5005/_VF    1c2c:1000/1001  SILICOM_PAC_N5010/N5011
 *   8086:bcce/bccf  INTEL_DFL/_VF, told apart by subsystem 8086:138d
 *                   (D5005), 8086:1770 (N6000), 8086:1771 (N6001),
 *                   8086:17d4 (C6100).
 * Names follow pci.ids 2026.05.24 where it has the id ("PAC with Intel
 * Arria 10 GX FPGA", "PAC with Intel Stratix 10 SX FPGA [FPGA PAC
 * D5005]", "SmartNIC N5010 4x100Gb") and dfl-pci's macro names otherwise.
 * Architecture is the FPGA family where pci.ids or the product name gives
 * it, NULL otherwise. On-card memory is not a schedulable property of
 * these cards and no row claims one.
 */
static const struct accel_model intel_fpga_models[] = {
	FPGA(0x09c4, "PAC Arria 10 GX", "Arria 10"),
	FPGA(0x09c5, "PAC Arria 10 GX VF", "Arria 10"),
	FPGA(0x0b2b, "PAC D5005", "Stratix 10"),
	FPGA(0x0b2c, "PAC D5005 VF", "Stratix 10"),
	FPGA(0x0b30, "PAC N3000", NULL),
	FPGA(0xbcbd, "Integrated FPGA (DFL 5.x)", NULL),
	FPGA(0xbcbf, "Integrated FPGA VF (DFL 5.x)", NULL),
	FPGA(0xbcc0, "Integrated FPGA (DFL 6.x)", NULL),
	FPGA(0xbcc1, "Integrated FPGA VF (DFL 6.x)", NULL),
	FPGA(0xbcce, "DFL FPGA (OFS)", NULL),
	FPGA_SUB(0xbcce, 0x138d, "PAC D5005 (OFS)", "Stratix 10"),
	FPGA_SUB(0xbcce, 0x1770, "N6000", NULL),
	FPGA_SUB(0xbcce, 0x1771, "N6001", NULL),
	FPGA_SUB(0xbcce, 0x17d4, "C6100", NULL),
	FPGA(0xbccf, "DFL FPGA VF (OFS)", NULL),
	FPGA_SUB(0xbccf, 0x1770, "N6000 VF", NULL),
	FPGA_SUB(0xbccf, 0x1771, "N6001 VF", NULL),
	FPGA_SUB(0xbccf, 0x17d4, "C6100 VF", NULL),
	/* Silicom Denmark (1c2c) */
	FPGA(0x1000, "SmartNIC N5010", NULL),
	FPGA(0x1001, "SmartNIC N5011", NULL),
};

static const uint16_t intel_fpga_vendors[] = {PCI_VENDOR_INTEL, PCI_VENDOR_SILICOM_DENMARK, 0};

/* The PCI vendor a row belongs to: 8086:1000 is an Intel NIC, not N5010. */
static int row_vendor(const struct accel_model *m)
{
	if (m->device_id == 0x1000 || m->device_id == 0x1001)
		return PCI_VENDOR_SILICOM_DENMARK;
	return PCI_VENDOR_INTEL;
}

static accel_kind intel_fpga_claim(const struct scan_fn *f, const struct accel_model *m)
{
	if (!m || row_vendor(m) != f->vendor_id)
		return ACCEL_KIND_NONE;
	return m->kind;
}

const struct accel_vendor_driver accel_vendor_intel_fpga = {
	.name = "intel-fpga",
	.vendor = "intel",
	.vendor_name = NULL, /* Intel or Silicom: pci.ids names each */
	.pci_vendors = intel_fpga_vendors,
	.models = intel_fpga_models,
	.n_models = sizeof(intel_fpga_models) / sizeof(intel_fpga_models[0]),
	.claim = intel_fpga_claim,
};
