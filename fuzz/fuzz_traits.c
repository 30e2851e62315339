/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the vocabulary (common/vocab.c) both ways. The input's
 * lines are traits read from Placement (accel_vocab_decode); the same lines
 * are also a device's free text (vendor, model, architecture, compute
 * capability, OpenCL version) for accel_vocab_encode and every trait
 * scheme. Every name made is a Placement trait name ([A-Z0-9_], 1 to 255
 * characters), and decoding what was encoded gives the ids back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/vocab.h>
#include <accel/model.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

static void check_name(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 255 || strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
		abort();
}

static int check_scheme_trait(void *arg, const char *t)
{
	(void)arg;
	check_name(t);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *save = NULL;
	const char *lines[MAX_LINES];
	size_t n = 0;
	accel_trait_fields tf;
	accel_inventory *inv;
	accel_device *d;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *l = strtok_r(buf, "\n", &save); l && n < MAX_LINES; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	accel_vocab_decode(lines, n, &tf);
	if (strlen(tf.vendor) >= sizeof(tf.vendor) || (tf.vendor_id < 0) != (tf.device_id < 0) ||
	    tf.vendor_id > 0xffff || tf.device_id > 0xffff)
		abort();

	if (accel_inventory_new(&inv, "h") || accel_inventory_add_device(inv, "0000:01:00.0", &d)) {
		free(buf);
		return 0;
	}
	d->kind = (accel_kind)(size % 6);
	d->vendor_id = (int)(size * 7919 % 0x10000);
	d->device_id = (int)(size * 104729 % 0x10000);
	if (n > 0)
		accel_device_set(&d->vendor, lines[0]);
	if (n > 2)
		accel_device_set(&d->architecture, lines[2]);
	if (n > 3)
		accel_device_set(&d->compute_capability, lines[3]);
	if (n > 4)
		accel_device_set(&d->opencl.version, lines[4]);
	d->sriov.total_vfs = (int)(size % 3) - 1;
	if (accel_vocab_encode(d, n > 1 ? lines[1] : NULL) == 0 && d->kind != ACCEL_KIND_DISPLAY &&
	    d->kind != ACCEL_KIND_NONE) {
		for (size_t i = 0; i < d->n_traits; i++)
			check_name(d->traits[i]);
		accel_vocab_decode((const char *const *)d->traits, d->n_traits, &tf);
		if (tf.vendor_id != d->vendor_id || tf.device_id != d->device_id)
			abort();
		if (accel_vocab_rc_kind(d->resource_class) != d->kind)
			abort();
	}
	for (int s = ACCEL_TRAITS_ACCELSCHED; s <= ACCEL_TRAITS_NOVA_PCI; s++) {
		char rc[32];
		const char *c;

		accel_vocab_scheme_traits(d, (accel_trait_scheme)s, check_scheme_trait, NULL);
		/* the scheme's class: the device's, or Nova's exact form */
		c = accel_vocab_scheme_rc(d, (accel_trait_scheme)s, rc, sizeof(rc));
		if (c && c != d->resource_class && !accel_vocab_is_nova_pci_rc(c))
			abort();
		if (c == rc && s != ACCEL_TRAITS_NOVA_PCI)
			abort();
	}
	accel_inventory_free(inv);
	free(buf);
	return 0;
}
