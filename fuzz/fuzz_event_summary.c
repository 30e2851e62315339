/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: accelctl events' summary of a notification payload
 * (cli/event_summary.c). Input: the event type, a newline, the payload's
 * JSON. A summary is one line of printable text within its buffer; a
 * refusal says why and leaves no summary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/util.h>

#include "event_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char type[129], buf[64], why[256];
	json_object *payload = NULL;
	size_t tn, len;
	accel_err err;
	int r;

	if (!nl || (size_t)(nl - data) >= sizeof(type))
		return 0;
	tn = (size_t)(nl - data);
	memcpy(type, data, tn);
	type[tn] = '\0';
	if (accel_json_parse((const char *)nl + 1, size - tn - 1, 1u << 20, "payload", &payload,
			     &err))
		return 0;
	/* a small buffer, so that cutting is exercised too */
	r = event_summary(type, payload, buf, sizeof(buf), why, sizeof(why));
	len = strlen(buf);
	if (len >= sizeof(buf))
		abort();
	if (r && (buf[0] || !why[0]))
		abort();
	if (!r && len && !accel_text_ok(buf, len))
		abort();
	json_object_put(payload);
	return 0;
}
