/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: acceld's Kafka spool file (agent/spool.c) through its
 * parser: whatever it reads whole encodes back to the same bytes, a stop
 * before the end says why, and nothing is read past the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	const uint8_t *data;
	size_t off;
};

/* Each message re-encoded is the record it was read from (the parser and
 * the writer agree on every field). Done marks are 21 bytes. */
static int on_msg(spool_msg *m, void *arg)
{
	struct walk *w = arg;
	uint8_t *rec;
	size_t n;
	accel_err err;

	if (spool_encode_msg(m, &rec, &n, &err))
		abort();
	if (memcmp(rec, w->data + w->off, n))
		abort();
	free(rec);
	w->off += n;
	return 0;
}

static int on_done(uint64_t seq, void *arg)
{
	struct walk *w = arg;

	(void)seq;
	w->off += 21;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = { .data = data };
	char why[128] = "";
	size_t good = 0;

	if (size > (1u << 20))
		return 0;
	spool_parse(data, size, on_msg, on_done, &w, &good, why, sizeof(why));
	if (good > size || good != w.off)
		abort();
	if (good < size && !why[0])
		abort();
	return 0;
}
