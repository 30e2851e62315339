/* SPDX-License-Identifier: Apache-2.0 */
/* The oslo.messaging + CloudEvents envelope (envelope.h). */
#include <errno.h>
#include <stdbool.h>
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
	/* 8-4-4-4-12 hex digits, lower case */
	for (size_t i = 0, o = 0; i < sizeof(b); i++) {
		static const char hex[] = "0123456789abcdef";

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[36] = '\0';
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

/* ---- text, built by hand: the payload's text is copied, never parsed
 * again (json-c's writer, JSON_C_TO_STRING_PLAIN | NOSLASHESCAPE, would
 * give the same bytes) ---- */

/* "name":"value" with a comma before unless first */
static void member(accel_text *b, const char *name, const char *value, bool first)
{
	accel_text_put(b, first ? "\"" : ",\"", first ? 1 : 2);
	accel_text_str(b, name);
	accel_text_put(b, "\":\"", 3);
	accel_text_esc(b, value, strlen(value));
	accel_text_put(b, "\"", 1);
}

int envelope_json_string(char **buf, size_t *len, size_t *cap, const char *s)
{
	accel_text b = { .p = *buf, .n = *len, .cap = *cap };

	accel_text_put(&b, "\"", 1);
	accel_text_esc(&b, s, strlen(s));
	accel_text_put(&b, "\"", 1);
	*buf = b.p;
	*len = b.n;
	*cap = b.cap;
	return b.rc;
}

int envelope_build_text(spool_msg *m, spool_class cls, const char *topic, const char *key,
			const char *host, const char *event_type, const char *payload,
			size_t payload_len, const struct timespec *now, accel_err *err)
{
	char id[37], oslo_time[96], ce_time[96], publisher[300];
	accel_text msg = { 0 }, env = { 0 };
	struct timespec ts;
	struct tm tm;
	int r, usec;

	memset(m, 0, sizeof(*m));
	if (now)
		ts = *now;
	else
		clock_gettime(CLOCK_REALTIME, &ts);
	r = envelope_uuid4(id);
	if (r)
		return accel_err_set(err, r, "getrandom: %s", strerror(-r));
	gmtime_r(&ts.tv_sec, &tm);
	usec = (int)((ts.tv_nsec / 1000) % 1000000);
	snprintf(oslo_time, sizeof(oslo_time), "%04d-%02d-%02d %02d:%02d:%02d.%06d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 usec);
	/* the same instant in RFC 3339: a T for the space, a Z after */
	{
		size_t n = strlen(oslo_time);

		memcpy(ce_time, oslo_time, n);
		ce_time[strchr(oslo_time, ' ') - oslo_time] = 'T';
		ce_time[n] = 'Z';
		ce_time[n + 1] = '\0';
	}
	snprintf(publisher, sizeof(publisher), "accelsched-agent:%s", host);

	/* the message, members in oslo.messaging's order; both buffers
	 * made big enough at once for the usual case */
	if (accel_text_room(&msg, payload_len + 512))
		accel_text_put(&msg, "{", 1);
	member(&msg, "message_id", id, true);
	member(&msg, "publisher_id", publisher, false);
	member(&msg, "event_type", event_type, false);
	member(&msg, "priority", ENVELOPE_PRIORITY, false);
	accel_text_str(&msg, ",\"payload\":");
	accel_text_put(&msg, payload, payload_len);
	member(&msg, "timestamp", oslo_time, false);
	accel_text_str(&msg, ",\"_context\":{}}");
	/* the envelope, the message as a string in it */
	if (!msg.rc && accel_text_room(&env, msg.n + msg.n / 4 + 64))
		accel_text_str(&env, "{\"oslo.version\":\"2.0\",\"oslo.message\":\"");
	if (!msg.rc)
		accel_text_esc(&env, msg.p, msg.n);
	accel_text_str(&env, "\"}");
	free(msg.p);
	if (msg.rc || env.rc) {
		free(env.p);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}

	m->cls = cls;
	m->value = env.p;
	m->value_len = env.n;
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

int envelope_build(spool_msg *m, spool_class cls, const char *topic, const char *key,
		   const char *host, const char *event_type, json_object *payload,
		   const struct timespec *now, accel_err *err)
{
	char *text;
	int r;

	memset(m, 0, sizeof(*m));
	r = accel_json_text(payload, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &text);
	if (r)
		return accel_err_set(err, -ENOMEM, "out of memory");
	r = envelope_build_text(m, cls, topic, key, host, event_type, text, strlen(text), now, err);
	free(text);
	return r;
}
