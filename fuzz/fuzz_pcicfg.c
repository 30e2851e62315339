/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the PCI Express capability walk over config bytes. */
#include <stdint.h>
#include <string.h>

#include "pcicfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg[256];
	struct pcicfg_link l;

	if (size > sizeof(cfg))
		size = sizeof(cfg);
	memcpy(cfg, data, size);
	(void)pcicfg_link(cfg, (int)size, &l);
	return 0;
}
