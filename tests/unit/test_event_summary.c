/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl events' summary of a payload (cli/event_summary.c): each event
 * type of docs/kafka.md on a payload as acceld writes it, then malformed
 * payloads, each refused with what is wrong; a summary is one line of
 * printable text, cut short when long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/util.h>

#include "event_summary.h"

static char buf[EVENT_SUMMARY_MAX], why[256];

static int sum(const char *type, const char *payload)
{
	json_object *p = json_tokener_parse(payload);
	int r;

	if (!p && strcmp(payload, "null"))
		fail_msg("test payload is not JSON: %s", payload);
	r = event_summary(type, p, buf, sizeof(buf), why, sizeof(why));
	json_object_put(p);
	return r;
}

static void ok(const char *type, const char *payload, const char *want)
{
	if (sum(type, payload))
		fail_msg("%s %s: %s", type, payload, why);
	assert_string_equal(buf, want);
}

static void refused(const char *type, const char *payload, const char *want)
{
	assert_int_equal(sum(type, payload), -EINVAL);
	assert_string_equal(buf, "");
	if (!strstr(why, want))
		fail_msg("%s %s: want '%s', got '%s'", type, payload, want, why);
}

#define DEV "{\"model\":\"RTX 6000 Ada\",\"kind\":\"gpu\",\"health\":\"ok\"}"

static void test_events(void **state)
{
	(void)state;
	ok("accelerator.device.create", "{\"host\":\"h\",\"device\":" DEV "}",
	   "RTX 6000 Ada (gpu) health ok");
	ok("accelerator.device.update", "{\"device\":" DEV ",\"changed\":[\"driver\",\"numa_node\"]}",
	   "RTX 6000 Ada (gpu) health ok, changed: driver,numa_node");
	ok("accelerator.device.delete", "{\"device\":" DEV "}", "RTX 6000 Ada (gpu) removed");
	ok("accelerator.device.health",
	   "{\"device\":" DEV ",\"health\":\"degraded\",\"previous\":\"ok\"}",
	   "RTX 6000 Ada (gpu) health ok -> degraded");
	/* no model: the ids */
	ok("accelerator.device.create",
	   "{\"device\":{\"vendor_id\":\"10de\",\"device_id\":\"26b1\"}}",
	   "10de:26b1 health unknown");
	ok("accelerator.inventory.snapshot", "{\"devices\":[{},{}],\"generation\":7}",
	   "2 devices, generation 7");
	ok("accelerator.inventory.snapshot", "{\"devices\":[{}]}", "1 device");
	ok("accelerator.metrics",
	   "{\"model\":\"MI50\",\"kind\":\"gpu\",\"metrics\":["
	   "{\"name\":\"hw.gpu.utilization\",\"value\":0.04},"
	   "{\"name\":\"hw.gpu.memory.usage\",\"value\":1073741824},"
	   "{\"name\":\"hw.gpu.memory.limit\",\"value\":17179869184},"
	   "{\"name\":\"hw.temperature\",\"value\":45.4},"
	   "{\"name\":\"hw.power\",\"value\":100}]}",
	   "MI50 (gpu) util 4%, mem 1.0/16.0 GiB, temp 45 C");
	ok("accelerator.metrics", "{\"metrics\":[{\"name\":\"hw.power\",\"value\":1}]}",
	   "unknown model no utilization, memory or temperature reading");
	/* not ours: nothing to say, nothing wrong */
	ok("compute.instance.create.end", "{\"x\":1}", "");
	ok(NULL, "{}", "");
}

static void test_malformed(void **state)
{
	(void)state;
	refused("accelerator.device.create", "[1]", "payload: not a JSON object");
	refused("accelerator.device.create", "null", "payload: not a JSON object");
	refused("accelerator.device.create", "{}", "payload.device: missing or not an object");
	refused("accelerator.device.create", "{\"device\":\"gpu\"}", "payload.device: missing");
	refused("accelerator.device.create", "{\"device\":{\"model\":5}}",
		"payload.device: model, kind, vendor_id or device_id is not a printable string");
	refused("accelerator.device.create", "{\"device\":{\"model\":\"a\\nb\"}}",
		"is not a printable string");
	refused("accelerator.device.create", "{\"device\":{\"health\":[]}}",
		"payload.device.health: not a printable string");
	refused("accelerator.device.update", "{\"device\":{}}", "payload.changed: missing");
	refused("accelerator.device.update", "{\"device\":{},\"changed\":[\"a\",3]}",
		"payload.changed[1]: not a field name");
	refused("accelerator.device.update", "{\"device\":{},\"changed\":[\"a\\u0007\"]}",
		"payload.changed[0]: not a field name");
	refused("accelerator.device.health", "{\"device\":{},\"health\":\"ok\"}",
		"payload.health and payload.previous");
	refused("accelerator.inventory.snapshot", "{\"devices\":{}}", "payload.devices: missing");
	refused("accelerator.inventory.snapshot", "{\"devices\":[],\"generation\":-1}",
		"payload.generation: not a count");
	refused("accelerator.inventory.snapshot", "{\"devices\":[],\"generation\":\"7\"}",
		"payload.generation: not a count");
	refused("accelerator.metrics", "{}", "payload.metrics: missing");
	refused("accelerator.metrics", "{\"metrics\":[1]}", "payload.metrics[0]: not an object");
	refused("accelerator.metrics", "{\"metrics\":[{\"value\":1}]}",
		"payload.metrics[0].name: missing");
	refused("accelerator.metrics", "{\"metrics\":[{\"name\":\"hw.temperature\",\"value\":\"hot\"}]}",
		"payload.metrics[0].value: not a number (hw.temperature)");
	refused("accelerator.metrics", "{\"metrics\":[{\"name\":\"hw.temperature\"}]}",
		"payload.metrics[0].value: not a number");
}

/* A long model: cut with "...", still one line in the buffer. */
static void test_long(void **state)
{
	char payload[1024], model[201];
	char small[16];
	json_object *p;

	(void)state;
	memset(model, 'M', 200);
	model[200] = '\0';
	snprintf(payload, sizeof(payload),
		 "{\"device\":{\"model\":\"%s\"},\"changed\":[\"%s\",\"%s\",\"%s\"]}", model, model,
		 model, model);
	assert_int_equal(sum("accelerator.device.update", payload), 0);
	assert_true(strlen(buf) == sizeof(buf) - 1);
	assert_string_equal(buf + sizeof(buf) - 4, "...");
	/* a tiny buffer */
	p = json_tokener_parse(payload);
	assert_int_equal(event_summary("accelerator.device.update", p, small, sizeof(small), why,
				       sizeof(why)),
			 0);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + sizeof(small) - 4, "...");
	json_object_put(p);
	/* cut where a UTF-8 character would be split: before it */
	p = json_tokener_parse("{\"device\":{\"model\":\"abc\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\"}}");
	assert_int_equal(event_summary("accelerator.device.create", p, small, sizeof(small), why,
				       sizeof(why)),
			 0);
	assert_true(accel_text_ok(small, strlen(small)));
	assert_string_equal(small, "abc\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
	json_object_put(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
