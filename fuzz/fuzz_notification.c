/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: one record of the stream read back
 * (accel_notification_parse). A record is either refused with a reason and
 * nothing kept, or read with every field a non-empty string that fits its
 * buffer and a payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/notification.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0 || n == size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	accel_notification n;
	accel_err err;

	err.msg[0] = '\0';
	if (accel_notification_parse(data, size, &n, &err)) {
		if (!err.msg[0] || n.root || n.payload)
			abort();
		return 0;
	}
	check_field(n.message_id, sizeof(n.message_id));
	check_field(n.publisher_id, sizeof(n.publisher_id));
	check_field(n.event_type, sizeof(n.event_type));
	check_field(n.priority, sizeof(n.priority));
	check_field(n.timestamp, sizeof(n.timestamp));
	if (!n.root || !n.payload)
		abort();
	accel_notification_release(&n);
	return 0;
}
