/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl events: the short summary of one notification's payload, a
 * parser of what comes from Kafka (anyone may produce to the topics), so
 * that each record is one line whatever it holds:
 *
 *   accelerator.device.create   MODEL (KIND) health H
 *   accelerator.device.update   MODEL (KIND) health H, changed: F,G
 *   accelerator.device.delete   MODEL (KIND) removed
 *   accelerator.device.health   MODEL (KIND) health PREVIOUS -> H
 *   accelerator.inventory.snapshot  N devices, generation G
 *   accelerator.metrics         MODEL util U%, mem X/Y GiB, temp T C
 *   any other event type        "" (nothing known of it)
 *
 * Fuzzed by fuzz/fuzz_event_summary.c.
 */
#ifndef ACCEL_CLI_EVENT_SUMMARY_H
#define ACCEL_CLI_EVENT_SUMMARY_H

#include <stddef.h>

#include <json-c/json.h>

#define EVENT_SUMMARY_MAX 512

/* The summary into buf (cap bytes, NUL-terminated, one line of printable
 * text, cut short with "..." when longer). 0, or -EINVAL with why (why_cap
 * bytes) saying what the payload lacks ("payload.device: not an object"). */
int event_summary(const char *event_type, json_object *payload, char *buf, size_t cap, char *why,
		  size_t why_cap);

#endif
