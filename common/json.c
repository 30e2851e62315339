/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/util.h>

int accel_json_parse(const char *text, size_t len, size_t max, const char *what,
		     json_object **out, accel_err *err)
{
	struct json_tokener *tok;
	enum json_tokener_error e;
	json_object *root;
	size_t end;

	if (len > max || len > INT32_MAX)
		return accel_err_set(err, -E2BIG, "%s: larger than %zu bytes", what, max);
	tok = json_tokener_new_ex(ACCEL_JSON_MAX_DEPTH);
	if (!tok)
		return accel_err_set(err, -ENOMEM, "out of memory");
	root = json_tokener_parse_ex(tok, text ? text : "", (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root && e == json_tokener_success &&
	    (end == len || strspn(text + end, " \t\r\n") == len - end)) {
		*out = root;
		return 0;
	}
	json_object_put(root);
	return accel_err_set(err, -EBADMSG, "%s: invalid JSON at byte %zu: %s", what, end,
			     e == json_tokener_success	  ? "trailing data"
			     : e == json_tokener_continue ? "unexpected end"
							  : json_tokener_error_desc(e));
}

json_object *accel_json_get(json_object *o, const char *key, json_type t)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !v || !json_object_is_type(v, t))
		return NULL;
	return v;
}

const char *accel_json_str(json_object *o, const char *key, size_t max)
{
	json_object *v = accel_json_get(o, key, json_type_string);
	const char *s;
	size_t n;

	if (!v)
		return NULL;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > max || !accel_text_ok(s, n))
		return NULL;
	return s;
}

int accel_json_add(json_object *o, const char *k, json_object *v)
{
	/* json_object_object_add leaves v to the caller when it fails */
	if (json_object_object_add(o, k, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int accel_json_append(json_object *a, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int accel_json_strv(char *const *v, size_t n, json_object **out)
{
	int rc = 0;

	*out = json_object_new_array();
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		rc = accel_json_append(*out, json_object_new_string(v[i]));
	if (rc) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

int accel_json_text(json_object *root, int flags, char **out)
{
	const char *text = root ? json_object_to_json_string_ext(root, flags) : NULL;
	char *copy = text ? strdup(text) : NULL;

	json_object_put(root);
	if (!copy)
		return -ENOMEM;
	*out = copy;
	return 0;
}
