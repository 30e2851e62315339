/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model table of Intel FPGA cards driven by dfl-pci: Intel's (PCI
 * vendor 8086) and Silicom's N5010/N5011 (PCI vendor 1c2c).
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define FPGA(dev, name, arch) FPGA_OF(0x8086, dev, name, arch)
#define FPGA_OF(ven, dev, name, arch)                                                              \
	{                                                                                          \
		.vendor_id = (ven), .device_id = (dev), .kind = ACCEL_KIND_FPGA, .model = (name),  \
		.memory_mb = -1, .architecture = (arch)                                            \
	}
#define FPGA_SUB(dev, sd, name, arch)                                                              \
	{                                                                                          \
		.vendor_id = 0x8086, .device_id = (dev), .subsys_vendor = 0x8086,                  \
		.subsys_device = (sd), .kind = ACCEL_KIND_FPGA, .model = (name), .memory_mb = -1,  \
		.architecture = (arch)                                                             \
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
static const accel_model rows[] = {
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
	FPGA_OF(0x1c2c, 0x1000, "SmartNIC N5010", NULL),
	FPGA_OF(0x1c2c, 0x1001, "SmartNIC N5011", NULL),
};

const accel_model_table accel_models_intel_fpga = {
	.vendor = "intel",
	.vendor_name = NULL, /* Intel or Silicom: pci.ids names each */
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
