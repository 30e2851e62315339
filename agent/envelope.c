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

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static bool sb_room(struct sbuf *b, size_t n);

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (!sb_room(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* room for n more bytes and the NUL after them */
static bool sb_room(struct sbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *np;

		while (cap < b->n + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return false;
		}
		b->p = np;
		b->cap = cap;
	}
	return true;
}

/* what each byte becomes in a JSON string: 0 itself, 'u' \u00XX, else
 * a backslash and that letter */
static const char esc_of[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[1] = 'u', [2] = 'u', [3] = 'u', [4] = 'u', [5] = 'u', [6] = 'u', [7] = 'u',
	[0] = 'u', [11] = 'u', [14] = 'u', [15] = 'u', [16] = 'u', [17] = 'u', [18] = 'u',
	[19] = 'u', [20] = 'u', [21] = 'u', [22] = 'u', [23] = 'u', [24] = 'u', [25] = 'u',
	[26] = 'u', [27] = 'u', [28] = 'u', [29] = 'u', [30] = 'u', [31] = 'u',
	['"'] = '"', ['\\'] = '\\',
};

/* s as a JSON string's content, escaped as json-c escapes it (no '/'):
 * its escaped length counted first, made room for once */
static void sb_esc(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t more = 0;
	char *o;

	for (size_t i = 0; i < n; i++) {
		char e = esc_of[(unsigned char)s[i]];

		more += !e ? 0 : e == 'u' ? 5 : 1;
	}
	if (!sb_room(b, n + more))
		return;
	o = b->p + b->n;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e = esc_of[c];

		if (!e) {
			*o++ = (char)c;
		} else if (e != 'u') {
			*o++ = '\\';
			*o++ = e;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		}
	}
	b->n = (size_t)(o - b->p);
	b->p[b->n] = '\0';
}

/* "name":"value" with a comma before unless first */
static void sb_member(struct sbuf *b, const char *name, const char *value, bool first)
{
	sb_put(b, first ? "\"" : ",\"", first ? 1 : 2);
	sb_str(b, name);
	sb_put(b, "\":\"", 3);
	sb_esc(b, value, strlen(value));
	sb_put(b, "\"", 1);
}

int envelope_json_string(char **buf, size_t *len, size_t *cap, const char *s)
{
	struct sbuf b = { .p = *buf, .n = *len, .cap = *cap };

	sb_put(&b, "\"", 1);
	sb_esc(&b, s, strlen(s));
	sb_put(&b, "\"", 1);
	*buf = b.p;
	*len = b.n;
	*cap = b.cap;
	return b.oom ? -ENOMEM : 0;
}

int envelope_build_text(spool_msg *m, spool_class cls, const char *topic, const char *key,
			const char *host, const char *event_type, const char *payload,
			size_t payload_len, const struct timespec *now, accel_err *err)
{
	char id[37], oslo_time[96], ce_time[96], publisher[300];
	struct sbuf msg = { 0 }, env = { 0 };
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
	if (sb_room(&msg, payload_len + 512))
		sb_put(&msg, "{", 1);
	sb_member(&msg, "message_id", id, true);
	sb_member(&msg, "publisher_id", publisher, false);
	sb_member(&msg, "event_type", event_type, false);
	sb_member(&msg, "priority", ENVELOPE_PRIORITY, false);
	sb_str(&msg, ",\"payload\":");
	sb_put(&msg, payload, payload_len);
	sb_member(&msg, "timestamp", oslo_time, false);
	sb_str(&msg, ",\"_context\":{}}");
	/* the envelope, the message as a string in it */
	if (!msg.oom && sb_room(&env, msg.n + msg.n / 4 + 64))
		sb_str(&env, "{\"oslo.version\":\"2.0\",\"oslo.message\":\"");
	if (!msg.oom)
		sb_esc(&env, msg.p, msg.n);
	sb_str(&env, "\"}");
	free(msg.p);
	if (msg.oom || env.oom) {
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
