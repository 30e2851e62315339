/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the inventory JSON reader. What it accepts must write
 * back and read again to the same document (a consumer must never see an
 * inventory change by passing through us).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/inventory.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	accel_inventory *a = NULL, *b = NULL;
	char *ja = NULL, *jb = NULL;
	accel_err err;

	if (accel_inventory_from_json((const char *)data, size, &a, &err) != 0) {
		if (!err.msg[0])
			abort(); /* every refusal says why */
		return 0;
	}
	if (accel_inventory_to_json(a, 0, &ja) != 0)
		abort();
	if (accel_inventory_from_json(ja, strlen(ja), &b, &err) != 0)
		abort();
	if (accel_inventory_to_json(b, 0, &jb) != 0 || strcmp(ja, jb) != 0)
		abort();
	free(ja);
	free(jb);
	accel_inventory_free(a);
	accel_inventory_free(b);
	return 0;
}
