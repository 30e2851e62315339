/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading one record of accelsched's stream back: the oslo.messaging
 * notification envelope 2.0 that agent/envelope.c writes,
 *   {"oslo.version": "2.0", "oslo.message": "<the message as JSON text>"}
 * the message holding message_id, publisher_id, event_type, priority,
 * payload, timestamp and _context (docs/kafka.md).
 *
 * For the stream's consumers (the scheduler's Kafka source, accelctl
 * events). Internal: json-c's types stay out of the public headers.
 */
#ifndef ACCEL_INTERNAL_NOTIFICATION_H
#define ACCEL_INTERNAL_NOTIFICATION_H

#include <stddef.h>

#include <json-c/json.h>

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_notification {
	char message_id[64];
	char publisher_id[256];
	char event_type[128];
	char priority[16];
	char timestamp[64];
	/* the message's payload (any JSON value but null), borrowed from
	 * root: valid until accel_notification_release */
	struct json_object *payload;
	/* the decoded message; the caller owns it through release */
	struct json_object *root;
} accel_notification;

/* Decode one record's value (len bytes, not NUL-terminated, at most
 * ACCEL_MAX_JSON_BYTES). 0, or -EBADMSG / -E2BIG with *err saying what is
 * wrong ("notification: ..."); *out is then empty (release is a no-op).
 * Every field above is required; the strings fit their buffers or the
 * record is refused. */
int accel_notification_parse(const void *value, size_t len, accel_notification *out,
			     accel_err *err);

/* Frees what parse kept; safe on an empty or released notification. */
void accel_notification_release(accel_notification *n);

#ifdef __cplusplus
}
#endif
#endif
