/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Habana Labs (Intel Gaudi) AI accelerators, PCI vendor 1da3.
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define ACC(dev, name, mb, arch)                                                                   \
	{                                                                                          \
		.vendor_id = 0x1da3, .device_id = (dev), .kind = ACCEL_KIND_ACCEL,                 \
		.model = (name), .memory_mb = (mb), .architecture = (arch)                         \
	}
#define ACC_SUB(dev, sv, sd, name, mb, arch)                                                       \
	{                                                                                          \
		.vendor_id = 0x1da3, .device_id = (dev), .subsys_vendor = (sv),                    \
		.subsys_device = (sd), .kind = ACCEL_KIND_ACCEL, .model = (name),                  \
		.memory_mb = (mb), .architecture = (arch)                                          \
	}

/*
 * Where each row was verified:
 *  - ids: the habanalabs driver's PCI table (habanalabs_drv.c: GOYA 0001,
 *    GRECO_ADDIN 0030, GAUDI 1000, GAUDI_HL2000M 1001, GAUDI_SEC 1010,
 *    GAUDI_HL2000M_SEC 1011, GAUDI2 1020, GAUDI2_HL_288 1021, GAUDI3 1060,
 *    GAUDI3_SINGLE_DIE 1062, GAUDI3_HL_338 1063) and pci.ids 2026.05.24
 *    ("HL-2000 AI Training Accelerator [Gaudi secured]", "Gaudi3 AI
 *    Training Accelerator Add-In Family", subsystem 1da3:1063 "HL-338
 *    Gaudi3 AI Accelerator PCIe Add-In Card");
 *  - memory: Intel's Gaudi documentation (32 GB on first-generation
 *    Gaudi, 96 GB on Gaudi 2, 128 GB on Gaudi 3). Goya, Greco and the
 *    single-die Gaudi3 part have no verified capacity: -1.
 * Architecture is the chip generation ("Goya", "Greco", "Gaudi",
 * "Gaudi2", "Gaudi3"). The *_SEC ids are the same chips with secured
 * firmware. FPGA bring-up ids (ff08, ff0d) are left out.
 */
static const accel_model rows[] = {
	ACC(0x0001, "Goya HL-1000", -1, "Goya"),
	ACC(0x0030, "Greco", -1, "Greco"),
	ACC(0x1000, "Gaudi HL-2000", GB(32), "Gaudi"),
	ACC(0x1001, "Gaudi HL-2000M", GB(32), "Gaudi"),
	ACC(0x1010, "Gaudi HL-2000 (secured)", GB(32), "Gaudi"),
	ACC(0x1011, "Gaudi HL-2000M (secured)", GB(32), "Gaudi"),
	ACC(0x1020, "Gaudi2", GB(96), "Gaudi2"),
	ACC(0x1021, "Gaudi2 HL-288", GB(96), "Gaudi2"),
	ACC(0x1060, "Gaudi3", GB(128), "Gaudi3"),
	ACC(0x1062, "Gaudi3 (single die)", -1, "Gaudi3"),
	ACC(0x1063, "Gaudi3 Add-In", GB(128), "Gaudi3"),
	ACC_SUB(0x1063, 0x1da3, 0x1063, "Gaudi3 HL-338", GB(128), "Gaudi3"),
};

const accel_model_table accel_models_habana = {
	.vendor = "habana",
	.vendor_name = "Habana Labs Ltd.",
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
