/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Huawei Ascend NPUs, PCI vendor 19e5.
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define NPU(dev, name, mb)                                                                         \
	{                                                                                          \
		.vendor_id = 0x19e5, .device_id = (dev), .kind = ACCEL_KIND_NPU, .model = (name),  \
		.memory_mb = (mb), .architecture = "Da Vinci"                                      \
	}

/*
 * Where each row was verified: pci.ids has no Ascend ids, so Huawei's own
 * ascend-deployer (card_map: (vendor, device, subsystem) -> product, and
 * the software scene each product installs):
 *   19e5:d100  Atlas 300 inference (model 3000/3010)  -> Ascend 310
 *   19e5:d500  Atlas 300I Pro / 300I Duo              -> Ascend 310P
 *   19e5:d801  Atlas 300T training (model 9000)       -> Ascend 910
 *   19e5:d802  Atlas 900T, 300T A2, 300I A2, 800I A2  -> Ascend 910B ("a910b")
 *   19e5:d803  Atlas 900 A3 SuperPoD, 800I A3         -> Ascend 910_93 ("a910_93")
 * Memory: 32 GB HBM2 per Ascend 910 (Huawei's Ascend 910 specification).
 * 310, 310P, 910B and 910_93 come with several capacities under one id
 * (910B4 32 GB, 910B1-B3 64 GB; 300I Pro 24 GB, 300I Duo 48 or 96 GB per
 * card of two chips): -1. Architecture: Huawei's "Da Vinci" for all.
 * Left out: d105/d107 (Atlas 200I A2 developer kit SoC, Ascend 310B, not a
 * server PCIe device).
 */
static const accel_model rows[] = {
	NPU(0xd100, "Ascend 310", -1),	   NPU(0xd500, "Ascend 310P", -1),
	NPU(0xd801, "Ascend 910", GB(32)), NPU(0xd802, "Ascend 910B", -1),
	NPU(0xd803, "Ascend 910_93", -1),
};

const accel_model_table accel_models_huawei = {
	.vendor = "huawei",
	.vendor_name = "Huawei Technologies Co., Ltd.",
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
