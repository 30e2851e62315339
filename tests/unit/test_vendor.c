/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor drivers and their model tables (drivers/hwvendor/): which driver
 * claims a PCI function, as what kind, and which model row describes it.
 * Functions are built by hand from ids seen on real machines (shared
 * realdata: DGX-2, 8x A100/H100, MI300X, Xeon Phi) and from the tables'
 * own sources.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/discovery.h>
#include "scan.h"

static struct scan_fn mkfn(int vendor, int device, int class_code, int sv, int sd)
{
	struct scan_fn f;

	memset(&f, 0, sizeof(f));
	strcpy(f.addr, "0000:17:00.0");
	f.bus = 0x17;
	f.vendor_id = vendor;
	f.device_id = device;
	f.class_code = class_code;
	f.subsys_vendor = sv;
	f.subsys_device = sd;
	f.revision = -1;
	f.header_type = 0;
	f.sec_bus = f.sub_bus = -1;
	f.numa_node = f.iommu_group = -1;
	f.parent = -1;
	return f;
}

/* What classification decides (drivers/classify.c, accel_claim). */
struct verdict {
	const struct accel_vendor_driver *drv;
	const accel_model *model;
	accel_kind kind;
};

static struct verdict classify(const struct scan_fn *f)
{
	struct verdict v = {NULL, NULL, ACCEL_KIND_NONE};

	v.drv = accel_claim(f, &v.model, &v.kind);
	return v;
}

static struct verdict classify_ids(int vendor, int device, int class_code, int sv, int sd)
{
	struct scan_fn f = mkfn(vendor, device, class_code, sv, sd);

	return classify(&f);
}

/* Claimed by `drv` as `kind` with the model row named `model` (NULL: no
 * row, the name comes from pci.ids). */
static void expect(struct verdict v, const struct accel_vendor_driver *drv, accel_kind kind,
		   const char *model)
{
	assert_ptr_equal(v.drv, drv);
	assert_int_equal(v.kind, kind);
	if (model) {
		assert_non_null(v.model);
		assert_string_equal(v.model->model, model);
	} else {
		assert_null(v.model);
	}
}

static void expect_unclaimed(struct verdict v)
{
	assert_null(v.drv);
	assert_int_equal(v.kind, ACCEL_KIND_NONE);
}

static size_t n_drivers(void)
{
	size_t n = 0;

	while (accel_vendor_drivers[n])
		n++;
	return n;
}

static void test_registry(void **state)
{
	size_t n = n_drivers();

	(void)state;
	assert_int_equal(n, 8);
	assert_ptr_equal(accel_vendor_drivers[n - 1], &accel_vendor_generic);
	assert_int_equal(accel_vendor_generic.pci_vendors[0], 0);
	for (size_t i = 0; i + 1 < n; i++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[i];

		assert_non_null(drv->name);
		assert_non_null(accel_vendor_short(drv));
		/* names in one place: a driver with a model table takes them from it */
		assert_true(!drv->models || (!drv->vendor && !drv->vendor_name));
		assert_non_null(drv->claim);
		assert_int_not_equal(drv->pci_vendors[0], 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(accel_vendor_drivers[j]->name, drv->name);
	}
}

static void test_nvidia(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x10de, 0x20b5, 0x030200, 0x10de, 0x1533);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "A100 80GB PCIe");
	assert_int_equal(v.model->memory_mb, 81920);
	assert_string_equal(v.model->architecture, "Ampere");
	assert_string_equal(v.model->compute_capability, "8.0");
	assert_string_equal(accel_vendor_short(v.drv), "nvidia");

	v = classify_ids(0x10de, 0x2330, 0x030200, 0x10de, 0x16c1);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "H100 SXM5 80GB");
	assert_string_equal(v.model->compute_capability, "9.0");

	v = classify_ids(0x10de, 0x2335, 0x030200, 0x10de, 0x18be);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "H200 SXM 141GB");
	assert_int_equal(v.model->memory_mb, 141 * 1024);

	/* DGX-2 (hwloc nvidiaDGX2.xml): Tesla V100-SXM3-32GB-H, 10de:131d. */
	v = classify_ids(0x10de, 0x1db8, 0x030200, 0x10de, 0x131d);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "Tesla V100 SXM3 32GB");
	assert_string_equal(v.model->architecture, "Volta");
	assert_string_equal(v.model->compute_capability, "7.0");

	v = classify_ids(0x10de, 0x06d2, 0x030200, 0x10de, 0x0835);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "Tesla M2070");
	assert_string_equal(v.model->compute_capability, "2.0");

	v = classify_ids(0x10de, 0x26b9, 0x030200, 0x10de, 0x1851);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "L40S");
	assert_string_equal(v.model->architecture, "Ada Lovelace");

	/* A GeForce the table does not know is still a GPU, named by pci.ids. */
	v = classify_ids(0x10de, 0x2684, 0x030000, 0x1043, 0x88e2);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, NULL);
}

static void test_nvidia_not_claimed(void **state)
{
	(void)state;
	/* AD102 HD audio, DGX-2's NVSwitch bridge, a Turing USB controller. */
	expect_unclaimed(classify_ids(0x10de, 0x22ba, 0x040300, 0x10de, 0x16f4));
	expect_unclaimed(classify_ids(0x10de, 0x1ac2, 0x068000, 0, 0));
	expect_unclaimed(classify_ids(0x10de, 0x1ad6, 0x0c0330, 0x10de, 0x12a4));
	/* Not even generic may take an NVIDIA function the driver refused. */
	expect_unclaimed(classify_ids(0x10de, 0x22a3, 0x120000, 0, 0) /* NVSwitch */);
}

static void test_nvidia_subsystem_rows(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x10de, 0x25b6, 0x030200, 0x10de, 0x14a9);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "A16");
	v = classify_ids(0x10de, 0x25b6, 0x030200, 0x10de, 0x157e);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "A2");
	/* An OEM subsystem, or none known: the device-only row. */
	v = classify_ids(0x10de, 0x25b6, 0x030200, 0x1028, 0x1234);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "A2/A16");
	v = classify_ids(0x10de, 0x25b6, 0x030200, -1, -1);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "A2/A16");
	assert_int_equal(v.model->memory_mb, 16384);

	v = classify_ids(0x10de, 0x1e30, 0x030000, 0x10de, 0x129e);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "Quadro RTX 8000");
	assert_int_equal(v.model->memory_mb, 48 * 1024);
	v = classify_ids(0x10de, 0x1e30, 0x030000, 0x10de, 0x12ba);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "Quadro RTX 6000");
	v = classify_ids(0x10de, 0x1e30, 0x030000, 0x103c, 0x129e);
	expect(v, &accel_vendor_nvidia, ACCEL_KIND_GPU, "Quadro RTX 6000/8000");
	assert_int_equal(v.model->memory_mb, -1);
}

/* Subsystem-specific rows win wherever they sit in the table. */
static void test_lookup_prefers_subsystem(void **state)
{
	static const accel_model rows[] = {
		{.vendor_id = 0xabcd,
		 .device_id = 0x1234,
		 .subsys_vendor = 0x1111,
		 .subsys_device = 0x2222,
		 .kind = ACCEL_KIND_GPU,
		 .model = "both",
		 .memory_mb = -1},
		{.vendor_id = 0xabcd, .device_id = 0x1234, .kind = ACCEL_KIND_GPU, .model = "any",
		 .memory_mb = -1},
		{.vendor_id = 0xabcd,
		 .device_id = 0x1234,
		 .subsys_vendor = 0x1111,
		 .kind = ACCEL_KIND_GPU,
		 .model = "vendor only",
		 .memory_mb = -1},
		{.vendor_id = 0xabcd, .device_id = 0x5678, .kind = ACCEL_KIND_GPU, .model = "other",
		 .memory_mb = -1},
	};
	static const accel_model_table table = {.vendor = "t", .rows = rows, .n_rows = 4};
	static const uint16_t vendors[] = {0xabcd, 0};
	const struct accel_vendor_driver drv = {
		.name = "t",
		.pci_vendors = vendors,
		.models = &table,
		.claim = NULL,
	};
	struct scan_fn f = mkfn(0xabcd, 0x1234, 0x030000, 0x1111, 0x2222);

	(void)state;
	assert_string_equal(accel_model_lookup(&drv, &f)->model, "both");
	f.subsys_device = 0x3333;
	assert_string_equal(accel_model_lookup(&drv, &f)->model, "vendor only");
	f.subsys_vendor = 0x4444;
	assert_string_equal(accel_model_lookup(&drv, &f)->model, "any");
	f.subsys_vendor = f.subsys_device = -1;
	assert_string_equal(accel_model_lookup(&drv, &f)->model, "any");
	f.device_id = 0x9999;
	assert_null(accel_model_lookup(&drv, &f));
	f.device_id = -1;
	assert_null(accel_model_lookup(&drv, &f));
	/* Another vendor's function never gets this driver's rows. */
	f = mkfn(0x10de, 0x5678, 0x030000, 0, 0);
	assert_null(accel_model_lookup(&drv, &f));
	assert_null(accel_model_lookup(NULL, &f));
	assert_null(accel_model_lookup(&accel_vendor_generic, &f));
}

static void test_amd(void **state)
{
	struct verdict v;

	(void)state;
	/* MI300X presents itself as a processing accelerator (class 1200). */
	v = classify_ids(0x1002, 0x74a1, 0x120000, 0x1002, 0x74a1);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Instinct MI300X");
	assert_int_equal(v.model->memory_mb, 192 * 1024);
	assert_string_equal(v.model->architecture, "gfx942");
	assert_null(v.model->compute_capability);

	v = classify_ids(0x1002, 0x74a2, 0x120000, 0x1002, 0x74a2);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Instinct MI308X");
	v = classify_ids(0x1002, 0x74a0, 0x120000, 0x1002, 0x74a0);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Instinct MI300A");
	v = classify_ids(0x1002, 0x740c, 0x038000, 0x1002, 0x0b0c);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Instinct MI250X/MI250");
	assert_int_equal(v.model->memory_mb, 64 * 1024);
	v = classify_ids(0x1002, 0x738c, 0x038000, 0x1002, 0x0c34);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Instinct MI100");
	assert_string_equal(v.model->architecture, "gfx908");
	v = classify_ids(0x1002, 0x66af, 0x030000, 0x1002, 0x081e);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, "Radeon VII");
	/* A Radeon the table does not know (HD 7970 in hwloc's x58 box). */
	v = classify_ids(0x1002, 0x6798, 0x030000, 0x174b, 0xe208);
	expect(v, &accel_vendor_amd, ACCEL_KIND_GPU, NULL);
	/* Its HDMI audio is not an accelerator. */
	expect_unclaimed(classify_ids(0x1002, 0xaaa0, 0x040300, 0x174b, 0xaaa0));
}

static void test_amd_npu(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x1022, 0x17f0, 0x118000, 0x1022, 0x17f0);
	expect(v, &accel_vendor_amd, ACCEL_KIND_NPU, "Ryzen AI NPU (Strix/Krackan/Strix Halo)");
	v = classify_ids(0x1022, 0x1502, 0x118000, 0x1022, 0x1502);
	expect(v, &accel_vendor_amd, ACCEL_KIND_NPU, "Ryzen AI NPU");
	/* EPYC root complex and PSP: AMD's, not accelerators, not generic's. */
	expect_unclaimed(classify_ids(0x1022, 0x14a4, 0x060000, 0, 0));
	expect_unclaimed(classify_ids(0x1022, 0x1498, 0x108000, 0x1022, 0x1498));
}

static void test_intel(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x8086, 0x0bd5, 0x038000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel, ACCEL_KIND_GPU, "Data Center GPU Max 1550");
	assert_int_equal(v.model->memory_mb, 128 * 1024);
	v = classify_ids(0x8086, 0x0bda, 0x038000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel, ACCEL_KIND_GPU, "Data Center GPU Max 1100");
	v = classify_ids(0x8086, 0x56c0, 0x038000, 0x8086, 0x4905);
	expect(v, &accel_vendor_intel, ACCEL_KIND_GPU, "Data Center GPU Flex 170");
	v = classify_ids(0x8086, 0x7d1d, 0x120000, 0x17aa, 0x2234);
	expect(v, &accel_vendor_intel, ACCEL_KIND_NPU, "Meteor Lake NPU");
	v = classify_ids(0x8086, 0x643e, 0x120000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel, ACCEL_KIND_NPU, "Lunar Lake NPU");
	v = classify_ids(0x8086, 0xad1d, 0x120000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel, ACCEL_KIND_NPU, "Arrow Lake NPU");
	/* hwloc's Dell box: Xeon Phi SE10/7120, class 0b40. */
	v = classify_ids(0x8086, 0x225c, 0x0b4000, 0x8086, 0x2500);
	expect(v, &accel_vendor_intel, ACCEL_KIND_ACCEL, "Xeon Phi SE10/7120");
	v = classify_ids(0x8086, 0x2250, 0x0b4000, 0x8086, 0x2500);
	expect(v, &accel_vendor_intel, ACCEL_KIND_ACCEL, "Xeon Phi 5100");
	/* Integrated graphics: a GPU named by pci.ids. */
	v = classify_ids(0x8086, 0x3e92, 0x030000, 0x1028, 0x085a);
	expect(v, &accel_vendor_intel, ACCEL_KIND_GPU, NULL);
	/* QAT, DSA, a NIC and a root port are Intel's and not accelerators. */
	expect_unclaimed(classify_ids(0x8086, 0x4940, 0x0b4000, 0x8086, 0));
	expect_unclaimed(classify_ids(0x8086, 0x0b25, 0x088000, 0x8086, 0));
	expect_unclaimed(classify_ids(0x8086, 0x1521, 0x020000, 0x8086, 0x0001));
	expect_unclaimed(classify_ids(0x8086, 0x3c04, 0x060400, 0, 0));
}

static void test_intel_fpga(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x8086, 0x09c4, 0x120000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "PAC Arria 10 GX");
	assert_string_equal(accel_vendor_short(v.drv), "intel");
	v = classify_ids(0x8086, 0x0b2b, 0x120000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "PAC D5005");
	v = classify_ids(0x8086, 0x0b30, 0x120000, 0x8086, 0x0000);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "PAC N3000");
	v = classify_ids(0x8086, 0xbcce, 0x120000, 0x8086, 0x1770);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "N6000");
	v = classify_ids(0x8086, 0xbcce, 0x120000, 0x8086, 0x1771);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "N6001");
	v = classify_ids(0x8086, 0xbccf, 0x120000, 0x8086, 0x1771);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "N6001 VF");
	v = classify_ids(0x8086, 0xbcce, 0x120000, 0x8086, 0x9999);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "DFL FPGA (OFS)");
	v = classify_ids(0x1c2c, 0x1000, 0x120000, 0x1c2c, 0x0000);
	expect(v, &accel_vendor_intel_fpga, ACCEL_KIND_FPGA, "SmartNIC N5010");
	/* 8086:1000 is an 82542 NIC, not an N5010. */
	expect_unclaimed(classify_ids(0x8086, 0x1000, 0x020000, 0x8086, 0x1000));
	/* Silicom's capture cards are not FPGAs for instances. */
	expect_unclaimed(classify_ids(0x1c2c, 0x00a0, 0x020000, 0x1c2c, 0x0000));
}

static void test_xilinx(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x10ee, 0x5005, 0x120000, 0x10ee, 0x000e);
	expect(v, &accel_vendor_xilinx, ACCEL_KIND_FPGA, "Alveo U250");
	assert_int_equal(v.model->memory_mb, 64 * 1024);
	v = classify_ids(0x10ee, 0x505d, 0x120000, 0x10ee, 0x000e);
	expect(v, &accel_vendor_xilinx, ACCEL_KIND_FPGA, "Alveo U55C");
	v = classify_ids(0x10ee, 0x5001, 0x058000, 0x10ee, 0x000e);
	expect(v, &accel_vendor_xilinx, ACCEL_KIND_FPGA, "Alveo U200");
	v = classify_ids(0x10ee, 0x5095, 0x120000, 0x10ee, 0x000e);
	expect(v, &accel_vendor_xilinx, ACCEL_KIND_FPGA, "Alveo V70");
	/* Management PFs are companions: not listed. */
	expect_unclaimed(classify_ids(0x10ee, 0x5004, 0x120000, 0x10ee, 0x000e));
	expect_unclaimed(classify_ids(0x10ee, 0x5000, 0x120000, 0x10ee, 0x000e));
	expect_unclaimed(classify_ids(0x10ee, 0x505c, 0x120000, 0x10ee, 0x000e));
	/* An unknown 10ee processing accelerator is an FPGA; other 10ee
	 * functions (a SmartSSD, a soft bridge) are not claimed. */
	v = classify_ids(0x10ee, 0x9038, 0x120000, 0x10ee, 0x0007);
	expect(v, &accel_vendor_xilinx, ACCEL_KIND_FPGA, NULL);
	expect_unclaimed(classify_ids(0x10ee, 0x6987, 0x010802, 0x10ee, 0x6987));
	expect_unclaimed(classify_ids(0x10ee, 0x9134, 0x060400, 0, 0));
}

static void test_habana(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x1da3, 0x1020, 0x120000, 0x1da3, 0x1020);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Gaudi2");
	assert_int_equal(v.model->memory_mb, 96 * 1024);
	v = classify_ids(0x1da3, 0x1000, 0x120000, 0x1da3, 0x1000);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Gaudi HL-2000");
	v = classify_ids(0x1da3, 0x1010, 0x120000, 0x1da3, 0x1010);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Gaudi HL-2000 (secured)");
	v = classify_ids(0x1da3, 0x0001, 0x120000, 0x1da3, 0x0001);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Goya HL-1000");
	v = classify_ids(0x1da3, 0x1063, 0x120000, 0x1da3, 0x1063);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Gaudi3 HL-338");
	v = classify_ids(0x1da3, 0x1063, 0x120000, 0x1028, 0x0001);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, "Gaudi3 Add-In");
	/* A 1da3 accelerator the table does not know yet. */
	v = classify_ids(0x1da3, 0x10ff, 0x120000, 0x1da3, 0x10ff);
	expect(v, &accel_vendor_habana, ACCEL_KIND_ACCEL, NULL);
	expect_unclaimed(classify_ids(0x1da3, 0x10ff, 0x060400, 0, 0));
}

static void test_huawei(void **state)
{
	struct verdict v;

	(void)state;
	v = classify_ids(0x19e5, 0xd802, 0x120000, 0x19e5, 0x3000);
	expect(v, &accel_vendor_huawei, ACCEL_KIND_NPU, "Ascend 910B");
	v = classify_ids(0x19e5, 0xd801, 0x120000, 0x0200, 0x0100);
	expect(v, &accel_vendor_huawei, ACCEL_KIND_NPU, "Ascend 910");
	assert_int_equal(v.model->memory_mb, 32 * 1024);
	v = classify_ids(0x19e5, 0xd500, 0x120000, 0x0200, 0x0110);
	expect(v, &accel_vendor_huawei, ACCEL_KIND_NPU, "Ascend 310P");
	v = classify_ids(0x19e5, 0xd100, 0x120000, 0x0200, 0x0100);
	expect(v, &accel_vendor_huawei, ACCEL_KIND_NPU, "Ascend 310");
	/* Hi1822 NIC, the iBMC's VGA, a HiSilicon SEC engine: not NPUs, and
	 * not generic's either (Huawei has a driver). */
	expect_unclaimed(classify_ids(0x19e5, 0x1822, 0x020000, 0x19e5, 0xd129));
	expect_unclaimed(classify_ids(0x19e5, 0x1711, 0x030000, 0x19e5, 0x1711));
	expect_unclaimed(classify_ids(0x19e5, 0xa255, 0x100000, 0x19e5, 0xa255));
}

static void test_generic(void **state)
{
	struct verdict v;

	(void)state;
	/* An unknown vendor's GPU, AI accelerator and coprocessor. */
	v = classify_ids(0x1ed5, 0x0100, 0x030200, 0x1ed5, 0x0100);
	expect(v, &accel_vendor_generic, ACCEL_KIND_GPU, NULL);
	v = classify_ids(0x1e52, 0x0001, 0x120000, 0, 0);
	expect(v, &accel_vendor_generic, ACCEL_KIND_ACCEL, NULL);
	v = classify_ids(0x1d95, 0x0001, 0x0b4000, 0, 0);
	expect(v, &accel_vendor_generic, ACCEL_KIND_ACCEL, NULL);
	/* A Mellanox NIC and a PLX switch port are nobody's. */
	expect_unclaimed(classify_ids(0x15b3, 0x101b, 0x020700, 0x15b3, 0x0007));
	expect_unclaimed(classify_ids(0x15b3, 0x1013, 0x020000, 0x15b3, 0x0013));
	expect_unclaimed(classify_ids(0x10b5, 0x9781, 0x060400, 0x10b5, 0x9781));
	/* No vendor id, no verdict. */
	expect_unclaimed(classify_ids(-1, -1, -1, -1, -1));
}

static void test_generic_display_only(void **state)
{
	static const struct {
		int vendor, device, class_code;
	} vgas[] = {
		{0x1a03, 0x2000, 0x030000}, /* ASPEED AST2x00 BMC */
		{0x102b, 0x0532, 0x030000}, /* Matrox G200eW (hwloc x58 box) */
		{0x102b, 0x0536, 0x030000}, /* Matrox G200eW3 */
		{0x1013, 0x00b8, 0x030000}, /* Cirrus GD 5446 */
		{0x1234, 0x1111, 0x030000}, /* QEMU stdvga */
		{0x1234, 0x1111, 0x038000}, /* QEMU bochs-display */
		{0x1b36, 0x0100, 0x030000}, /* QXL */
		{0x1af4, 0x1050, 0x038000}, /* virtio-gpu */
		{0x1af4, 0x1050, 0x030000}, /* virtio-vga */
		{0x15ad, 0x0405, 0x030000}, /* VMware SVGA II */
		{0x1414, 0x5353, 0x030000}, /* Hyper-V VGA */
		{0x80ee, 0xbeef, 0x030000}, /* VirtualBox */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vgas) / sizeof(vgas[0]); i++) {
		struct verdict v =
			classify_ids(vgas[i].vendor, vgas[i].device, vgas[i].class_code, 0, 0);

		expect(v, &accel_vendor_generic, ACCEL_KIND_DISPLAY, NULL);
	}
	/* The same vendors' other functions are not display devices. */
	expect_unclaimed(classify_ids(0x1a03, 0x1150, 0x060400, 0, 0)); /* AST bridge */
	expect_unclaimed(classify_ids(0x1af4, 0x1041, 0x020000, 0x1af4, 0x1100));
	/* Another device of an emulator vendor is not a boot VGA. */
	expect_unclaimed(classify_ids(0x1b36, 0x0010, 0x010802, 0, 0));
}

/* Every generic verdict follows from the class alone. */
static void test_generic_kinds_by_class(void **state)
{
	static const int classes[] = {
		0x030000, 0x030001, 0x030100, 0x030200, 0x038000, 0x120000, 0x120001,
		0x0b4000, 0x0b4001, 0x0b0000, 0x0b2000, 0x0b8000, 0x020000, 0x060400,
		0x040300, 0x010802, 0x118000, 0x000000, 0xff0000,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		int c = classes[i];
		struct scan_fn f = mkfn(0x1e52, 0x0042, c, 0, 0);
		accel_kind want = ACCEL_KIND_NONE;
		accel_kind k;

		if ((c >> 16) == 0x03)
			want = ACCEL_KIND_GPU;
		else if ((c >> 16) == 0x12 || (c >> 8) == 0x0b40)
			want = ACCEL_KIND_ACCEL;
		k = accel_vendor_generic.claim(&f, accel_model_lookup(&accel_vendor_generic, &f));
		assert_int_equal(k, want);
		assert_int_equal(classify(&f).kind, want);
	}
}

/* No two rows of one table share (device, subsystem vendor, subsystem
 * device): a lookup could never reach the second one. */
static void test_tables_unique(void **state)
{
	(void)state;
	for (size_t d = 0; accel_vendor_drivers[d]; d++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[d];

		for (size_t i = 0; drv->models && i < drv->models->n_rows; i++) {
			const accel_model *a = &drv->models->rows[i];

			for (size_t j = i + 1; j < drv->models->n_rows; j++) {
				const accel_model *b = &drv->models->rows[j];

				if (a->vendor_id == b->vendor_id && a->device_id == b->device_id &&
				    a->subsys_vendor == b->subsys_vendor &&
				    a->subsys_device == b->subsys_device)
					fail_msg("%s: rows %zu and %zu share %04x %04x:%04x",
						 drv->name, i, j, a->device_id, a->subsys_vendor,
						 a->subsys_device);
			}
		}
	}
}

/* Every row names a model; memory is a size or -1; only NVIDIA rows carry
 * a compute capability; a row's kind is one its driver may claim. */
static void test_tables_well_formed(void **state)
{
	(void)state;
	for (size_t d = 0; accel_vendor_drivers[d]; d++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[d];

		for (size_t i = 0; drv->models && i < drv->models->n_rows; i++) {
			const accel_model *m = &drv->models->rows[i];

			assert_non_null(m->model);
			assert_true(strlen(m->model) > 0);
			assert_true(strlen(m->model) < 64);
			assert_true(m->memory_mb == -1 || m->memory_mb > 0);
			assert_true(m->kind != ACCEL_KIND_DISPLAY);
			if (m->architecture)
				assert_true(strlen(m->architecture) > 0);
			if (drv == &accel_vendor_nvidia) {
				assert_int_equal(m->kind, ACCEL_KIND_GPU);
				assert_non_null(m->compute_capability);
				assert_non_null(strchr(m->compute_capability, '.'));
			} else {
				assert_null(m->compute_capability);
			}
			if (m->kind == ACCEL_KIND_NONE)
				assert_ptr_equal(drv, &accel_vendor_xilinx);
		}
	}
}

/* Every row of every table is reachable: a function with the row's ids
 * (and a class its driver accepts for that row) gets exactly that row. */
static void test_every_row_reachable(void **state)
{
	(void)state;
	for (size_t d = 0; accel_vendor_drivers[d]; d++) {
		const struct accel_vendor_driver *drv = accel_vendor_drivers[d];

		for (size_t i = 0; drv->models && i < drv->models->n_rows; i++) {
			const accel_model *m = &drv->models->rows[i];
			int sv = m->subsys_vendor ? m->subsys_vendor : 0x1234;
			int sd = m->subsys_device ? m->subsys_device : 0x5678;
			bool found = false;

			/* Try each of the driver's vendors: a row belongs to one. */
			for (const uint16_t *v = drv->pci_vendors; *v; v++) {
				struct scan_fn f = mkfn(*v, m->device_id, 0x120000, sv, sd);

				if (accel_model_lookup(drv, &f) != m)
					continue;
				if (drv->claim(&f, m) == m->kind) {
					found = true;
					break;
				}
			}
			if (!found)
				fail_msg("%s: row %zu (%s) unreachable", drv->name, i, m->model);
		}
	}
}

/* By ids alone, as the scheduler's Placement source asks. */
static void test_model_by_id(void **state)
{
	accel_model_info mi;

	(void)state;
	assert_int_equal(accel_model_by_id(0x10de, 0x20b5, &mi), 0);
	assert_int_equal(mi.kind, ACCEL_KIND_GPU);
	assert_string_equal(mi.vendor, "nvidia");
	assert_int_equal(mi.memory_mb, 81920);
	assert_string_equal(mi.compute_capability, "8.0");
	assert_int_equal(accel_model_by_id(0x10de, 0x1db8, &mi), 0);
	assert_int_equal(mi.memory_mb, 32768);
	assert_int_equal(accel_model_by_id(0x10ee, 0x5004, &mi) == 0 ? mi.kind : ACCEL_KIND_FPGA,
			 ACCEL_KIND_FPGA);
	assert_int_equal(accel_model_by_id(0x10de, 0xfffe, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1234, 0x1111, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(-1, -1, &mi), -ENOENT);
	/* a row is its vendor's: 8086:1000 is an Intel NIC, not Silicom's
	 * N5010 (1c2c:1000); 1022:66af is no Radeon VII (1002:66af) */
	assert_int_equal(accel_model_by_id(0x8086, 0x1000, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1022, 0x66af, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1c2c, 0x1000, &mi), 0);
	assert_string_equal(mi.model, "SmartNIC N5010");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_nvidia),
		cmocka_unit_test(test_nvidia_not_claimed),
		cmocka_unit_test(test_nvidia_subsystem_rows),
		cmocka_unit_test(test_lookup_prefers_subsystem),
		cmocka_unit_test(test_amd),
		cmocka_unit_test(test_amd_npu),
		cmocka_unit_test(test_intel),
		cmocka_unit_test(test_intel_fpga),
		cmocka_unit_test(test_xilinx),
		cmocka_unit_test(test_habana),
		cmocka_unit_test(test_huawei),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_generic_display_only),
		cmocka_unit_test(test_generic_kinds_by_class),
		cmocka_unit_test(test_tables_unique),
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_every_row_reachable),
		cmocka_unit_test(test_model_by_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
