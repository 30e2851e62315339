/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the scheduler's feed (scheduler/feed.c): acceld's records,
 * in the envelope agent/envelope.c writes, applied to a host table;
 * tombstones, metrics, duplicates, and malformed records that must change
 * nothing, fail naming where they were, and leave the feed working.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/internal/sched_feed.h>
#include <accel/sched.h>
#include <accel/util.h>

#define INV ACCEL_FEED_INVENTORY
#define MET ACCEL_FEED_METRICS

/* The oslo.messaging 2.0 envelope of a message whose payload is the JSON
 * text `payload` (docs/kafka.md). */
static char *envelope_v(const char *version, const char *id, const char *event_type,
			const char *payload)
{
	char *msg, *out;
	json_object *env = json_object_new_object();

	assert_true(asprintf(&msg,
			     "{\"message_id\":\"%s\",\"publisher_id\":\"accelsched-agent:h\","
			     "\"event_type\":\"%s\",\"priority\":\"INFO\",\"payload\":%s,"
			     "\"timestamp\":\"2026-12-02 05:08:14.452155\",\"_context\":{}}",
			     id, event_type, payload) > 0);
	json_object_object_add(env, "oslo.version", json_object_new_string(version));
	json_object_object_add(env, "oslo.message", json_object_new_string(msg));
	out = strdup(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	json_object_put(env);
	free(msg);
	return out;
}

static char *envelope(const char *id, const char *event_type, const char *payload)
{
	return envelope_v("2.0", id, event_type, payload);
}

/* Two GPUs of host, utilization u (-1: unknown). */
static char *inventory(const char *host, int u)
{
	accel_inventory *inv;
	accel_device *d;
	char *text;

	assert_int_equal(accel_inventory_new(&inv, host), 0);
	for (int i = 0; i < 2; i++) {
		char addr[ACCEL_ADDR_MAX];

		snprintf(addr, sizeof(addr), "0000:%02x:00.0", 0x17 + i);
		assert_int_equal(accel_inventory_add_device(inv, addr, &d), 0);
		d->kind = ACCEL_KIND_GPU;
		d->vendor_id = 0x10de;
		d->memory_mb = 81920;
		d->in_use = 0;
		d->utilization = u;
		accel_device_set(&d->resource_class, "PGPU");
	}
	assert_int_equal(accel_inventory_to_json(inv, 0, &text), 0);
	accel_inventory_free(inv);
	return text;
}

static char *metrics_payload(const char *host, const char *addr, const char *value)
{
	char *p;

	assert_true(asprintf(&p,
			     "{\"host\":\"%s\",\"address\":\"%s\",\"kind\":\"gpu\","
			     "\"collected_at\":\"2026-12-02T05:00:00Z\",\"metrics\":["
			     "{\"name\":\"hw.power\",\"unit\":\"W\",\"value\":250},"
			     "{\"name\":\"hw.gpu.utilization\",\"unit\":\"1\",\"value\":%s}]}",
			     host, addr, value) > 0);
	return p;
}

struct fx {
	accel_sched_hosts *t;
	accel_sched_feed *f;
	accel_sched_request *busy; /* 2 GPUs at most 50 % busy */
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	const char *k[] = {"resources:PGPU", "accelsched:max_utilization"}, *v[] = {"2", "50"};
	accel_err err;

	assert_int_equal(accel_sched_hosts_new(&x->t), 0);
	assert_int_equal(accel_sched_feed_new(x->t, &x->f), 0);
	assert_int_equal(accel_sched_request_parse(k, v, 2, &x->busy, &err), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	accel_sched_request_free(x->busy);
	accel_sched_feed_free(x->f);
	accel_sched_hosts_free(x->t);
	free(x);
	return 0;
}

static int feed(struct fx *x, accel_sched_feed_kind kind, const char *key, const char *value,
		accel_err *err)
{
	return accel_sched_feed_record(x->f, kind, key, key ? strlen(key) : 0, value,
				       value ? strlen(value) : 0, "topic[0]@7", err);
}

/* Feed a good snapshot of host (utilization u) with message id `id`. */
static void snapshot(struct fx *x, const char *host, const char *id, int u)
{
	char *inv = inventory(host, u), *rec = envelope(id, ACCEL_FEED_EVENT_INVENTORY, inv);
	accel_err err;

	assert_int_equal(feed(x, INV, host, rec, &err), 0);
	free(inv);
	free(rec);
}

static bool passes(struct fx *x, const char *host)
{
	accel_sched_result res;

	assert_int_equal(accel_sched_evaluate(x->t, x->busy, &host, 1, &res), 0);
	return res.pass;
}

static accel_sched_feed_stats stats(struct fx *x)
{
	accel_sched_feed_stats st;

	accel_sched_feed_stats_get(x->f, &st);
	return st;
}

static void test_snapshot_and_tombstone(void **state)
{
	struct fx *x = *state;
	uint32_t g = accel_sched_hosts_generation(x->t);
	accel_err err;

	snapshot(x, "compute-1", "id-1", 10);
	assert_int_equal(accel_sched_hosts_count(x->t), 1);
	assert_true(accel_sched_hosts_generation(x->t) != g);
	assert_true(passes(x, "compute-1"));
	/* a newer snapshot replaces it: now busy */
	snapshot(x, "compute-1", "id-2", 90);
	assert_false(passes(x, "compute-1"));
	assert_int_equal(stats(x).inventories, 2);
	assert_int_equal(stats(x).hosts, 1);

	/* tombstone: the host goes */
	assert_int_equal(feed(x, INV, "compute-1", NULL, &err), 0);
	assert_int_equal(accel_sched_hosts_count(x->t), 0);
	assert_false(passes(x, "compute-1"));
	assert_int_equal(stats(x).tombstones, 1);
	assert_int_equal(stats(x).hosts, 0);
	/* again, or of a host never seen: nothing to do */
	assert_int_equal(feed(x, INV, "compute-1", NULL, &err), 0);
	assert_int_equal(feed(x, INV, "nowhere", NULL, &err), 0);
	assert_int_equal(stats(x).ignored, 2);
	/* it comes back */
	snapshot(x, "compute-1", "id-3", 0);
	assert_true(passes(x, "compute-1"));
	assert_int_equal(stats(x).records, 6);
	assert_int_equal(stats(x).skipped, 0);
}

static void test_duplicates(void **state)
{
	struct fx *x = *state;
	char *inv = inventory("compute-1", 90), *rec = envelope("same", ACCEL_FEED_EVENT_INVENTORY, inv);
	accel_err err;

	snapshot(x, "compute-1", "same", 10);
	/* the same id again, with other content: dropped, the host stays idle */
	assert_int_equal(feed(x, INV, "compute-1", rec, &err), 0);
	assert_true(passes(x, "compute-1"));
	assert_int_equal(stats(x).duplicates, 1);
	assert_int_equal(stats(x).inventories, 1);
	free(inv);
	free(rec);
	/* a full ring later the id is forgotten */
	for (int i = 0; i < ACCEL_FEED_DEDUP; i++) {
		char id[32];

		snprintf(id, sizeof(id), "fill-%d", i);
		snapshot(x, "compute-2", id, 0);
	}
	snapshot(x, "compute-2", "same", 0);
	assert_int_equal(stats(x).duplicates, 1);
}

static void test_metrics(void **state)
{
	struct fx *x = *state;
	char *p, *rec;
	accel_err err;

	snapshot(x, "compute-1", "inv-1", -1);
	assert_true(passes(x, "compute-1"));
	/* one GPU at 90 %: one of two left, the request for two fails */
	p = metrics_payload("compute-1", "0000:17:00.0", "0.9");
	rec = envelope("m-1", ACCEL_FEED_EVENT_METRICS, p);
	assert_int_equal(feed(x, MET, "compute-1/0000:17:00.0", rec, &err), 0);
	free(p);
	free(rec);
	assert_false(passes(x, "compute-1"));
	assert_int_equal(stats(x).metrics, 1);
	/* a snapshot without readings keeps the last one */
	snapshot(x, "compute-1", "inv-2", -1);
	assert_false(passes(x, "compute-1"));
	/* the same reading again changes nothing */
	p = metrics_payload("compute-1", "0000:17:00.0", "0.9");
	rec = envelope("m-2", ACCEL_FEED_EVENT_METRICS, p);
	assert_int_equal(feed(x, MET, "compute-1/0000:17:00.0", rec, &err), 0);
	assert_int_equal(stats(x).ignored, 1);
	free(p);
	free(rec);
	/* idle again (an integer value) */
	p = metrics_payload("compute-1", "0000:17:00.0", "0");
	rec = envelope("m-3", ACCEL_FEED_EVENT_METRICS, p);
	assert_int_equal(feed(x, MET, "compute-1/0000:17:00.0", rec, &err), 0);
	free(p);
	free(rec);
	assert_true(passes(x, "compute-1"));
	assert_int_equal(stats(x).metrics, 2);
	/* readings of a host or a device the feed has no inventory of */
	p = metrics_payload("compute-9", "0000:17:00.0", "0.5");
	rec = envelope("m-4", ACCEL_FEED_EVENT_METRICS, p);
	assert_int_equal(feed(x, MET, "compute-9/0000:17:00.0", rec, &err), 0);
	free(p);
	free(rec);
	p = metrics_payload("compute-1", "0000:99:00.0", "0.5");
	rec = envelope("m-5", ACCEL_FEED_EVENT_METRICS, p);
	assert_int_equal(feed(x, MET, "compute-1/0000:99:00.0", rec, &err), 0);
	free(p);
	free(rec);
	/* no utilization among the readings */
	rec = envelope("m-6", ACCEL_FEED_EVENT_METRICS,
		       "{\"host\":\"compute-1\",\"address\":\"0000:17:00.0\",\"metrics\":["
		       "{\"name\":\"hw.power\",\"value\":1}]}");
	assert_int_equal(feed(x, MET, "compute-1/0000:17:00.0", rec, &err), 0);
	free(rec);
	assert_int_equal(stats(x).ignored, 4);
	assert_int_equal(stats(x).skipped, 0);
}

/* Every malformed record: -EBADMSG (or -E2BIG), the message names where
 * and `what`, the table is unchanged, and it is counted. */
static void bad(struct fx *x, accel_sched_feed_kind kind, const char *key, const char *value,
		const char *what)
{
	accel_sched_feed_stats before = stats(x);
	uint32_t g = accel_sched_hosts_generation(x->t);
	size_t n = accel_sched_hosts_count(x->t);
	accel_err err;
	int r = feed(x, kind, key, value, &err);

	if (r != -EBADMSG && r != -E2BIG)
		fail_msg("%s: returned %d (%s)", what, r, err.msg);
	if (strncmp(err.msg, "topic[0]@7: ", 12) || !strstr(err.msg, what))
		fail_msg("expected \"topic[0]@7: ...%s...\", got \"%s\"", what, err.msg);
	assert_int_equal(stats(x).skipped, before.skipped + 1);
	assert_int_equal(accel_sched_hosts_generation(x->t), g);
	assert_int_equal(accel_sched_hosts_count(x->t), n);
}

static void test_malformed(void **state)
{
	struct fx *x = *state;
	char *inv = inventory("compute-1", 0), *other = inventory("compute-2", 0), *rec;
	char *p;

	snapshot(x, "compute-1", "good-1", 0);

	bad(x, INV, "compute-1", "not json", "invalid JSON");
	bad(x, INV, "compute-1", "{\"oslo.version\":\"2.0\"}", "oslo.message");
	rec = envelope_v("1.0", "v1", ACCEL_FEED_EVENT_INVENTORY, inv);
	bad(x, INV, "compute-1", rec, "oslo.version");
	free(rec);
	/* an inventory on the wrong topic, an event where a snapshot belongs */
	rec = envelope("wrong-1", "accelerator.device.create", inv);
	bad(x, INV, "compute-1", rec, "event_type \"accelerator.device.create\"");
	free(rec);
	rec = envelope("wrong-2", ACCEL_FEED_EVENT_INVENTORY, inv);
	bad(x, MET, "compute-1/0000:17:00.0", rec, "not \"accelerator.metrics\"");
	free(rec);
	/* a bad inventory document */
	rec = envelope("badinv-1", ACCEL_FEED_EVENT_INVENTORY, "{\"schema\":\"other\"}");
	bad(x, INV, "compute-1", rec, "the inventory: schema");
	free(rec);
	rec = envelope("badinv-2", ACCEL_FEED_EVENT_INVENTORY, "[1,2]");
	bad(x, INV, "compute-1", rec, "not an inventory object");
	free(rec);
	/* the key and the document disagree, or there is no key */
	rec = envelope("key-1", ACCEL_FEED_EVENT_INVENTORY, other);
	bad(x, INV, "compute-1", rec, "the key says \"compute-1\"");
	bad(x, INV, NULL, rec, "no key");
	bad(x, INV, "comp\nute-2", rec, "control character");
	free(rec);
	/* a tombstone where there are none */
	bad(x, MET, "compute-1/0000:17:00.0", NULL, "tombstone");
	/* metrics */
	p = metrics_payload("compute-1", "0000:17:00.0", "1.5");
	rec = envelope("met-1", ACCEL_FEED_EVENT_METRICS, p);
	bad(x, MET, "compute-1/0000:17:00.0", rec, "not a fraction");
	free(rec);
	rec = envelope("met-2", ACCEL_FEED_EVENT_METRICS, p);
	bad(x, MET, "compute-1/0000:18:00.0", rec, "the key says");
	free(rec);
	free(p);
	rec = envelope("met-3", ACCEL_FEED_EVENT_METRICS,
		       "{\"host\":\"compute-1\",\"address\":\"0000:17:00.0\",\"metrics\":[1]}");
	bad(x, MET, "compute-1/0000:17:00.0", rec, "metrics[0]: not an object");
	free(rec);
	rec = envelope("met-4", ACCEL_FEED_EVENT_METRICS,
		       "{\"host\":\"compute-1\",\"address\":\"0000:17:00.0\",\"metrics\":["
		       "{\"name\":\"hw.gpu.utilization\",\"value\":\"high\"}]}");
	bad(x, MET, "compute-1/0000:17:00.0", rec, "no number \"value\"");
	free(rec);
	rec = envelope("met-5", ACCEL_FEED_EVENT_METRICS, "{\"host\":\"compute-1\"}");
	bad(x, MET, "compute-1/0000:17:00.0", rec, "needs \"host\"");
	free(rec);

	/* the good records after them still apply */
	assert_true(passes(x, "compute-1"));
	p = metrics_payload("compute-1", "0000:18:00.0", "0.75");
	rec = envelope("good-2", ACCEL_FEED_EVENT_METRICS, p);
	{
		accel_err err;

		assert_int_equal(feed(x, MET, "compute-1/0000:18:00.0", rec, &err), 0);
	}
	free(rec);
	free(p);
	assert_false(passes(x, "compute-1"));
	snapshot(x, "compute-2", "good-3", 0);
	assert_int_equal(accel_sched_hosts_count(x->t), 2);
	/* a malformed record's id does not count as seen: "v1" again, good */
	rec = envelope("v1", ACCEL_FEED_EVENT_INVENTORY, inv);
	{
		accel_err err;

		assert_int_equal(feed(x, INV, "compute-1", rec, &err), 0);
	}
	free(rec);
	assert_int_equal(stats(x).duplicates, 0);
	free(inv);
	free(other);
}

/* Bytes that are no C string: a NUL inside the value, a value not
 * NUL-terminated, a key at the limit. */
static void test_bytes(void **state)
{
	struct fx *x = *state;
	char *inv = inventory("compute-1", 0), *rec = envelope("b-1", ACCEL_FEED_EVENT_INVENTORY, inv);
	char key[ACCEL_FEED_KEY_MAX + 1];
	size_t n = strlen(rec);
	char *copy = malloc(n);
	accel_err err;

	memcpy(copy, rec, n); /* no terminating NUL */
	assert_int_equal(accel_sched_feed_record(x->f, INV, "compute-1", 9, copy, n, "t[1]@2", &err),
			 0);
	assert_int_equal(accel_sched_hosts_count(x->t), 1);
	copy[n / 2] = '\0';
	assert_int_equal(accel_sched_feed_record(x->f, INV, "compute-1", 9, copy, n, "t[1]@3", &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "t[1]@3: "));
	memset(key, 'k', sizeof(key));
	assert_int_equal(accel_sched_feed_record(x->f, INV, key, sizeof(key) - 1, NULL, 0, "t[1]@4",
						 &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "over"));
	assert_int_equal(accel_sched_feed_record(x->f, INV, "k", 1, "", 0, "t[1]@5", &err),
			 -EBADMSG);
	assert_int_equal(accel_sched_feed_record(x->f, 7, "k", 1, NULL, 0, "t[1]@6", &err),
			 -EINVAL);
	free(copy);
	free(rec);
	free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_snapshot_and_tombstone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
