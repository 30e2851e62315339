/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD/Xilinx Alveo and Versal cards (PCI vendor 10ee): the user PF is the
 * FPGA; the management PF's row has kind NONE (a companion, not listed).
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define USER(dev, name, mb, arch)                                                                  \
	{                                                                                          \
		.vendor_id = 0x10ee, .device_id = (dev), .kind = ACCEL_KIND_FPGA, .model = (name), \
		.memory_mb = (mb), .architecture = (arch)                                          \
	}
#define MGMT(dev, name, arch)                                                                      \
	{                                                                                          \
		.vendor_id = 0x10ee, .device_id = (dev), .kind = ACCEL_KIND_NONE, .model = (name), \
		.memory_mb = -1, .architecture = (arch)                                            \
	}

/*
 * Where each row was verified:
 *  - ids and the management/user split: XRT's xocl/devices.h
 *    (XOCL_MGMT_PCI_IDS, XOCL_USER_XDMA_PCI_IDS and XOCL_DSA_DYNAMIC_MAP,
 *    which names each pair: 5000/5001 "xilinx_u200", 5004/5005
 *    "xilinx_u250", 500c/500d "xilinx_u280", 5020/5021 "xilinx_u50",
 *    5014 "xilinx_u250_qep", 5044/5045 "xilinx_vck5000-es1", 5048/5049
 *    "xilinx_vck5000", 5094/5095 "xilinx_v70", 5078/5079 "xilinx_v65",
 *    XBB_MFG "u280-es1" for 5008/5009, U55N/U55C/U50LV/U50C_*_RAPTOR2 for
 *    5058/5059, 505c/505d, 5060/5061, 506c/506d) and pci.ids 2026.05.24
 *    ("Alveo U250", "Alveo U55C", "Alveo U200 XDMA Platform", ...);
 *  - memory: AMD's Alveo documentation (UG1393 "HBM Configuration and
 *    Use": U50 8 GB and U55C 16 GB HBM2; U280 32 GB DDR4 + 8 GB HBM2,
 *    given as the sum; U200/U250 64 GB DDR4). Others -1.
 * Architecture is the FPGA family: "UltraScale+" (Virtex UltraScale+
 * parts of the U-series) or "Versal".
 * Left out: QDMA-shell ids (5010/5011, 5018/5019, 501c/501d) whose board
 * XRT does not name, and the SmartNIC/video cards (U25, U26, U30, X3522)
 * which are not compute accelerators; golden (recovery) images d0xx keep
 * their pci.ids names.
 */
static const accel_model rows[] = {
	MGMT(0x5000, "Alveo U200 (management)", "UltraScale+"),
	USER(0x5001, "Alveo U200", GB(64), "UltraScale+"),
	MGMT(0x5004, "Alveo U250 (management)", "UltraScale+"),
	USER(0x5005, "Alveo U250", GB(64), "UltraScale+"),
	MGMT(0x5008, "Alveo U280-ES1 (management)", "UltraScale+"),
	USER(0x5009, "Alveo U280-ES1", -1, "UltraScale+"),
	MGMT(0x500c, "Alveo U280 (management)", "UltraScale+"),
	USER(0x500d, "Alveo U280", GB(40), "UltraScale+"),
	MGMT(0x5014, "Alveo U250 QEP (management)", "UltraScale+"),
	USER(0x5015, "Alveo U250 QEP", GB(64), "UltraScale+"),
	MGMT(0x5020, "Alveo U50 (management)", "UltraScale+"),
	USER(0x5021, "Alveo U50", GB(8), "UltraScale+"),
	MGMT(0x5044, "VCK5000-ES1 (management)", "Versal"),
	USER(0x5045, "VCK5000-ES1", -1, "Versal"),
	MGMT(0x5048, "VCK5000 (management)", "Versal"),
	USER(0x5049, "VCK5000", -1, "Versal"),
	MGMT(0x5058, "Alveo U55N (management)", "UltraScale+"),
	USER(0x5059, "Alveo U55N", -1, "UltraScale+"),
	MGMT(0x505c, "Alveo U55C (management)", "UltraScale+"),
	USER(0x505d, "Alveo U55C", GB(16), "UltraScale+"),
	MGMT(0x5060, "Alveo U50LV (management)", "UltraScale+"),
	USER(0x5061, "Alveo U50LV", -1, "UltraScale+"),
	MGMT(0x506c, "Alveo U50C (management)", "UltraScale+"),
	USER(0x506d, "Alveo U50C", -1, "UltraScale+"),
	MGMT(0x5078, "V65 (management)", "Versal"),
	USER(0x5079, "V65", -1, "Versal"),
	MGMT(0x5094, "Alveo V70 (management)", "Versal"),
	USER(0x5095, "Alveo V70", -1, "Versal"),
};

const accel_model_table accel_models_xilinx = {
	.vendor = "xilinx",
	.vendor_name = "Xilinx Corporation",
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
