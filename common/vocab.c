/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Placement/Nova/Cyborg vocabulary (DESIGN.md, Placement), both ways:
 * a device's resource class and traits in each trait scheme, and the
 * device fields its traits say. Discovery encodes, the Placement client
 * adds the scheme's names, the scheduler reads resource classes from
 * flavors, and its Placement source (Python, through _core) decodes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <accel/model.h>
#include <accel/internal/vocab.h>

static const struct {
	const char *rc;
	accel_kind kind;
} rcs[] = {
	{"PGPU", ACCEL_KIND_GPU},	    {"VGPU", ACCEL_KIND_GPU},
	{"FPGA", ACCEL_KIND_FPGA},	    {"CUSTOM_NPU", ACCEL_KIND_NPU},
	{"CUSTOM_ACCEL", ACCEL_KIND_ACCEL},
};

const char *accel_vocab_resource_class(accel_kind kind, bool mdev)
{
	switch (kind) {
	case ACCEL_KIND_GPU:
		/* A GPU that hosts mediated devices is shared as vGPUs. */
		return mdev ? "VGPU" : "PGPU";
	case ACCEL_KIND_FPGA:
		return "FPGA";
	case ACCEL_KIND_NPU:
		return "CUSTOM_NPU";
	case ACCEL_KIND_ACCEL:
		return "CUSTOM_ACCEL";
	case ACCEL_KIND_DISPLAY:
	case ACCEL_KIND_NONE:
		break;
	}
	return NULL;
}

accel_kind accel_vocab_rc_kind(const char *rc)
{
	for (size_t i = 0; rc && i < sizeof(rcs) / sizeof(rcs[0]); i++)
		if (!strcmp(rc, rcs[i].rc))
			return rcs[i].kind;
	return ACCEL_KIND_NONE;
}

#define OURS "CUSTOM_ACCEL_"

bool accel_vocab_trait_managed(const char *t)
{
	return !strncmp(t, OURS, strlen(OURS)) || !strcmp(t, ACCEL_OWNER_TRAIT);
}

const char *accel_vocab_health_trait(accel_health h)
{
	switch (h) {
	case ACCEL_HEALTH_DEGRADED:
		return OURS "HEALTH_DEGRADED";
	case ACCEL_HEALTH_FAILED:
		return OURS "HEALTH_FAILED";
	case ACCEL_HEALTH_OK:
		break;
	}
	return NULL;
}

/*
 * prefix + value upper-cased into t (a Placement trait name: [A-Z0-9_], at
 * most 255 characters). collapse: a run of other characters becomes one
 * '_' and none is left at either end (discovery's names of free text:
 * models, architectures); otherwise each becomes '_' (the schemes' names
 * of ids and vendors, as Cyborg and Nova write them). false when nothing
 * is left of value.
 */
static bool trait_name(char t[256], const char *prefix, const char *value, bool collapse)
{
	size_t n = strlen(prefix), i;
	bool us = true;

	memcpy(t, prefix, n);
	for (i = 0; value[i] && n < 255; i++) {
		unsigned char c = (unsigned char)value[i];

		if (isalnum(c) && c < 0x80) {
			t[n++] = (char)toupper(c);
			us = false;
		} else if (!collapse) {
			t[n++] = '_';
		} else if (!us) {
			t[n++] = '_';
			us = true;
		}
	}
	while (collapse && n && t[n - 1] == '_')
		n--;
	t[n] = '\0';
	return n > strlen(prefix) || !collapse;
}

static int add_name(accel_device *d, const char *prefix, const char *value)
{
	char t[256];

	if (!trait_name(t, prefix, value, true))
		return 0;
	return accel_device_add_trait(d, t);
}

/* os-traits (2.9) names where one exists; CUSTOM_ACCEL_* otherwise. */
static const char *const os_cuda_cc[] = {"1_0", "1_1", "1_2", "1_3", "2_0", "2_1", "3_0",
					 "3_2", "3_5", "3_7", "5_0", "5_2", "5_3", "6_0",
					 "6_1", "6_2", "7_0", "7_1", "7_2", NULL};
static const char *const os_opencl[] = {"1_0", "1_1", "1_2", "2_0", "2_1", "2_2", NULL};

static bool in_list(const char *const *l, const char *v)
{
	for (; *l; l++)
		if (!strcmp(*l, v))
			return true;
	return false;
}

/* "8.0" -> "8_0"; false unless "digits.digits". */
static bool version_us(const char *v, char *out, size_t cap)
{
	unsigned maj, min;
	int n = 0;

	if (!v || sscanf(v, "%3u.%3u%n", &maj, &min, &n) != 2 || (v[n] && v[n] != ' '))
		return false;
	snprintf(out, cap, "%u_%u", maj, min);
	return true;
}

/* The first error of several steps that all run. */
static int first(int r, int x)
{
	return r ? r : x;
}

int accel_vocab_encode(accel_device *d, const char *table_model)
{
	char buf[64], ver[16];
	int r;

	if (d->kind == ACCEL_KIND_DISPLAY)
		return 0; /* for people only: no resource class, no traits */
	/* Each step on its own: a trait that cannot be added (-E2BIG past
	 * the device's limit) does not keep the others off. */
	r = accel_device_set(&d->resource_class,
			     accel_vocab_resource_class(d->kind, d->n_mdev_types > 0));
	if (d->vendor && strcmp(d->vendor, "generic"))
		r = first(r, add_name(d, OURS "VENDOR_", d->vendor));
	else if (d->vendor_id >= 0) {
		snprintf(buf, sizeof(buf), "%04X", (unsigned)d->vendor_id);
		r = first(r, add_name(d, OURS "VENDOR_", buf));
	}
	if (d->vendor_id >= 0 && d->device_id >= 0) {
		snprintf(buf, sizeof(buf), "%04X_%04X", (unsigned)d->vendor_id,
			 (unsigned)d->device_id);
		r = first(r, add_name(d, OURS "PRODUCT_", buf));
	}
	if (table_model)
		r = first(r, add_name(d, OURS "MODEL_", table_model));
	if (d->architecture)
		r = first(r, add_name(d, OURS "ARCH_", d->architecture));
	if (version_us(d->compute_capability, ver, sizeof(ver))) {
		snprintf(buf, sizeof(buf), "%s%s",
			 in_list(os_cuda_cc, ver) ? "HW_GPU_CUDA_COMPUTE_CAPABILITY_V"
						  : OURS "CUDA_COMPUTE_CAPABILITY_V",
			 ver);
		r = first(r, accel_device_add_trait(d, buf));
	}
	/* "OpenCL 3.0 CUDA 12.4.131" */
	if (d->opencl.version && !strncmp(d->opencl.version, "OpenCL ", 7) &&
	    version_us(d->opencl.version + 7, ver, sizeof(ver))) {
		bool os = d->kind == ACCEL_KIND_GPU && in_list(os_opencl, ver);

		snprintf(buf, sizeof(buf), "%s%s", os ? "HW_GPU_API_OPENCL_V" : OURS "OPENCL_V",
			 ver);
		r = first(r, accel_device_add_trait(d, buf));
	}
	if (d->sriov.total_vfs > 0)
		r = first(r, accel_device_add_trait(d, OURS "SRIOV"));
	if (d->sriov.physfn)
		r = first(r, accel_device_add_trait(d, OURS "SRIOV_VF"));
	return r;
}

static int emit(accel_trait_fn add, void *arg, const char *prefix, const char *value)
{
	char t[256];

	trait_name(t, prefix, value, false);
	return add(arg, t);
}

int accel_vocab_scheme_traits(const accel_device *d, accel_trait_scheme scheme, accel_trait_fn add,
			      void *arg)
{
	char ids[24], prefix[32];
	const char *vendor = d->vendor && strcmp(d->vendor, "generic") ? d->vendor : "";
	const char *k;
	int r = 0;

	if (d->vendor_id < 0 || d->device_id < 0)
		return 0;
	snprintf(ids, sizeof(ids), "%04X_%04X", (unsigned)d->vendor_id, (unsigned)d->device_id);
	switch (scheme) {
	case ACCEL_TRAITS_ACCELSCHED:
		break;
	case ACCEL_TRAITS_CYBORG:
		/* as Cyborg's drivers name them: CUSTOM_GPU_NVIDIA,
		 * CUSTOM_GPU_PRODUCT_ID_1EB8, CUSTOM_FPGA_XILINX, ... */
		k = d->kind == ACCEL_KIND_GPU	 ? "GPU"
		    : d->kind == ACCEL_KIND_FPGA ? "FPGA"
		    : d->kind == ACCEL_KIND_NPU	 ? "NPU"
						 : "ACCEL";
		snprintf(prefix, sizeof(prefix), "CUSTOM_%s_", k);
		if (vendor[0])
			r = emit(add, arg, prefix, vendor);
		snprintf(prefix, sizeof(prefix), "CUSTOM_%s_PRODUCT_ID_", k);
		if (!r)
			r = emit(add, arg, prefix, ids + 5);
		break;
	case ACCEL_TRAITS_NOVA_PCI:
		/* Nova's PCI in Placement (2023.1+, nova/compute/
		 * pci_placement_translator.py) marks each PCI device's provider
		 * COMPUTE_MANAGED_PCI_DEVICE; its CUSTOM_PCI_10DE_20B5 is the
		 * resource class (accel_vocab_scheme_rc), not a trait. A
		 * device shared as vGPUs is no PCI device to Nova. */
		if (!d->resource_class || strcmp(d->resource_class, "VGPU"))
			r = add(arg, "COMPUTE_MANAGED_PCI_DEVICE");
		break;
	}
	return r;
}

bool accel_vocab_nova_pci_rc(const accel_device *d, char *buf, size_t cap)
{
	if (d->vendor_id < 0 || d->device_id < 0 || d->vendor_id > 0xffff ||
	    d->device_id > 0xffff)
		return false;
	return (size_t)snprintf(buf, cap, "CUSTOM_PCI_%04X_%04X", (unsigned)d->vendor_id,
				(unsigned)d->device_id) < cap;
}

bool accel_vocab_is_nova_pci_rc(const char *rc)
{
	static const char p[] = "CUSTOM_PCI_";
	const char *v = rc;

	if (!rc || strncmp(rc, p, sizeof(p) - 1))
		return false;
	v += sizeof(p) - 1;
	return strlen(v) == 9 && strspn(v, "0123456789ABCDEF") == 4 && v[4] == '_' &&
	       strspn(v + 5, "0123456789ABCDEF") == 4;
}

const char *accel_vocab_scheme_rc(const accel_device *d, accel_trait_scheme scheme, char *buf,
				  size_t cap)
{
	if (!d->resource_class)
		return NULL;
	if (scheme == ACCEL_TRAITS_NOVA_PCI && strcmp(d->resource_class, "VGPU") &&
	    accel_vocab_nova_pci_rc(d, buf, cap))
		return buf;
	return d->resource_class;
}

/* t is prefix followed by 1+ characters of set; the rest after prefix. */
static const char *tail_of(const char *t, const char *prefix, const char *set)
{
	size_t n = strlen(prefix);

	if (strncmp(t, prefix, n) || !t[n] || t[n + strspn(t + n, set)])
		return NULL;
	return t + n;
}

#define HEX_UP "0123456789ABCDEF"
#define DIGITS "0123456789"

void accel_vocab_decode(const char *const *traits, size_t n, accel_trait_fields *out)
{
	bool degraded = false, failed = false;

	memset(out, 0, sizeof(*out));
	out->vendor_id = out->device_id = -1;
	for (size_t i = 0; i < n; i++) {
		const char *t = traits[i], *v;

		/* CUSTOM_ACCEL_PRODUCT_10DE_20B5 */
		v = tail_of(t, OURS "PRODUCT_", HEX_UP "_");
		if (v && strlen(v) == 9 && v[4] == '_' && strspn(v, HEX_UP) == 4 &&
		    strspn(v + 5, HEX_UP) == 4) {
			unsigned vid, did;

			sscanf(v, "%4x_%4x", &vid, &did);
			out->vendor_id = (int)vid;
			out->device_id = (int)did;
		}
		/* CUSTOM_ACCEL_VENDOR_NVIDIA: the first one */
		v = tail_of(t, OURS "VENDOR_", HEX_UP "GHIJKLMNOPQRSTUVWXYZ_");
		if (v && !out->vendor[0]) {
			size_t k;

			for (k = 0; v[k] && k < sizeof(out->vendor) - 1; k++)
				out->vendor[k] = (char)tolower((unsigned char)v[k]);
			out->vendor[k] = '\0';
		}
		/* HW_GPU_ or CUSTOM_ACCEL_ CUDA_COMPUTE_CAPABILITY_V8_0 */
		v = tail_of(t, "HW_GPU_CUDA_COMPUTE_CAPABILITY_V", DIGITS "_");
		if (!v)
			v = tail_of(t, OURS "CUDA_COMPUTE_CAPABILITY_V", DIGITS "_");
		if (v) {
			size_t a = strspn(v, DIGITS);

			if (a && v[a] == '_' && v[a + 1] && !v[a + 1 + strspn(v + a + 1, DIGITS)])
				snprintf(out->compute_capability, sizeof(out->compute_capability),
					 "%.*s.%s", (int)a, v, v + a + 1);
		}
		if (!strcmp(t, OURS "HEALTH_DEGRADED"))
			degraded = true;
		if (!strcmp(t, OURS "HEALTH_FAILED") || !strcmp(t, ACCEL_UNAVAILABLE_TRAIT))
			failed = true;
	}
	out->health = failed	 ? ACCEL_HEALTH_FAILED
		      : degraded ? ACCEL_HEALTH_DEGRADED
				 : ACCEL_HEALTH_OK;
}
