/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a whole scan of an arbitrary `lspci -x` dump, through
 * our line checks (drivers/lspci_dump.c), libpci's dump reader on what
 * they pass (with our non-exiting error hook), classification,
 * config-space parsing, topology and the JSON writer. Past crashes:
 * fuzz/regressions/lspci_dump/.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/discovery.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	accel_inventory *inv = NULL;
	accel_ctx *ctx = NULL;
	char path[64], *json = NULL;
	int fd = memfd_create("dump", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (accel_ctx_new(&ctx))
		goto out;
	accel_ctx_set_lspci_dump(ctx, path);
	accel_ctx_set_host(ctx, "fuzz");
	/* no pci.ids: loading it on every input would starve the fuzzer */
	accel_ctx_set_pci_ids(ctx, "/nonexistent/pci.ids");
	if (accel_scan(ctx, &inv) == 0) {
		if (accel_inventory_to_json(inv, 0, &json) != 0)
			abort();
		free(json);
		accel_inventory_free(inv);
	}
	accel_ctx_free(ctx);
out:
	close(fd);
	return 0;
}
