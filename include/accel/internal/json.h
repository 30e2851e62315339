/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON helpers over json-c for parsers of outside input: a bounded, strict
 * document parse and typed member lookups.
 *
 * Internal: shared by the libraries (common/, placement-client/), never
 * installed and not exported from libaccel.so, so that json-c's types stay
 * out of the public headers (those directly in include/accel/).
 */
#ifndef ACCEL_INTERNAL_JSON_H
#define ACCEL_INTERNAL_JSON_H

#include <json-c/json.h>

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_JSON_MAX_DEPTH 32

/* Parse exactly one JSON value (trailing whitespace allowed) of at most
 * `max` bytes and depth ACCEL_JSON_MAX_DEPTH. On failure *err says
 * "<what>: invalid JSON at byte N: <reason>" and returns -EBADMSG (or
 * -E2BIG over max). The caller puts *out. */
int accel_json_parse(const char *text, size_t len, size_t max, const char *what, json_object **out,
		     accel_err *err);

/* The member `key` of object o if it has type t, else NULL (also when o is
 * not an object or the member is null). */
json_object *accel_json_get(json_object *o, const char *key, json_type t);

/* A string member of at most `max` bytes of printable UTF-8, else NULL. */
const char *accel_json_str(json_object *o, const char *key, size_t max);

#ifdef __cplusplus
}
#endif
#endif
