/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: pci.ids lookups over arbitrary database bytes. */
#include <stdint.h>
#include <string.h>

#include "pciids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int ids[][2] = {{0x10de, -1},
				     {0x10de, 0x20b5},
				     {0x0000, 0x0000},
				     {0xffff, 0xffff},
				     {0x1a03, 0x2000}};
	char buf[256];

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		(void)pciids_lookup((const char *)data, size, ids[i][0], ids[i][1], buf,
				    sizeof(buf));
	/* and an id taken from the input itself, so matches happen */
	if (size >= 4) {
		int v = data[0] << 8 | data[1], d = data[2] << 8 | data[3];

		(void)pciids_lookup((const char *)data, size, v, d, buf, sizeof(buf));
		(void)pciids_lookup((const char *)data, size, v, -1, buf, 8);
	}
	return 0;
}
