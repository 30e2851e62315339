/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NVIDIA's model table (PCI vendor 10de): data-center and workstation GPUs.
 * Which functions are accelerators, and what the machine adds (VRAM read
 * from the driver), is the vendor driver's business: drivers/hwvendor/.
 */
#include <accel/model.h>

#define GB(n) ((int64_t)(n)*1024)

#define GPU(dev, name, mb, arch, cc)                                                               \
	{                                                                                          \
		.vendor_id = 0x10de, .device_id = (dev), .kind = ACCEL_KIND_GPU, .model = (name),  \
		.memory_mb = (mb), .architecture = (arch), .compute_capability = (cc)              \
	}
#define GPU_SUB(dev, sv, sd, name, mb, arch, cc)                                                   \
	{                                                                                          \
		.vendor_id = 0x10de, .device_id = (dev), .subsys_vendor = (sv),                    \
		.subsys_device = (sd), .kind = ACCEL_KIND_GPU, .model = (name), .memory_mb = (mb), \
		.architecture = (arch), .compute_capability = (cc)                                 \
	}

/*
 * Where each row was verified:
 *  - ids and names: pci.ids 2026.05.24 (github pciutils/pciids) and the
 *    supported-GPU table of NVIDIA's open-gpu-kernel-modules README (device
 *    id plus subsystem, e.g. "NVIDIA A16 | 25B6 10DE 14A9");
 *  - memory: the capacity in the product name (pci.ids or NVIDIA's name),
 *    otherwise NVIDIA's product datasheets and spec sheets. Boards that carry several GPUs
 *    (K80, M10, M60, A16) show one PCI function per GPU, so the row gives the
 *    memory of one GPU, not of the board;
 *  - compute capability: NVIDIA's CUDA GPU list (by chip: GF10x 2.0, GK110B
 *    3.5, GK210 3.7, GM107 5.0, GM20x 5.2, GP100 6.0, GP10x 6.1, GV100 7.0,
 *    TU10x 7.5, GA100 8.0, GA10x 8.6, AD10x 8.9, GH100 9.0, GB100 10.0,
 *    GB202 12.0).
 * Architecture is NVIDIA's generation name ("Ampere", "Ada Lovelace", ...).
 * Left out: parts whose memory depends on an unlisted SKU are kept with -1
 * (M40, H20, GH200 120GB/480GB, B200, GB200); parts named only by code
 * (PG506-*, GA100 engineering ids) are left to pci.ids.
 */
static const accel_model rows[] = {
	/* Fermi */
	GPU(0x06d2, "Tesla M2070", GB(6), "Fermi", "2.0"),
	GPU(0x1094, "Tesla M2075", GB(6), "Fermi", "2.0"),
	/* Kepler */
	GPU(0x1023, "Tesla K40m", GB(12), "Kepler", "3.5"),
	GPU(0x102d, "Tesla K80", GB(12), "Kepler", "3.7"),
	/* Maxwell */
	GPU(0x13bd, "Tesla M10", GB(8), "Maxwell", "5.0"),
	GPU(0x13f2, "Tesla M60", GB(8), "Maxwell", "5.2"),
	GPU(0x17fd, "Tesla M40", -1, "Maxwell", "5.2"),
	/* Pascal */
	GPU(0x15f7, "Tesla P100 PCIe 12GB", GB(12), "Pascal", "6.0"),
	GPU(0x15f8, "Tesla P100 PCIe 16GB", GB(16), "Pascal", "6.0"),
	GPU(0x15f9, "Tesla P100 SXM2 16GB", GB(16), "Pascal", "6.0"),
	GPU(0x1b38, "Tesla P40", GB(24), "Pascal", "6.1"),
	GPU(0x1bb3, "Tesla P4", GB(8), "Pascal", "6.1"),
	/* Volta */
	GPU(0x1db1, "Tesla V100 SXM2 16GB", GB(16), "Volta", "7.0"),
	GPU(0x1db2, "Tesla V100 DGXS 16GB", GB(16), "Volta", "7.0"),
	GPU(0x1db3, "Tesla V100 FHHL 16GB", GB(16), "Volta", "7.0"),
	GPU(0x1db4, "Tesla V100 PCIe 16GB", GB(16), "Volta", "7.0"),
	GPU(0x1db5, "Tesla V100 SXM2 32GB", GB(32), "Volta", "7.0"),
	GPU(0x1db6, "Tesla V100 PCIe 32GB", GB(32), "Volta", "7.0"),
	GPU(0x1db7, "Tesla V100 DGXS 32GB", GB(32), "Volta", "7.0"),
	GPU(0x1db8, "Tesla V100 SXM3 32GB", GB(32), "Volta", "7.0"),
	GPU(0x1dba, "Quadro GV100", GB(32), "Volta", "7.0"),
	GPU(0x1df5, "Tesla V100 SXM2 16GB", GB(16), "Volta", "7.0"),
	GPU(0x1df6, "Tesla V100S PCIe 32GB", GB(32), "Volta", "7.0"),
	/* Turing */
	GPU(0x1e30, "Quadro RTX 6000/8000", -1, "Turing", "7.5"),
	GPU_SUB(0x1e30, 0x10de, 0x129e, "Quadro RTX 8000", GB(48), "Turing", "7.5"),
	GPU_SUB(0x1e30, 0x10de, 0x12ba, "Quadro RTX 6000", GB(24), "Turing", "7.5"),
	GPU(0x1e78, "Quadro RTX 6000/8000", -1, "Turing", "7.5"),
	GPU_SUB(0x1e78, 0x10de, 0x13d8, "Quadro RTX 8000", GB(48), "Turing", "7.5"),
	GPU_SUB(0x1e78, 0x10de, 0x13d9, "Quadro RTX 6000", GB(24), "Turing", "7.5"),
	GPU(0x1eb8, "Tesla T4", GB(16), "Turing", "7.5"),
	/* Ampere */
	GPU(0x20b0, "A100 SXM4 40GB", GB(40), "Ampere", "8.0"),
	GPU(0x20b1, "A100 PCIe 40GB", GB(40), "Ampere", "8.0"),
	GPU(0x20b2, "A100 SXM4 80GB", GB(80), "Ampere", "8.0"),
	GPU(0x20b3, "A100 SXM 64GB", GB(64), "Ampere", "8.0"),
	GPU(0x20b5, "A100 80GB PCIe", GB(80), "Ampere", "8.0"),
	GPU(0x20b7, "A30", GB(24), "Ampere", "8.0"),
	GPU(0x20bd, "A800 SXM4 40GB", GB(40), "Ampere", "8.0"),
	GPU(0x20f1, "A100 PCIe 40GB", GB(40), "Ampere", "8.0"),
	GPU(0x20f3, "A800 SXM4 80GB", GB(80), "Ampere", "8.0"),
	GPU(0x20f5, "A800 80GB PCIe", GB(80), "Ampere", "8.0"),
	GPU(0x20f6, "A800 40GB PCIe", GB(40), "Ampere", "8.0"),
	GPU(0x2230, "RTX A6000", GB(48), "Ampere", "8.6"),
	GPU(0x2231, "RTX A5000", GB(24), "Ampere", "8.6"),
	GPU(0x2235, "A40", GB(48), "Ampere", "8.6"),
	GPU(0x2236, "A10", GB(24), "Ampere", "8.6"),
	GPU(0x2237, "A10G", GB(24), "Ampere", "8.6"),
	/* One id for both boards; each A16 GPU, like the A2, has 16 GB. */
	GPU(0x25b6, "A2/A16", GB(16), "Ampere", "8.6"),
	GPU_SUB(0x25b6, 0x10de, 0x14a9, "A16", GB(16), "Ampere", "8.6"),
	GPU_SUB(0x25b6, 0x10de, 0x157e, "A2", GB(16), "Ampere", "8.6"),
	/* Ada Lovelace */
	GPU(0x26b1, "RTX 6000 Ada", GB(48), "Ada Lovelace", "8.9"),
	GPU(0x26b2, "RTX 5000 Ada", GB(32), "Ada Lovelace", "8.9"),
	GPU(0x26b5, "L40", GB(48), "Ada Lovelace", "8.9"),
	GPU(0x26b9, "L40S", GB(48), "Ada Lovelace", "8.9"),
	GPU(0x26ba, "L20", -1, "Ada Lovelace", "8.9"),
	GPU(0x27b1, "RTX 4500 Ada", GB(24), "Ada Lovelace", "8.9"),
	GPU(0x27b2, "RTX 4000 Ada", GB(20), "Ada Lovelace", "8.9"),
	GPU(0x27b8, "L4", GB(24), "Ada Lovelace", "8.9"),
	/* Hopper */
	GPU(0x2321, "H100 NVL 94GB", GB(94), "Hopper", "9.0"),
	GPU(0x2322, "H800 PCIe 80GB", GB(80), "Hopper", "9.0"),
	GPU(0x2324, "H800 80GB", GB(80), "Hopper", "9.0"),
	GPU(0x2329, "H20", -1, "Hopper", "9.0"),
	GPU(0x2330, "H100 SXM5 80GB", GB(80), "Hopper", "9.0"),
	GPU(0x2331, "H100 PCIe 80GB", GB(80), "Hopper", "9.0"),
	GPU(0x2335, "H200 SXM 141GB", GB(141), "Hopper", "9.0"),
	GPU(0x2337, "H100 SXM5 64GB", GB(64), "Hopper", "9.0"),
	GPU(0x2338, "H100 SXM5 96GB", GB(96), "Hopper", "9.0"),
	GPU(0x2339, "H100 SXM5 94GB", GB(94), "Hopper", "9.0"),
	GPU(0x233a, "H800 NVL 94GB", GB(94), "Hopper", "9.0"),
	GPU(0x233b, "H200 NVL 141GB", GB(141), "Hopper", "9.0"),
	GPU(0x233d, "H100 96GB", GB(96), "Hopper", "9.0"),
	GPU(0x2342, "GH200", -1, "Hopper", "9.0"),
	GPU(0x2348, "GH200 144GB HBM3e", GB(144), "Hopper", "9.0"),
	/* Blackwell */
	GPU(0x2901, "B200", -1, "Blackwell", "10.0"),
	GPU(0x2941, "GB200", -1, "Blackwell", "10.0"),
	GPU(0x2bb1, "RTX PRO 6000 Blackwell Workstation", GB(96), "Blackwell", "12.0"),
	GPU(0x2bb4, "RTX PRO 6000 Blackwell Max-Q", GB(96), "Blackwell", "12.0"),
	GPU(0x2bb5, "RTX PRO 6000 Blackwell Server", GB(96), "Blackwell", "12.0"),
};

const accel_model_table accel_models_nvidia = {
	.vendor = "nvidia",
	.vendor_name = "NVIDIA Corporation",
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
};
