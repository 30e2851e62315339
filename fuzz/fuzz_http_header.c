/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the HTTP header callback (placement-client/http.c),
 * fed an answer's header block line by line as libcurl passes it: each
 * line in its own buffer of exactly its length (not NUL-terminated), so
 * that a read past it is caught. Whatever the lines, the callback takes
 * each whole, and a token it keeps is non-empty visible ASCII (it goes
 * back into an X-Auth-Token header) cut from the line it came in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = NULL;
	size_t at = 0;

	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) + 1 : size - at;
		char *line = malloc(len ? len : 1);
		char *before = token;
		size_t r;

		if (!line)
			break;
		memcpy(line, data + at, len);
		r = pc_http_on_header(line, len, &token);
		if (r != len && r != 0)
			abort();
		if (token) {
			size_t tl = strlen(token);

			if (!tl)
				abort();
			for (size_t i = 0; i < tl; i++)
				if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f)
					abort();
			/* a new one comes from this line */
			if (token != before && (tl > len || !memmem(line, len, token, tl)))
				abort();
		}
		free(line);
		at += len;
	}
	free(token);
	return 0;
}
