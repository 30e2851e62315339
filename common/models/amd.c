/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD's model table: Radeon and Instinct GPUs (PCI vendor 1002) and the
 * XDNA NPUs of Ryzen AI processors (PCI vendor 1022).
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define GPU(dev, name, mb, arch)                                                                   \
	{                                                                                          \
		.vendor_id = 0x1002, .device_id = (dev), .kind = ACCEL_KIND_GPU, .model = (name),  \
		.memory_mb = (mb), .architecture = (arch)                                          \
	}
#define NPU(dev, name, arch)                                                                       \
	{                                                                                          \
		.vendor_id = 0x1022, .device_id = (dev), .kind = ACCEL_KIND_NPU, .model = (name),  \
		.memory_mb = -1, .architecture = (arch)                                            \
	}

/*
 * Where each row was verified:
 *  - ids and names: pci.ids 2026.05.24 (github pciutils/pciids) and
 *    libdrm's data/amdgpu.ids (device, revision, marketing name); 74b6 is
 *    in amdgpu.ids only;
 *  - memory and architecture: ROCm's "AMD GPU specifications" table
 *    (docs/reference/gpu-specs.rst: VRAM and LLVM target per product);
 *    MI308X from a real `rocm-smi --showmeminfo vram` (192 GiB, shared
 *    realdata msswift-8xmi308x); Radeon VII from a real clinfo (kct-radeon-vii).
 *    An MI250/MI250X module has two GCDs, each its own PCI function with
 *    half of the module's 128 GiB (rccl-16gcd-mi250: 16 functions 740c);
 *  - NPUs: drivers/accel/amdxdna/amdxdna_pci_drv.c (1502 npu1; 17f0 is
 *    npu2, npu4, npu5 or npu6 by revision, so it has no architecture).
 * Architecture is the LLVM target (gfx...) for GPUs, the amdxdna device
 * name for NPUs.
 * Vega 20 ids name several products told apart only by PCI revision
 * (66a1 rev 02 is MI50/MI60, rev 06 Radeon Pro VII), which a row cannot
 * express: their rows name the family and leave memory unknown. Virtual
 * functions and HF parts keep memory -1 (their share is not a product spec).
 */
static const accel_model rows[] = {
	/* GCN 5.1 (Vega 20) */
	GPU(0x66a0, "Vega 20 (Radeon Pro/Instinct)", -1, "gfx906"),
	GPU(0x66a1, "Instinct MI50/MI60 / Radeon Pro VII", -1, "gfx906"),
	GPU(0x66af, "Radeon VII", GB(16), "gfx906"),
	/* CDNA */
	GPU(0x738c, "Instinct MI100", GB(32), "gfx908"),
	GPU(0x738e, "Instinct MI100", GB(32), "gfx908"),
	/* CDNA 2: one row per GCD */
	GPU(0x7408, "Instinct MI250X", GB(64), "gfx90a"),
	GPU(0x740c, "Instinct MI250X/MI250", GB(64), "gfx90a"),
	GPU(0x740f, "Instinct MI210", GB(64), "gfx90a"),
	/* CDNA 3 */
	GPU(0x74a0, "Instinct MI300A", GB(128), "gfx942"),
	GPU(0x74a1, "Instinct MI300X", GB(192), "gfx942"),
	GPU(0x74a2, "Instinct MI308X", GB(192), "gfx942"),
	GPU(0x74a5, "Instinct MI325X", GB(256), "gfx942"),
	GPU(0x74a9, "Instinct MI300X HF", -1, "gfx942"),
	GPU(0x74b5, "Instinct MI300X VF", -1, "gfx942"),
	GPU(0x74b6, "Instinct MI308X", -1, "gfx942"),
	GPU(0x74b9, "Instinct MI325X VF", -1, "gfx942"),
	GPU(0x74bd, "Instinct MI300X HF", -1, "gfx942"),
	/* CDNA 4 */
	GPU(0x75a0, "Instinct MI350X", GB(288), "gfx950"),
	GPU(0x75a3, "Instinct MI355X", GB(288), "gfx950"),
	/* RDNA 2/3/4 workstation and cloud parts */
	GPU(0x73a1, "Radeon Pro V620", -1, "gfx1030"),
	GPU(0x73a3, "Radeon Pro W6800", -1, "gfx1030"),
	GPU(0x7448, "Radeon Pro W7900", GB(48), "gfx1100"),
	GPU(0x7449, "Radeon Pro W7800 48GB", GB(48), "gfx1100"),
	GPU(0x744a, "Radeon Pro W7900 Dual Slot", GB(48), "gfx1100"),
	GPU(0x745e, "Radeon Pro W7800", GB(32), "gfx1100"),
	GPU(0x7460, "Radeon Pro V710", GB(28), "gfx1101"),
	GPU(0x7461, "Radeon Pro V710 MxGPU", -1, "gfx1101"),
	GPU(0x7470, "Radeon Pro W7700", GB(16), "gfx1101"),
	GPU(0x7551, "Radeon AI PRO R9700", GB(32), "gfx1201"),
	/* XDNA NPUs, vendor 1022 */
	NPU(0x1502, "Ryzen AI NPU", "npu1"),
	NPU(0x17f0, "Ryzen AI NPU (Strix/Krackan/Strix Halo)", NULL),
};

const accel_model_table accel_models_amd = {
	.vendor = "amd",
	.vendor_name = NULL, /* two PCI vendors: pci.ids names each */
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
