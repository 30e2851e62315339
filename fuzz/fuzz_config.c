/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the INI configuration through common/config.c's own
 * reader and option table; every refusal must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/config.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	accel_config *c = NULL;
	accel_err err;
	char *text;

	text = fuzz_text(data, size, 65536);
	if (!text)
		return 0;
	if (accel_config_parse(&c, "fuzz.conf", text, 0600, &err) == 0) {
		(void)accel_config_check_placement(c, &err);
		accel_config_free(c);
	} else if (!err.msg[0]) {
		abort();
	}
	free(text);
	return 0;
}
