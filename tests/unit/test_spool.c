/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld's Kafka spool (agent/spool.c) and envelope (agent/envelope.c):
 * what is appended comes back after a reopen, done marks stick, a torn or
 * damaged tail is dropped with a warning naming the file, the bound drops
 * metrics, then superseded inventory records, then the oldest events; the
 * parser refuses every malformed record with its reason. The envelope is
 * oslo.messaging's notification 2.0 with CloudEvents headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "envelope.h"
#include "spool.h"
#include "tree.h"

static char warned[4096];
static int n_warned;

static void on_warn(const char *msg, void *arg)
{
	(void)arg;
	snprintf(warned, sizeof(warned), "%s", msg);
	n_warned++;
}

static spool *open_ok(const char *dir, uint64_t max)
{
	spool *sp = NULL;
	accel_err err;

	warned[0] = '\0';
	n_warned = 0;
	if (spool_open(&sp, dir, max, on_warn, NULL, &err))
		fail_msg("spool_open %s: %s", dir, err.msg);
	return sp;
}

static void msg_make(spool_msg *m, spool_class cls, const char *topic, const char *key,
		     const char *value)
{
	memset(m, 0, sizeof(*m));
	m->cls = cls;
	m->topic = strdup(topic);
	m->key = key ? strdup(key) : NULL;
	m->value = strdup(value);
	m->value_len = strlen(value);
	m->headers[0].name = strdup("ce_id");
	m->headers[0].value = strdup(value);
	m->n_headers = 1;
}

static void append_ok(spool *sp, spool_class cls, const char *key, const char *value)
{
	spool_msg m;
	accel_err err;

	msg_make(&m, cls, "t", key, value);
	if (spool_append(sp, &m, &err))
		fail_msg("append %s: %s", value, err.msg);
}

static void sync_ok(spool *sp)
{
	accel_err err;

	if (spool_sync(sp, &err))
		fail_msg("sync: %s", err.msg);
}

/* The values left, in order, joined by ',' */
static const char *values(spool *sp)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < spool_n(sp); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%.*s", i ? "," : "",
					 (int)spool_get(sp, i)->value_len, spool_get(sp, i)->value);
	return buf;
}

static ino_t file_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

static void test_roundtrip(void **state)
{
	char *dir = tree_tmpdir();
	const char *sd = tree_path("%s/spool", dir);
	spool *sp = open_ok(sd, 1 << 20);
	const spool_msg *m;
	char path[PATH_MAX];
	ino_t ino;
	accel_err err;

	(void)state;
	append_ok(sp, SPOOL_EVENTS, "h/0000:01:00.0", "one");
	append_ok(sp, SPOOL_INVENTORY, "h", "two");
	/* appended, not synced: not for sending yet */
	assert_int_equal(spool_n(sp), 0);
	sync_ok(sp);
	append_ok(sp, SPOOL_METRICS, NULL, "three");
	sync_ok(sp);
	assert_string_equal(values(sp), "one,two,three");
	assert_int_equal(spool_get(sp, 0)->seq, 1);
	assert_int_equal(spool_after(sp, 1), 1);
	snprintf(path, sizeof(path), "%s", spool_path(sp));
	spool_close(sp);

	ino = file_ino(path);
	sp = open_ok(sd, 1 << 20);
	assert_int_equal(n_warned, 0);
	assert_string_equal(values(sp), "one,two,three");
	/* all of it live: not rewritten at open */
	assert_int_equal(file_ino(path), ino);
	m = spool_get(sp, 1);
	assert_int_equal(m->cls, SPOOL_INVENTORY);
	assert_string_equal(m->topic, "t");
	assert_string_equal(m->key, "h");
	assert_int_equal(m->n_headers, 1);
	assert_string_equal(m->headers[0].name, "ce_id");
	assert_string_equal(m->headers[0].value, "two");
	assert_null(spool_get(sp, 2)->key);
	/* delivered ones do not come back; the sequence goes on */
	assert_int_equal(spool_done(sp, 2, &err), 0);
	assert_int_equal(spool_done(sp, 2, &err), 0); /* twice: nothing */
	assert_string_equal(values(sp), "one,three");
	spool_close(sp);
	sp = open_ok(sd, 1 << 20);
	assert_string_equal(values(sp), "one,three");
	/* a done mark in it: rewritten without the delivered one */
	assert_true(file_ino(path) != ino);
	append_ok(sp, SPOOL_EVENTS, "k", "four");
	sync_ok(sp);
	assert_int_equal(spool_get(sp, 2)->seq, 4);
	/* all delivered: the file is empty */
	assert_int_equal(spool_done(sp, 1, &err), 0);
	assert_int_equal(spool_done(sp, 3, &err), 0);
	assert_int_equal(spool_done(sp, 4, &err), 0);
	assert_int_equal(spool_n(sp), 0);
	assert_int_equal(file_size(spool_path(sp)), 0);
	spool_close(sp);
	tree_rm(dir);
	free(dir);
}

/* A crash in the middle of an append leaves a record cut short; a flipped
 * bit leaves one whose checksum does not match. Both end what is read. */
static void test_torn(void **state)
{
	char *dir = tree_tmpdir();
	const char *sd = tree_path("%s/spool", dir);
	char path[PATH_MAX];
	spool *sp = open_ok(sd, 1 << 20);
	long size;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s", spool_path(sp));
	append_ok(sp, SPOOL_EVENTS, "k", "one");
	append_ok(sp, SPOOL_EVENTS, "k", "two");
	sync_ok(sp);
	spool_close(sp);
	size = file_size(path);
	assert_int_equal(truncate(path, size - 3), 0);
	sp = open_ok(sd, 1 << 20);
	assert_string_equal(values(sp), "one");
	assert_int_equal(n_warned, 1);
	if (!strstr(warned, path) || !strstr(warned, "a record cut short at offset") ||
	    !strstr(warned, "dropped the last"))
		fail_msg("%s", warned);
	/* rewritten without the torn record */
	assert_true(file_size(path) < size / 2 + 8);
	append_ok(sp, SPOOL_EVENTS, "k", "three");
	append_ok(sp, SPOOL_EVENTS, "k", "four");
	sync_ok(sp);
	spool_close(sp);

	/* a byte changed inside the second record's body */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	size = file_size(path);
	assert_int_equal(pwrite(fd, "X", 1, size / 2 + 20), 1);
	close(fd);
	sp = open_ok(sd, 1 << 20);
	assert_string_equal(values(sp), "one");
	if (!strstr(warned, "checksum does not match"))
		fail_msg("%s", warned);
	spool_close(sp);

	/* not a spool at all */
	tree_write(path, "hello, world\n", -1);
	sp = open_ok(sd, 1 << 20);
	assert_int_equal(spool_n(sp), 0);
	if (!strstr(warned, "no record starts here (magic) at offset 0"))
		fail_msg("%s", warned);
	assert_int_equal(file_size(path), 0);
	spool_close(sp);
	tree_rm(dir);
	free(dir);
}

/* Full: metrics go first (oldest first), then inventory records that a
 * newer one of the same host supersedes, then the oldest events. */
static void test_bound(void **state)
{
	char *dir = tree_tmpdir();
	const char *sd = tree_path("%s/spool", dir);
	char big[1001];
	spool *sp;
	spool_msg m;
	size_t rec;
	accel_err err;

	(void)state;
	memset(big, 'x', 1000);
	big[1000] = '\0';
	/* the size of one record with a 1000-byte value and 5-byte one */
	msg_make(&m, SPOOL_EVENTS, "t", "k", big);
	{
		uint8_t *b;

		assert_int_equal(spool_encode_msg(&m, &b, &rec, &err), 0);
		free(b);
	}
	spool_msg_clear(&m);
	/* room for five such records */
	sp = open_ok(sd, 5 * rec + rec / 2);
	big[0] = 'M';
	append_ok(sp, SPOOL_METRICS, "k", big);
	big[0] = 'I';
	append_ok(sp, SPOOL_INVENTORY, "h", big);
	big[0] = 'E';
	append_ok(sp, SPOOL_EVENTS, "k", big);
	big[0] = 'm';
	append_ok(sp, SPOOL_METRICS, "k", big);
	big[0] = 'e';
	append_ok(sp, SPOOL_EVENTS, "k", big);
	assert_int_equal(n_warned, 0);
	/* full: the oldest metric goes */
	big[0] = 'F';
	append_ok(sp, SPOOL_EVENTS, "k", big);
	sync_ok(sp);
	assert_int_equal(n_warned, 1);
	assert_int_equal(spool_dropped(sp, SPOOL_METRICS), 1);
	if (!strstr(warned, "full (spool_max_bytes") || !strstr(warned, "undelivered metrics"))
		fail_msg("%s", warned);
	assert_int_equal(spool_get(sp, 0)->value[0], 'I');
	/* the other metric */
	big[0] = 'G';
	append_ok(sp, SPOOL_EVENTS, "k", big);
	assert_int_equal(spool_dropped(sp, SPOOL_METRICS), 2);
	/* a new inventory record of host h supersedes the old one */
	big[0] = 'J';
	append_ok(sp, SPOOL_INVENTORY, "h", big);
	assert_int_equal(spool_dropped(sp, SPOOL_INVENTORY), 1);
	/* then the oldest event */
	big[0] = 'H';
	append_ok(sp, SPOOL_EVENTS, "k", big);
	sync_ok(sp);
	assert_int_equal(spool_dropped(sp, SPOOL_EVENTS), 1);
	assert_int_equal(spool_n(sp), 5);
	assert_int_equal(spool_get(sp, 0)->value[0], 'e');
	assert_int_equal(spool_get(sp, 3)->value[0], 'J');
	assert_true(spool_file_bytes(sp) <= 5 * rec + rec / 2);
	/* larger than the whole spool: refused, said why */
	{
		char *huge = calloc(1, 8 * rec);

		memset(huge, 'y', 8 * rec - 1);
		msg_make(&m, SPOOL_EVENTS, "t", "k", huge);
		assert_int_equal(spool_append(sp, &m, &err), -E2BIG);
		assert_non_null(strstr(err.msg, "larger than the whole spool"));
		free(huge);
	}
	spool_close(sp);
	/* a lower bound at the next start: dropped down to it */
	sp = open_ok(sd, 2 * rec + 10);
	assert_int_equal(spool_n(sp), 2);
	assert_int_equal(spool_get(sp, 0)->value[0], 'J');
	assert_int_equal(spool_get(sp, 1)->value[0], 'H');
	spool_close(sp);
	tree_rm(dir);
	free(dir);
}

/* A NULL value (a tombstone): written, read back NULL after a reopen and
 * a compaction, distinct from an empty value; one process at a time. */
static void test_tombstone(void **state)
{
	char *dir = tree_tmpdir();
	const char *sd = tree_path("%s/spool", dir);
	spool *sp = open_ok(sd, 1 << 20), *other = NULL;
	spool_msg m = { 0 };
	accel_err err;

	(void)state;
	append_ok(sp, SPOOL_INVENTORY, "h", "snapshot");
	m.cls = SPOOL_INVENTORY;
	m.topic = strdup("t");
	m.key = strdup("h");
	assert_int_equal(spool_append(sp, &m, &err), 0);
	append_ok(sp, SPOOL_EVENTS, "h/x", "");
	sync_ok(sp);
	assert_null(spool_get(sp, 1)->value);
	/* a second opener is refused, naming the file */
	assert_int_equal(spool_open(&other, sd, 1 << 20, on_warn, NULL, &err), -EBUSY);
	if (!strstr(err.msg, spool_path(sp)) || !strstr(err.msg, "in use by another process"))
		fail_msg("%s", err.msg);
	assert_int_equal(spool_done(sp, 1, &err), 0);
	spool_close(sp);

	sp = open_ok(sd, 1 << 20);
	assert_int_equal(n_warned, 0);
	assert_int_equal(spool_n(sp), 2);
	assert_null(spool_get(sp, 0)->value);
	assert_int_equal(spool_get(sp, 0)->value_len, 0);
	assert_string_equal(spool_get(sp, 0)->key, "h");
	/* the empty value stays an empty value */
	assert_non_null(spool_get(sp, 1)->value);
	assert_int_equal(spool_get(sp, 1)->value_len, 0);
	/* a NULL value with a length is not a message */
	memset(&m, 0, sizeof(m));
	m.topic = strdup("t");
	m.value_len = 3;
	assert_int_equal(spool_append(sp, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NULL value"));
	spool_close(sp);
	tree_rm(dir);
	free(dir);
}

/* Reports out of order (partitions interleave): what is left, in order,
 * through appends, a compaction and a reopen. */
static void test_done_out_of_order(void **state)
{
	char *dir = tree_tmpdir();
	const char *sd = tree_path("%s/spool", dir);
	spool *sp = open_ok(sd, 1 << 20);
	static const char *const v[] = { "a", "b", "c", "d", "e", "f" };
	accel_err err;

	(void)state;
	for (size_t i = 0; i < 6; i++)
		append_ok(sp, SPOOL_EVENTS, "k", v[i]);
	sync_ok(sp);
	assert_int_equal(spool_done(sp, 3, &err), 0);
	assert_int_equal(spool_done(sp, 5, &err), 0);
	assert_int_equal(spool_done(sp, 3, &err), 0); /* twice: nothing */
	assert_string_equal(values(sp), "a,b,d,f");
	assert_int_equal(spool_after(sp, 2), 2); /* d */
	assert_int_equal(spool_done(sp, 2, &err), 0);
	assert_int_equal(spool_done(sp, 1, &err), 0);
	append_ok(sp, SPOOL_EVENTS, "k", "g");
	sync_ok(sp);
	assert_string_equal(values(sp), "d,f,g");
	assert_int_equal(spool_done(sp, 6, &err), 0);
	assert_int_equal(spool_compact(sp, &err), 0);
	assert_string_equal(values(sp), "d,g");
	spool_close(sp);
	sp = open_ok(sd, 1 << 20);
	assert_string_equal(values(sp), "d,g");
	assert_int_equal(spool_done(sp, 7, &err), 0);
	assert_int_equal(spool_done(sp, 4, &err), 0);
	assert_int_equal(spool_n(sp), 0);
	assert_int_equal(file_size(spool_path(sp)), 0);
	spool_close(sp);
	tree_rm(dir);
	free(dir);
}

/* ---- the parser on malformed records ---- */

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return c ^ 0xffffffffu;
}

/* A record around body (n bytes), its length and checksum right. */
static size_t record(uint8_t *out, const uint8_t *body, size_t n)
{
	uint32_t crc = crc32c(body, n);

	memcpy(out, "ASP1", 4);
	for (int i = 0; i < 4; i++) {
		out[4 + i] = (uint8_t)(n >> (8 * i));
		out[8 + i] = (uint8_t)(crc >> (8 * i));
	}
	memcpy(out + 12, body, n);
	return n + 12;
}

static int count_msg(spool_msg *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static void parse_bad(const uint8_t *body, size_t n, const char *why_want)
{
	uint8_t buf[512];
	char why[128];
	size_t len = record(buf, body, n), good = 99;
	int msgs = 0;

	assert_int_equal(spool_parse(buf, len, count_msg, NULL, &msgs, &good, why, sizeof(why)), 0);
	assert_int_equal(good, 0);
	assert_int_equal(msgs, 0);
	if (!strstr(why, why_want))
		fail_msg("want '%s', got '%s'", why_want, why);
}

static void test_parse_bad(void **state)
{
	/* type, seq 1, class 2, topic "t", key "", 0 headers, value "v" */
	static const uint8_t ok[] = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 't', 0, 0, 0,
				      1, 0, 0, 0, 'v' };
	uint8_t b[sizeof(ok)], buf[256];
	char why[128];
	size_t good, len;
	int msgs = 0;

	(void)state;
	len = record(buf, ok, sizeof(ok));
	assert_int_equal(spool_parse(buf, len, count_msg, NULL, &msgs, &good, why, sizeof(why)), 0);
	assert_int_equal(good, len);
	assert_int_equal(msgs, 1);

	memcpy(b, ok, sizeof(b));
	b[0] = 7;
	parse_bad(b, sizeof(b), "an unknown record type");
	memcpy(b, ok, sizeof(b));
	b[9] = 3;
	parse_bad(b, sizeof(b), "an unknown message class");
	memcpy(b, ok, sizeof(b));
	b[10] = 0; /* empty topic */
	parse_bad(b, sizeof(b), "length out of range");
	memcpy(b, ok, sizeof(b));
	b[12] = '\0';
	parse_bad(b, sizeof(b), "a NUL byte inside a string");
	memcpy(b, ok, sizeof(b));
	b[15] = 17;
	parse_bad(b, sizeof(b), "more headers than");
	memcpy(b, ok, sizeof(b));
	b[16] = 2;
	parse_bad(b, sizeof(b), "the value's length is not what the record holds");
	memcpy(b, ok, sizeof(b));
	b[10] = 200; /* topic past the end */
	parse_bad(b, sizeof(b), "runs past the record's end");
	parse_bad(ok, 5, "runs past the record's end");
	/* a NULL value (length 0xffffffff) with bytes after it */
	{
		static const uint8_t tomb[] = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 't', 1, 0, 'h',
						0, 0xff, 0xff, 0xff, 0xff };
		uint8_t t2[sizeof(tomb) + 1];

		len = record(buf, tomb, sizeof(tomb));
		msgs = 0;
		assert_int_equal(spool_parse(buf, len, count_msg, NULL, &msgs, &good, why,
					     sizeof(why)),
				 0);
		assert_int_equal(good, len);
		assert_int_equal(msgs, 1);
		memcpy(t2, tomb, sizeof(tomb));
		t2[sizeof(tomb)] = 'v';
		parse_bad(t2, sizeof(t2), "bytes after a NULL value");
	}
	/* a done mark of the wrong length */
	parse_bad((const uint8_t[]){ 2, 1, 0, 0 }, 4, "a done mark of the wrong length");
	/* the sequence going back */
	len = record(buf, ok, sizeof(ok));
	len += record(buf + len, ok, sizeof(ok));
	msgs = 0;
	spool_parse(buf, len, count_msg, NULL, &msgs, &good, why, sizeof(why));
	assert_int_equal(msgs, 1);
	assert_int_equal(good, len / 2);
	assert_non_null(strstr(why, "sequence number goes back"));
	/* length 0, and a length past the limit */
	memcpy(buf, "ASP1\0\0\0\0\0\0\0\0", 12);
	spool_parse(buf, 12, NULL, NULL, NULL, &good, why, sizeof(why));
	assert_int_equal(good, 0);
	assert_non_null(strstr(why, "a record length out of range"));
	memcpy(buf, "ASP1\0\0\0\x7f\0\0\0\0", 12);
	spool_parse(buf, 12, NULL, NULL, NULL, &good, why, sizeof(why));
	assert_non_null(strstr(why, "a record length out of range"));
	spool_parse(buf, 7, NULL, NULL, NULL, &good, why, sizeof(why));
	assert_non_null(strstr(why, "a record header cut short"));
}

/* ---- the envelope ---- */

static json_object *member(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no member '%s' in %s", k, json_object_to_json_string(o));
	return v;
}

static bool matches(const char *s, const char *re)
{
	regex_t r;
	bool ok;

	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static void test_envelope(void **state)
{
	struct timespec t = { .tv_sec = 1764662400, .tv_nsec = 123456789 }; /* 2025-12-02 */
	json_object *payload = json_object_new_object(), *env, *msg;
	const char *inner;
	spool_msg m;
	accel_err err;
	char id[37];

	(void)state;
	json_object_object_add(payload, "host", json_object_new_string("c-1"));
	/* what the envelope's own escaping must carry through unchanged */
	json_object_object_add(payload, "odd",
			       json_object_new_string("q\"b\\s/\n\t\r\b\f\x01\x1f\xc3\xa9"));
	assert_int_equal(envelope_build(&m, SPOOL_EVENTS, "accelsched.events.info",
					"c-1/0000:17:00.0", "c-1", "accelerator.device.create",
					payload, &t, &err),
			 0);
	assert_string_equal(m.topic, "accelsched.events.info");
	assert_string_equal(m.key, "c-1/0000:17:00.0");
	env = json_tokener_parse(m.value);
	assert_non_null(env);
	assert_int_equal(json_object_object_length(env), 2);
	assert_string_equal(json_object_get_string(member(env, "oslo.version")), "2.0");
	inner = json_object_get_string(member(env, "oslo.message"));
	msg = json_tokener_parse(inner);
	assert_non_null(msg);
	assert_int_equal(json_object_object_length(msg), 7);
	snprintf(id, sizeof(id), "%s", json_object_get_string(member(msg, "message_id")));
	assert_true(matches(id, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
	assert_string_equal(json_object_get_string(member(msg, "publisher_id")),
			    "accelsched-agent:c-1");
	assert_string_equal(json_object_get_string(member(msg, "event_type")),
			    "accelerator.device.create");
	assert_string_equal(json_object_get_string(member(msg, "priority")), "INFO");
	assert_string_equal(json_object_get_string(member(msg, "timestamp")),
			    "2025-12-02 08:00:00.123456");
	assert_string_equal(json_object_get_string(member(member(msg, "payload"), "host")), "c-1");
	assert_string_equal(json_object_get_string(member(member(msg, "payload"), "odd")),
			    "q\"b\\s/\n\t\r\b\f\x01\x1f\xc3\xa9");
	assert_true(json_object_is_type(member(msg, "_context"), json_type_object));
	assert_int_equal(json_object_object_length(member(msg, "_context")), 0);
	/* CloudEvents binary mode */
	assert_int_equal(m.n_headers, 6);
	assert_string_equal(m.headers[0].name, "ce_specversion");
	assert_string_equal(m.headers[0].value, "1.0");
	assert_string_equal(m.headers[1].name, "ce_id");
	assert_string_equal(m.headers[1].value, id);
	assert_string_equal(m.headers[2].name, "ce_source");
	assert_string_equal(m.headers[2].value, "accelsched-agent:c-1");
	assert_string_equal(m.headers[3].name, "ce_type");
	assert_string_equal(m.headers[3].value, "accelerator.device.create");
	assert_string_equal(m.headers[4].name, "ce_time");
	assert_string_equal(m.headers[4].value, "2025-12-02T08:00:00.123456Z");
	assert_string_equal(m.headers[5].name, "content-type");
	assert_string_equal(m.headers[5].value, "application/json");
	json_object_put(msg);
	json_object_put(env);
	spool_msg_clear(&m);
	/* every id its own */
	{
		char a[37], b[37];

		assert_int_equal(envelope_uuid4(a), 0);
		assert_int_equal(envelope_uuid4(b), 0);
		assert_string_not_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_torn),
		cmocka_unit_test(test_bound),	  cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_envelope), cmocka_unit_test(test_tombstone),
		cmocka_unit_test(test_done_out_of_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
