/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The envelope of every message acceld sends to Kafka (docs/kafka.md), so
 * that OpenStack's consumers read it unchanged and other tooling can route
 * it:
 *
 * - the value is an oslo.messaging notification as its Kafka driver sends
 *   one (oslo_messaging/_drivers/impl_kafka.py pack_message, common.py
 *   serialize_msg): {"oslo.version": "2.0", "oslo.message": "<JSON text>"},
 *   the message holding message_id (a UUIDv4), publisher_id
 *   ("accelsched-agent:<host>"), event_type, priority ("INFO"), payload,
 *   timestamp (UTC, "%Y-%m-%d %H:%M:%S.%f", as str(utcnow())) and
 *   _context ({}: the driver's listener reads it);
 * - CloudEvents 1.0 binary-mode Kafka headers: ce_specversion "1.0", ce_id
 *   (the message id), ce_source (the publisher id), ce_type (the event
 *   type), ce_time (RFC 3339) and content-type "application/json".
 *
 * Shared by every producer in acceld (inventory, events; metrics later).
 */
#ifndef ACCEL_AGENT_ENVELOPE_H
#define ACCEL_AGENT_ENVELOPE_H

#include <time.h>

#include <json-c/json.h>

#include <accel/common.h>

#include "spool.h"

#define ENVELOPE_PRIORITY "INFO"

/* A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
int envelope_uuid4(char out[37]);

/*
 * *m (cleared first) as the message to send: topic, key, class as given,
 * the envelope around payload (taken: put in every case) as its value, the
 * CloudEvents headers. now: the time to stamp (NULL: the clock's).
 */
int envelope_build(spool_msg *m, spool_class cls, const char *topic, const char *key,
		   const char *host, const char *event_type, json_object *payload,
		   const struct timespec *now, accel_err *err);

/* The same around a payload given as its JSON text (payload_len bytes,
 * copied as they are: the caller's own, valid JSON). */
int envelope_build_text(spool_msg *m, spool_class cls, const char *topic, const char *key,
			const char *host, const char *event_type, const char *payload,
			size_t payload_len, const struct timespec *now, accel_err *err);

/* Append s as a JSON string (quoted, escaped as json-c does, '/' as it is)
 * to *buf (*len bytes used of *cap, NUL-terminated, realloc'ed). */
int envelope_json_string(char **buf, size_t *len, size_t *cap, const char *s);

#endif
