/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver of last resort: any PCI vendor, asked only for functions of
 * vendors no other driver lists. A display controller (class 03xx) is a
 * GPU, a processing accelerator (12xx) or a coprocessor (0b40) an
 * accelerator, except the VGAs that exist only to show a console: the
 * BMC's (ASPEED, Matrox, Cirrus on server boards) and the emulated ones of
 * virtual machines. Those are listed for people as kind "display" and get
 * no resource class.
 */
#include "../scan.h"

#define ANY_DEVICE (-1)

struct display_only {
	int vendor;
	int device; /* ANY_DEVICE: every display function of the vendor */
};

/*
 * Verified against pci.ids 2026.05.24: 1a03 "ASPEED Technology, Inc."
 * (2000 "ASPEED Graphics Family", the AST2x00 BMC); 102b Matrox (MGA
 * G200e/eR/eW/eH, the BMC VGAs of Dell, HPE and Lenovo boards); 1013
 * Cirrus Logic (00b8 "GD 5446", QEMU's default VGA); 1b36:0100 "QXL
 * paravirtual graphic card"; 1af4:1050 "Virtio 1.0 GPU"; 15ad:0405
 * "SVGA II Adapter" (VMware); 1414:5353 "Hyper-V virtual VGA"; 80ee:beef
 * "VirtualBox Graphics Adapter". 1234:1111 is not in pci.ids: it is QEMU's
 * PCI_VENDOR_ID_QEMU/PCI_DEVICE_ID_QEMU_VGA, shared by the standard VGA and
 * bochs-display.
 */
static const struct display_only display_only[] = {
	{0x1a03, ANY_DEVICE}, {0x102b, ANY_DEVICE}, {0x1013, ANY_DEVICE},
	{0x1234, 0x1111},     {0x1b36, 0x0100},	    {0x1af4, 0x1050},
	{0x15ad, 0x0405},     {0x1414, 0x5353},	    {0x80ee, 0xbeef},
};

static bool is_display_only(const struct scan_fn *f)
{
	for (size_t i = 0; i < sizeof(display_only) / sizeof(display_only[0]); i++) {
		const struct display_only *d = &display_only[i];

		if (d->vendor == f->vendor_id &&
		    (d->device == ANY_DEVICE || d->device == f->device_id))
			return true;
	}
	return false;
}

static const uint16_t generic_vendors[] = {0}; /* empty: any vendor */

static accel_kind generic_claim(const struct scan_fn *f, const accel_model *m)
{
	(void)m;
	if (ACCEL_CLASS_IS_DISPLAY(f->class_code))
		return is_display_only(f) ? ACCEL_KIND_DISPLAY : ACCEL_KIND_GPU;
	if (ACCEL_CLASS_IS_PROCESSING(f->class_code) || ACCEL_CLASS_IS_COPROCESSOR(f->class_code))
		return ACCEL_KIND_ACCEL;
	return ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_generic = {
	.name = "generic",
	.vendor = "generic",
	.vendor_name = NULL,
	.pci_vendors = generic_vendors,
	.models = NULL,
	.claim = generic_claim,
};
