/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON helpers over json-c: for parsers of outside input a bounded, strict
 * document parse and typed member lookups; for writers, building that
 * checks every allocation.
 *
 * Internal: shared by the libraries (common/, placement-client/), never
 * installed and not exported from libaccel.so, so that json-c's types stay
 * out of the public headers (those directly in include/accel/).
 */
#ifndef ACCEL_INTERNAL_JSON_H
#define ACCEL_INTERNAL_JSON_H

#include <stdbool.h>
#include <stddef.h>

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

/* The inventory reader (accel_inventory_from_json) on a document already
 * parsed within those bounds, e.g. a stream record's payload: the same
 * checks and messages, without writing it back to text to read it again. */
struct accel_inventory;
int accel_inventory_from_object(json_object *root, struct accel_inventory **out, accel_err *err);

/* Writers that check every allocation (json-c's own calls would write a
 * null where a value could not be made). Each returns 0 or -ENOMEM. */

/* Give v to object o under k; v NULL is a JSON null. On failure v is put. */
int accel_json_add(json_object *o, const char *k, json_object *v);
/* Give v (NULL: it could not be made, -ENOMEM) to array a; put on failure. */
int accel_json_append(json_object *a, json_object *v);
/* A new array of the n strings of v. */
int accel_json_strv(char *const *v, size_t n, json_object **out);
/* root's text (json-c's JSON_C_TO_STRING_* flags), a copy in *out that the
 * caller frees. root is put in every case; root NULL is -ENOMEM. */
int accel_json_text(json_object *root, int flags, char **out);

/* A growing NUL-terminated text, for writers that skip json-c's objects
 * (they must write the bytes json-c would). {0} is empty; p, n, cap may
 * also take over an existing allocation. After an allocation fails every
 * call does nothing and rc is -ENOMEM (p stays valid, the caller frees). */
typedef struct accel_text {
	char *p;
	size_t n, cap;
	int rc;
} accel_text;

/* Room for n more bytes and the NUL after them; false after a failure. */
bool accel_text_room(accel_text *t, size_t n);
void accel_text_put(accel_text *t, const char *s, size_t n);
void accel_text_str(accel_text *t, const char *s);
/* s[0..n) as a JSON string's content, escaped as json-c escapes it
 * (without '/'), its escaped length counted first and made room for once. */
void accel_text_esc(accel_text *t, const char *s, size_t n);

struct accel_device;
/* d's JSON (accel_device_to_json's text, plain) added to the text at
 * *buf of *len bytes in an allocation of *cap (all 0 for a new one),
 * without json-c's objects in between. 0 or -ENOMEM. */
int accel_device_json_append(const struct accel_device *d, char **buf, size_t *len, size_t *cap);

#ifdef __cplusplus
}
#endif
#endif
