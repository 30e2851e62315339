/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the sync cache file; what loads must dump and load to
 * the same document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_state a, b;
	char *ja, *jb;
	accel_err err;

	if (pc_state_parse((const char *)data, size, &a, &err))
		return 0;
	ja = pc_state_dump(&a);
	if (!ja || pc_state_parse(ja, strlen(ja), &b, &err))
		abort();
	jb = pc_state_dump(&b);
	if (!jb || strcmp(ja, jb))
		abort();
	free(ja);
	free(jb);
	pc_state_clear(&a);
	pc_state_clear(&b);
	return 0;
}
