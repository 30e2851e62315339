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

bool accel_text_room(accel_text *t, size_t n)
{
	if (t->rc)
		return false;
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *np;

		while (cap < t->n + n + 1)
			cap *= 2;
		np = realloc(t->p, cap);
		if (!np) {
			t->rc = -ENOMEM;
			return false;
		}
		t->p = np;
		t->cap = cap;
	}
	return true;
}

void accel_text_put(accel_text *t, const char *s, size_t n)
{
	if (!accel_text_room(t, n))
		return;
	memcpy(t->p + t->n, s, n);
	t->n += n;
	t->p[t->n] = '\0';
}

void accel_text_str(accel_text *t, const char *s)
{
	accel_text_put(t, s, strlen(s));
}

/* what each byte becomes in a JSON string: 0 itself, 'u' \u00XX, else a
 * backslash and that letter */
static const char esc_of[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0] = 'u', [1] = 'u', [2] = 'u', [3] = 'u', [4] = 'u', [5] = 'u', [6] = 'u',
	[7] = 'u', [11] = 'u', [14] = 'u', [15] = 'u', [16] = 'u', [17] = 'u', [18] = 'u',
	[19] = 'u', [20] = 'u', [21] = 'u', [22] = 'u', [23] = 'u', [24] = 'u', [25] = 'u',
	[26] = 'u', [27] = 'u', [28] = 'u', [29] = 'u', [30] = 'u', [31] = 'u',
	['"'] = '"', ['\\'] = '\\',
};

void accel_text_esc(accel_text *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t more = 0;
	char *o;

	for (size_t i = 0; i < n; i++) {
		char e = esc_of[(unsigned char)s[i]];

		more += !e ? 0 : e == 'u' ? 5 : 1;
	}
	if (!accel_text_room(t, n + more))
		return;
	o = t->p + t->n;
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
	t->n = (size_t)(o - t->p);
	t->p[t->n] = '\0';
}
