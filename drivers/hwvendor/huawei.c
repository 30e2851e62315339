/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Huawei Ascend NPUs, PCI vendor 19e5. Only the Ascend ids are claimed:
 * the rest of 19e5 is NICs (Hi1822), SSDs, RAID controllers and the iBMC's
 * management functions, its VGA included.
 */
#include "../scan.h"

#define GB(n) ((int64_t)(n)*1024)

#define NPU(dev, name, mb)                                                                         \
	{                                                                                          \
		.device_id = (dev), .kind = ACCEL_KIND_NPU, .model = (name), .memory_mb = (mb),    \
		.architecture = "Da Vinci"                                                         \
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
static const struct accel_model huawei_models[] = {
	NPU(0xd100, "Ascend 310", -1),	   NPU(0xd500, "Ascend 310P", -1),
	NPU(0xd801, "Ascend 910", GB(32)), NPU(0xd802, "Ascend 910B", -1),
	NPU(0xd803, "Ascend 910_93", -1),
};

static const uint16_t huawei_vendors[] = {0x19e5, 0};

static accel_kind huawei_claim(const struct scan_fn *f, const struct accel_model *m)
{
	(void)f;
	return m ? m->kind : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_huawei = {
	.name = "huawei",
	.vendor = "huawei",
	.vendor_name = "Huawei Technologies Co., Ltd.",
	.pci_vendors = huawei_vendors,
	.models = huawei_models,
	.n_models = sizeof(huawei_models) / sizeof(huawei_models[0]),
	.claim = huawei_claim,
};
