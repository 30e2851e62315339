/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel's model table (PCI vendor 8086): GPUs, NPUs and Xeon Phi
 * coprocessors. Intel's FPGA cards are in intel_fpga.c.
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define ROW(dev, k, name, mb, arch)                                                                \
	{                                                                                          \
		.vendor_id = 0x8086, .device_id = (dev), .kind = (k), .model = (name),             \
		.memory_mb = (mb), .architecture = (arch)                                          \
	}
#define GPU(dev, name, mb, arch) ROW(dev, ACCEL_KIND_GPU, name, mb, arch)
#define NPU(dev, name, arch)	 ROW(dev, ACCEL_KIND_NPU, name, -1, arch)
#define PHI(dev, name, mb, arch) ROW(dev, ACCEL_KIND_ACCEL, name, mb, arch)

/*
 * Where each row was verified:
 *  - GPU ids and names: pci.ids 2026.05.24 (github pciutils/pciids):
 *    "Ponte Vecchio XT (2 Tile) [Data Center GPU Max 1550]" and the like;
 *  - GPU memory: Intel's launch specifications (Max 1550 128 GB, Max 1350
 *    96 GB, Max 1100 48 GB HBM2e; Flex 170 16 GB). Flex 140 carries two
 *    GPUs sharing 12 GB and Max 1450, 1550VG and 1100C have no published
 *    per-id capacity: -1;
 *  - NPU ids: drivers/accel/ivpu/ivpu_drv.h (PCI_DEVICE_ID_MTL 7d1d,
 *    ARL ad1d, LNL 643e, PTL_P b03e, WCL fd3e) and the IP generation each
 *    maps to (ivpu_hw_ip_gen: 37xx, 40xx, 50xx). NPUs use system memory;
 *  - Xeon Phi ids and names: pci.ids; memory from Intel's Xeon Phi
 *    coprocessor specifications (5110P/5120D 8 GB, 3120A/P 6 GB, 31S1 8 GB;
 *    the SE10/7120 series mixes 8 and 16 GB parts under one id: -1).
 * Architecture is Intel's microarchitecture name: "Xe-HPC", "Xe-HPG",
 * "NPU 37xx" (ivpu's generation), "Knights Corner", "Knights Landing".
 */
static const accel_model rows[] = {
	/* Data Center GPU Max (Ponte Vecchio) */
	GPU(0x0b69, "Data Center GPU Max 1450", -1, "Xe-HPC"),
	GPU(0x0b6e, "Data Center GPU Max 1100C", -1, "Xe-HPC"),
	GPU(0x0bd4, "Data Center GPU Max 1550VG", -1, "Xe-HPC"),
	GPU(0x0bd5, "Data Center GPU Max 1550", GB(128), "Xe-HPC"),
	GPU(0x0bd6, "Data Center GPU Max 1550", GB(128), "Xe-HPC"),
	GPU(0x0bd7, "Data Center GPU Max 1350", GB(96), "Xe-HPC"),
	GPU(0x0bd8, "Data Center GPU Max 1350", GB(96), "Xe-HPC"),
	GPU(0x0bd9, "Data Center GPU Max 1100", GB(48), "Xe-HPC"),
	GPU(0x0bda, "Data Center GPU Max 1100", GB(48), "Xe-HPC"),
	GPU(0x0bdb, "Data Center GPU Max 1100", GB(48), "Xe-HPC"),
	/* Data Center GPU Flex (Arctic Sound-M) */
	GPU(0x56c0, "Data Center GPU Flex 170", GB(16), "Xe-HPG"),
	GPU(0x56c1, "Data Center GPU Flex 140", -1, "Xe-HPG"),
	/* NPUs (intel_vpu) */
	NPU(0x7d1d, "Meteor Lake NPU", "NPU 37xx"),
	NPU(0xad1d, "Arrow Lake NPU", "NPU 37xx"),
	NPU(0x643e, "Lunar Lake NPU", "NPU 40xx"),
	NPU(0xb03e, "Panther Lake NPU", "NPU 50xx"),
	NPU(0xfd3e, "Wildcat Lake NPU", "NPU 50xx"),
	/* Xeon Phi coprocessors (class 0b40) */
	PHI(0x2250, "Xeon Phi 5100", GB(8), "Knights Corner"),
	PHI(0x225c, "Xeon Phi SE10/7120", -1, "Knights Corner"),
	PHI(0x225d, "Xeon Phi 3120", GB(6), "Knights Corner"),
	PHI(0x225e, "Xeon Phi 31S1", GB(8), "Knights Corner"),
	PHI(0x2262, "Xeon Phi 7220", -1, "Knights Landing"),
};

const accel_model_table accel_models_intel = {
	.vendor = "intel",
	.vendor_name = "Intel Corporation",
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
