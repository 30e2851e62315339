/* SPDX-License-Identifier: Apache-2.0 */
/* What several libFuzzer targets share. */
#ifndef ACCEL_FUZZ_H
#define ACCEL_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input as a NUL-terminated string the caller frees, or NULL when it is
 * larger than max bytes (not worth the time) or memory runs out.
 */
static inline char *fuzz_text(const uint8_t *data, size_t size, size_t max)
{
	char *text;

	if (size > max || !(text = malloc(size + 1)))
		return NULL;
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

#endif
