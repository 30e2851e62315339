/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD: Radeon and Instinct GPUs (PCI vendor 1002: every display-class
 * function, and every processing-accelerator one, class 1200, which is how
 * MI300A/MI300X and later Instinct parts present themselves; HDMI audio and
 * USB functions are not claimed) and the XDNA NPUs of Ryzen AI processors
 * (PCI vendor 1022, listed ids only: every other 1022 function is a
 * chipset or CPU part).
 *
 * The model table (common/models/amd.c) serves both vendors; its rows name
 * their PCI vendor, so a 1022 id never names a 1002 GPU, nor the other way
 * round.
 */
#include <errno.h>
#include <string.h>

#include <accel/model.h>
#include "../attr.h"
#include "../scan.h"

#define PCI_VENDOR_ATI 0x1002
#define PCI_VENDOR_AMD 0x1022

static const uint16_t amd_vendors[] = {PCI_VENDOR_ATI, PCI_VENDOR_AMD, 0};

static accel_kind amd_claim(const struct scan_fn *f, const accel_model *m)
{
	if (m)
		return m->kind;
	if (f->vendor_id != PCI_VENDOR_ATI)
		return ACCEL_KIND_NONE;
	if (ACCEL_CLASS_IS_DISPLAY(f->class_code) || ACCEL_CLASS_IS_PROCESSING(f->class_code))
		return ACCEL_KIND_GPU;
	return ACCEL_KIND_NONE;
}

/* amdgpu says how much VRAM the board has (bytes); it wins over the table,
 * which gives the marketed size, and it covers consumer parts too. */
static void amd_enrich(struct scan *s, struct scan_fn *f)
{
	char buf[64];
	long long bytes;
	int r;

	if (!f->sysfs_dir || !f->dev->driver || strcmp(f->dev->driver, "amdgpu"))
		return;
	r = attr_read(&s->sys, f->sysfs_dir, "mem_info_vram_total", buf, sizeof(buf));
	if (r == -ENOENT)
		return;
	if (r >= 0)
		r = attr_parse_int(buf, 1, INT64_MAX, &bytes);
	if (r) {
		scan_warn(s, f->sysfs_dir, "mem_info_vram_total: unreadable or malformed (%s)",
			  accel_strerror(r));
		return;
	}
	f->dev->memory_mb = bytes >> 20;
}

const struct accel_vendor_driver accel_vendor_amd = {
	.name = "amd",
	.pci_vendors = amd_vendors,
	.models = &accel_models_amd, /* common/models/amd.c */
	.claim = amd_claim,
	.enrich = amd_enrich,
};
