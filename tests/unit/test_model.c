/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the model layer (include/accel/model.h): the vocabulary both
 * ways, the model tables by ids, and the topology rules' two faces (pair
 * classes, group keys) agreeing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <accel/internal/vocab.h>
#include <accel/model.h>

/* Rows name their PCI vendor: an id of one vendor never names another's
 * device (8086:1000 is an Intel NIC, 1c2c:1000 Silicom's N5010). */
static void test_by_id_rows_name_their_vendor(void **state)
{
	accel_model_info mi;

	(void)state;
	assert_int_equal(accel_model_by_id(0x8086, 0x1000, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1c2c, 0x1000, &mi), 0);
	assert_int_equal(mi.kind, ACCEL_KIND_FPGA);
	assert_string_equal(mi.model, "SmartNIC N5010");
	assert_string_equal(mi.vendor, "intel");
	assert_int_equal(accel_model_by_id(0x1022, 0x66af, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1002, 0x66af, &mi), 0);
	assert_string_equal(mi.model, "Radeon VII");
	assert_int_equal(accel_model_by_id(0x1002, 0x1502, &mi), -ENOENT);
	assert_int_equal(accel_model_by_id(0x1022, 0x1502, &mi), 0);
	assert_int_equal(mi.kind, ACCEL_KIND_NPU);
	/* a subsystem row never matches ids alone; the any-subsystem row does */
	assert_int_equal(accel_model_by_id(0x10de, 0x25b6, &mi), 0);
	assert_string_equal(mi.model, "A2/A16");
	assert_string_equal(
		accel_model_find(&accel_models_nvidia, 0x10de, 0x25b6, 0x10de, 0x14a9)->model,
		"A16");
	assert_null(accel_model_find(NULL, 0x10de, 0x20b5, -1, -1));
}

static accel_device *gpu(accel_inventory **inv)
{
	accel_device *d;

	assert_int_equal(accel_inventory_new(inv, "h"), 0);
	assert_int_equal(accel_inventory_add_device(*inv, "0000:17:00.0", &d), 0);
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = 0x10de;
	d->device_id = 0x20b5;
	assert_int_equal(accel_device_set(&d->vendor, "nvidia"), 0);
	assert_int_equal(accel_device_set(&d->architecture, "Ampere"), 0);
	assert_int_equal(accel_device_set(&d->compute_capability, "8.0"), 0);
	assert_int_equal(accel_device_set(&d->opencl.version, "OpenCL 3.0 CUDA 12.4.131"), 0);
	return d;
}

static void test_encode(void **state)
{
	accel_inventory *inv;
	accel_device *d = gpu(&inv);

	(void)state;
	assert_int_equal(accel_vocab_encode(d, "A100 80GB  PCIe (rev. a)"), 0);
	assert_string_equal(d->resource_class, "PGPU");
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA"));
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_PRODUCT_10DE_20B5"));
	/* free text: runs of other characters are one '_', none at the end */
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_MODEL_A100_80GB_PCIE_REV_A"));
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_ARCH_AMPERE"));
	/* os-traits has no CUDA 8.0 nor OpenCL 3.0 */
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_CUDA_COMPUTE_CAPABILITY_V8_0"));
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_OPENCL_V3_0"));
	assert_int_equal(d->n_traits, 6);
	accel_inventory_free(inv);

	d = gpu(&inv);
	d->kind = ACCEL_KIND_DISPLAY;
	assert_int_equal(accel_vocab_encode(d, "x"), 0);
	assert_null(d->resource_class);
	assert_int_equal(d->n_traits, 0);
	accel_inventory_free(inv);
}

static int collect(void *arg, const char *t)
{
	char *buf = arg;

	strcat(buf, t);
	strcat(buf, " ");
	return 0;
}

static void test_scheme_traits(void **state)
{
	static const char *const not_pci[] = { "PGPU", "CUSTOM_PCI_10DE", "CUSTOM_PCI_10de_20b5",
					       "CUSTOM_PCI_10DE_20B5_", "CUSTOM_PCI_10DE20B5",
					       "CUSTOM_PCI__10DE_20B", "", NULL };
	accel_inventory *inv;
	accel_device *d = gpu(&inv);
	char buf[512], rc[32];

	(void)state;
	assert_int_equal(accel_device_set(&d->resource_class, "PGPU"), 0);
	buf[0] = '\0';
	assert_int_equal(accel_vocab_scheme_traits(d, ACCEL_TRAITS_ACCELSCHED, collect, buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(accel_vocab_scheme_traits(d, ACCEL_TRAITS_CYBORG, collect, buf), 0);
	assert_string_equal(buf, "CUSTOM_GPU_NVIDIA CUSTOM_GPU_PRODUCT_ID_20B5 ");
	buf[0] = '\0';
	/* Nova 2025.1's PCI in Placement: the trait it marks its providers
	 * with; CUSTOM_PCI_10DE_20B5 is the resource class, no trait */
	assert_int_equal(accel_vocab_scheme_traits(d, ACCEL_TRAITS_NOVA_PCI, collect, buf), 0);
	assert_string_equal(buf, "COMPUTE_MANAGED_PCI_DEVICE ");
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_NOVA_PCI, rc, sizeof(rc)),
			    "CUSTOM_PCI_10DE_20B5");
	assert_true(accel_vocab_is_nova_pci_rc(rc));
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_ACCELSCHED, rc, sizeof(rc)),
			    "PGPU");
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_CYBORG, rc, sizeof(rc)), "PGPU");
	/* lower-case hex as Nova reads it from sysfs is upper-cased */
	d->vendor_id = 0x1af4;
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_NOVA_PCI, rc, sizeof(rc)),
			    "CUSTOM_PCI_1AF4_20B5");
	d->vendor_id = 0x10de;
	/* too small a buffer: the device's own class, never a cut name */
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_NOVA_PCI, rc, 10), "PGPU");
	/* a device shared as vGPUs is no PCI device to Nova */
	buf[0] = '\0';
	assert_int_equal(accel_device_set(&d->resource_class, "VGPU"), 0);
	assert_int_equal(accel_vocab_scheme_traits(d, ACCEL_TRAITS_NOVA_PCI, collect, buf), 0);
	assert_string_equal(buf, "");
	assert_string_equal(accel_vocab_scheme_rc(d, ACCEL_TRAITS_NOVA_PCI, rc, sizeof(rc)),
			    "VGPU");
	assert_int_equal(accel_device_set(&d->resource_class, "PGPU"), 0);
	for (size_t i = 0; i < sizeof(not_pci) / sizeof(not_pci[0]); i++)
		assert_false(accel_vocab_is_nova_pci_rc(not_pci[i]));
	buf[0] = '\0';
	d->kind = ACCEL_KIND_FPGA;
	assert_int_equal(accel_device_set(&d->vendor, "generic"), 0);
	assert_int_equal(accel_vocab_scheme_traits(d, ACCEL_TRAITS_CYBORG, collect, buf), 0);
	assert_string_equal(buf, "CUSTOM_FPGA_PRODUCT_ID_20B5 ");
	accel_inventory_free(inv);
}

/* decode(encode(d)) gives d's fields back */
static void test_round_trip(void **state)
{
	accel_inventory *inv;
	accel_device *d = gpu(&inv);
	accel_trait_fields tf;
	const char *t[40];

	(void)state;
	assert_int_equal(accel_device_set(&d->compute_capability, "7.0"), 0);
	assert_int_equal(accel_vocab_encode(d, NULL), 0);
	assert_int_equal(accel_device_add_trait(d, accel_vocab_health_trait(ACCEL_HEALTH_DEGRADED)),
			 0);
	for (size_t i = 0; i < d->n_traits; i++)
		t[i] = d->traits[i];
	accel_vocab_decode(t, d->n_traits, &tf);
	assert_int_equal(tf.vendor_id, 0x10de);
	assert_int_equal(tf.device_id, 0x20b5);
	assert_string_equal(tf.vendor, "nvidia");
	assert_string_equal(tf.compute_capability, "7.0"); /* from the os-traits name */
	assert_int_equal(tf.health, ACCEL_HEALTH_DEGRADED);
	accel_inventory_free(inv);

	for (accel_kind k = ACCEL_KIND_GPU; k <= ACCEL_KIND_ACCEL; k++) {
		assert_int_equal(accel_vocab_rc_kind(accel_vocab_resource_class(k, false)), k);
		assert_int_equal(accel_vocab_rc_kind(accel_vocab_resource_class(k, true)), k);
	}
	assert_null(accel_vocab_resource_class(ACCEL_KIND_DISPLAY, false));
	assert_int_equal(accel_vocab_rc_kind("CUSTOM_FOO"), ACCEL_KIND_NONE);
	assert_int_equal(accel_vocab_rc_kind(NULL), ACCEL_KIND_NONE);
	assert_true(accel_vocab_trait_managed(ACCEL_UNAVAILABLE_TRAIT));
	assert_true(accel_vocab_trait_managed(ACCEL_OWNER_TRAIT));
	assert_false(accel_vocab_trait_managed("CUSTOM_PCI_10DE_20B5"));
}

/* Two devices share a group key at a level or a tighter one exactly when
 * their class is within it (an unknown class only at SYS) (the scheduler looks at groups up to the
 * level asked): pair classes and group keys are one set of rules. */
static const char *names[64];
static size_t n_names;

static uint16_t id_of(const char *s)
{
	if (!s || !*s)
		return 0;
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(names[i], s))
			return (uint16_t)(i + 1);
	names[n_names++] = s;
	return (uint16_t)n_names;
}

static void test_keys_follow_classes(void **state)
{
	static const char *const sw1[] = {"0000:03:00.0", "0000:02:00.0", "0000:01:00.0",
					  "0000:00:01.0"};
	static const char *const sw2[] = {"0000:03:01.0", "0000:02:00.0", "0000:01:00.0",
					  "0000:00:01.0"};
	static const char *const sw3[] = {"0000:06:00.0", "0000:05:00.0", "0000:01:00.0",
					  "0000:00:01.0"};
	static const char *const up1[] = {"0000:02:00.0", "0000:01:00.0", "0000:00:01.0"};
	static const char *const rp2[] = {"0000:00:02.0"};
	static const accel_topo_node n[] = {
		{"0000:04:00.0", sw1, 4, "pci0000:00", 0},
		{"0000:04:00.1", sw1, 4, "pci0000:00", 0},
		{"0000:07:00.0", sw2, 4, "pci0000:00", 0},
		{"0000:08:00.0", sw3, 4, "pci0000:00", 0},
		{"0000:03:02.0", up1, 3, "pci0000:00", 0},
		{"0000:09:00.0", rp2, 1, "pci0000:00", 0},
		{"0000:00:05.0", NULL, 0, "pci0000:00", 0},
		{"0000:00:05.1", NULL, 0, "pci0000:00", 0},
		{"0000:00:06.0", NULL, 0, "pci0000:00", -1},
		{"0000:80:00.0", NULL, 0, "pci0000:80", 0},
		{"0000:c0:00.0", NULL, 0, "pci0000:c0", 1},
	};
	const size_t nn = sizeof(n) / sizeof(n[0]);
	accel_topo_ids ids[sizeof(n) / sizeof(n[0])];
	accel_topo_names tn[sizeof(n) / sizeof(n[0])];

	(void)state;
	for (size_t i = 0; i < nn; i++) {
		accel_topo_names_of(&n[i], &tn[i]);
		ids[i] = (accel_topo_ids){id_of(tn[i].parent),	    id_of(tn[i].gparent),
					  id_of(tn[i].slot),	    id_of(tn[i].root),
					  id_of(tn[i].host_bridge), (int16_t)n[i].numa_node};
	}
	for (size_t a = 0; a < nn; a++)
		for (size_t b = a + 1; b < nn; b++) {
			accel_link_class c = accel_topo_classify(&n[a], &n[b], false);
			bool share = false;

			for (int l = ACCEL_LINK_PIX; l <= ACCEL_LINK_SYS; l++) {
				uint32_t ka[3], kb[3];
				size_t na = accel_topo_group_keys(&ids[a], l, ka);
				size_t nb = accel_topo_group_keys(&ids[b], l, kb);

				for (size_t i = 0; i < na; i++)
					for (size_t j = 0; j < nb; j++)
						share |= ka[i] == kb[j];
				/* SYS: every device, whatever the topology knows */
				if (share !=
				    (c != ACCEL_LINK_UNKNOWN ? (int)c <= l : l == ACCEL_LINK_SYS))
					fail_msg("%s %s: class %d, level %d, share %d",
						 n[a].address, n[b].address, c, l, share);
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_id_rows_name_their_vendor),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_scheme_traits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_keys_follow_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
