/* SPDX-License-Identifier: Apache-2.0 */
/* The oslo.messaging + CloudEvents envelope (envelope.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <accel/internal/json.h>

#include "envelope.h"

int envelope_uuid4(char out[37])
{
	uint8_t b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
	return 0;
}

static int header(spool_msg *m, const char *name, const char *value)
{
	spool_header *h = &m->headers[m->n_headers];

	if (m->n_headers >= SPOOL_MAX_HEADERS)
		return -E2BIG;
	h->name = strdup(name);
	h->value = strdup(value);
	m->n_headers++;
	return h->name && h->value ? 0 : -ENOMEM;
}

int envelope_build(spool_msg *m, spool_class cls, const char *topic, const char *key,
		   const char *host, const char *event_type, json_object *payload,
		   const struct timespec *now, accel_err *err)
{
	char id[37], oslo_time[96], ce_time[96], publisher[300];
	struct timespec ts;
	json_object *msg = NULL, *env = NULL;
	char *msg_text = NULL, *env_text = NULL;
	struct tm tm;
	int r, usec;

	memset(m, 0, sizeof(*m));
	if (now)
		ts = *now;
	else
		clock_gettime(CLOCK_REALTIME, &ts);
	r = envelope_uuid4(id);
	if (r) {
		json_object_put(payload);
		return accel_err_set(err, r, "getrandom: %s", strerror(-r));
	}
	gmtime_r(&ts.tv_sec, &tm);
	usec = (int)((ts.tv_nsec / 1000) % 1000000);
	snprintf(oslo_time, sizeof(oslo_time), "%04d-%02d-%02d %02d:%02d:%02d.%06d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 usec);
	snprintf(ce_time, sizeof(ce_time), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 usec);
	snprintf(publisher, sizeof(publisher), "accelsched-agent:%s", host);

	msg = json_object_new_object();
	if (!msg) {
		json_object_put(payload);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	r = accel_json_add(msg, "message_id", json_object_new_string(id));
	if (!r)
		r = accel_json_add(msg, "publisher_id", json_object_new_string(publisher));
	if (!r)
		r = accel_json_add(msg, "event_type", json_object_new_string(event_type));
	if (!r)
		r = accel_json_add(msg, "priority", json_object_new_string(ENVELOPE_PRIORITY));
	if (!r)
		r = accel_json_add(msg, "payload", payload);
	else
		json_object_put(payload);
	if (!r)
		r = accel_json_add(msg, "timestamp", json_object_new_string(oslo_time));
	if (!r)
		r = accel_json_add(msg, "_context", json_object_new_object());
	if (r) {
		json_object_put(msg);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	r = accel_json_text(msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &msg_text);
	if (r)
		return accel_err_set(err, -ENOMEM, "out of memory");
	env = json_object_new_object();
	r = env ? 0 : -ENOMEM;
	if (!r)
		r = accel_json_add(env, "oslo.version", json_object_new_string("2.0"));
	if (!r)
		r = accel_json_add(env, "oslo.message", json_object_new_string(msg_text));
	free(msg_text);
	if (!r)
		r = accel_json_text(env, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &env_text);
	else
		json_object_put(env);
	if (r)
		return accel_err_set(err, -ENOMEM, "out of memory");

	m->cls = cls;
	m->value = env_text;
	m->value_len = strlen(env_text);
	m->topic = strdup(topic);
	m->key = key ? strdup(key) : NULL;
	r = m->topic && (!key || m->key) ? 0 : -ENOMEM;
	/* CloudEvents' Kafka binding, binary content mode */
	if (!r)
		r = header(m, "ce_specversion", "1.0");
	if (!r)
		r = header(m, "ce_id", id);
	if (!r)
		r = header(m, "ce_source", publisher);
	if (!r)
		r = header(m, "ce_type", event_type);
	if (!r)
		r = header(m, "ce_time", ce_time);
	if (!r)
		r = header(m, "content-type", "application/json");
	if (r) {
		spool_msg_clear(m);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}
