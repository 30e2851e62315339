// SPDX-License-Identifier: Apache-2.0
/* Reading the stream's records back (internal/notification.h): what acceld's
 * envelope writes reads back field for field, and every malformed record is
 * refused with the reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <accel/internal/notification.h>

#include "envelope.h"

static void reads_back_what_acceld_writes(void **state)
{
	struct timespec t = { .tv_sec = 1764662400, .tv_nsec = 123456000 };
	json_object *payload = json_object_new_object();
	accel_notification n;
	spool_msg m;
	accel_err err;

	(void)state;
	json_object_object_add(payload, "host", json_object_new_string("c-1"));
	assert_int_equal(envelope_build(&m, SPOOL_EVENTS, "accelsched.events.info",
					"c-1/0000:17:00.0", "c-1", "accelerator.device.create",
					payload, &t, &err),
			 0);
	assert_int_equal(accel_notification_parse(m.value, m.value_len, &n, &err), 0);
	assert_int_equal(strlen(n.message_id), 36);
	assert_string_equal(n.publisher_id, "accelsched-agent:c-1");
	assert_string_equal(n.event_type, "accelerator.device.create");
	assert_string_equal(n.priority, "INFO");
	assert_string_equal(n.timestamp, "2025-12-02 08:00:00.123456");
	assert_string_equal(json_object_get_string(json_object_object_get(n.payload, "host")), "c-1");
	accel_notification_release(&n);
	accel_notification_release(&n); /* twice is harmless */
	spool_msg_clear(&m);
}

/* An envelope around a message built from the fields below, one of them
 * replaced by `bad` (raw JSON text, NULL: left out). */
static char *record(const char *which, const char *bad)
{
	static const char *const keys[] = { "message_id", "publisher_id", "event_type",
					    "priority",	  "timestamp",	  "payload",
					    "_context" };
	static const char *const good[] = { "\"6f1c2c1e-0d57-4c1e-9a55-1d2b6c3e4f50\"",
					    "\"accelsched-agent:c-1\"",
					    "\"accelerator.metrics\"",
					    "\"INFO\"",
					    "\"2025-12-02 08:00:00.000000\"",
					    "{\"host\": \"c-1\"}",
					    "{}" };
	json_object *env = json_object_new_object();
	char text[4096] = "{";
	char *out;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = strcmp(keys[i], which) ? good[i] : bad;

		if (!v)
			continue;
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s\"%s\": %s",
			 text[1] ? ", " : "", keys[i], v);
	}
	strcat(text, "}");
	json_object_object_add(env, "oslo.version", json_object_new_string("2.0"));
	json_object_object_add(env, "oslo.message", json_object_new_string(text));
	out = strdup(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	json_object_put(env);
	return out;
}

static void refuses(const char *value, size_t len, const char *says)
{
	accel_notification n;
	accel_err err;

	memset(&n, 0x5a, sizeof(n));
	assert_int_not_equal(accel_notification_parse(value, len, &n, &err), 0);
	assert_null(n.root);
	assert_null(n.payload);
	if (!strstr(err.msg, says))
		fail_msg("\"%.*s\": \"%s\" does not say \"%s\"", (int)(len > 200 ? 200 : len),
			 value ? value : "(null)", err.msg, says);
	accel_notification_release(&n);
}

static void refuses_text(const char *value, const char *says)
{
	refuses(value, value ? strlen(value) : 0, says);
}

static void refuses_malformed_envelopes(void **state)
{
	(void)state;
	refuses_text(NULL, "empty record");
	refuses_text("", "empty record");
	refuses_text("not json", "invalid JSON");
	refuses_text("{\"oslo.version\": \"2.0\"", "invalid JSON");
	refuses_text("[1, 2]", "not a JSON object");
	refuses_text("{\"oslo.message\": \"{}\"}", "\"oslo.version\" is missing");
	refuses_text("{\"oslo.version\": \"1.0\", \"oslo.message\": \"{}\"}",
		     "\"oslo.version\" is \"1.0\"");
	refuses_text("{\"oslo.version\": \"2.0\"}", "\"oslo.message\" missing");
	refuses_text("{\"oslo.version\": \"2.0\", \"oslo.message\": {}}", "\"oslo.message\" missing");
	refuses_text("{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\"}", "oslo.message: invalid");
	refuses_text("{\"oslo.version\": \"2.0\", \"oslo.message\": \"[]\"}",
		     "oslo.message is not a JSON object");
	/* a NUL in the middle of the record's bytes */
	refuses("{\"oslo.version\": \"2.0\"\0}", 24, "invalid JSON");
}

static void refuses_malformed_messages(void **state)
{
	static const struct {
		const char *key, *value, *says;
	} cases[] = {
		{ "message_id", NULL, "no string \"message_id\"" },
		{ "message_id", "42", "no string \"message_id\"" },
		{ "message_id", "\"\"", "\"message_id\" is empty" },
		{ "message_id",
		  "\"0123456789012345678901234567890123456789012345678901234567890123\"",
		  "over 63 bytes" },
		{ "publisher_id", "null", "no string \"publisher_id\"" },
		{ "event_type", "[\"accelerator.metrics\"]", "no string \"event_type\"" },
		{ "priority", "\"a\\u0000b\"", "has a NUL" },
		{ "timestamp", NULL, "no string \"timestamp\"" },
		{ "payload", NULL, "no \"payload\"" },
		{ "payload", "null", "no \"payload\"" },
		{ "_context", NULL, "no \"_context\" object" },
		{ "_context", "\"\"", "no \"_context\" object" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = record(cases[i].key, cases[i].value);

		refuses_text(r, cases[i].says);
		free(r);
	}
}

static void accepts_any_payload_value(void **state)
{
	char *r = record("payload", "[1, \"two\"]");
	accel_notification n;
	accel_err err;

	(void)state;
	assert_int_equal(accel_notification_parse(r, strlen(r), &n, &err), 0);
	assert_true(json_object_is_type(n.payload, json_type_array));
	assert_string_equal(n.event_type, "accelerator.metrics");
	accel_notification_release(&n);
	assert_null(n.root);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_back_what_acceld_writes),
		cmocka_unit_test(refuses_malformed_envelopes),
		cmocka_unit_test(refuses_malformed_messages),
		cmocka_unit_test(accepts_any_payload_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
