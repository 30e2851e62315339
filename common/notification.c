// SPDX-License-Identifier: Apache-2.0
/* The oslo.messaging 2.0 envelope, read back (internal/notification.h). */
#include <errno.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/internal/notification.h>

/* Copy the string member `key` of msg into buf, or say which is wrong. */
static int field(json_object *msg, const char *key, char *buf, size_t size, accel_err *err)
{
	json_object *v = NULL;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(msg, key, &v) || !json_object_is_type(v, json_type_string))
		return accel_err_set(err, -EBADMSG,
				     "notification: the message has no string \"%s\"", key);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n >= size || memchr(s, '\0', n))
		return accel_err_set(err, -EBADMSG,
				     "notification: \"%s\" is empty, has a NUL or is over %zu bytes",
				     key, size - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int accel_notification_parse(const void *value, size_t len, accel_notification *out,
			     accel_err *err)
{
	json_object *env = NULL, *msg = NULL, *v;
	const char *ver, *text;
	int r;

	memset(out, 0, sizeof(*out));
	if (!value || !len)
		return accel_err_set(err, -EBADMSG, "notification: empty record");
	r = accel_json_parse(value, len, ACCEL_MAX_JSON_BYTES, "notification", &env, err);
	if (r)
		return r;
	if (!json_object_is_type(env, json_type_object)) {
		r = accel_err_set(err, -EBADMSG, "notification: not a JSON object");
		goto out;
	}
	ver = accel_json_str(env, "oslo.version", 16);
	if (!ver || strcmp(ver, "2.0")) {
		r = accel_err_set(err, -EBADMSG,
				  "notification: \"oslo.version\" is %s%s%s, not \"2.0\"",
				  ver ? "\"" : "", ver ? ver : "missing", ver ? "\"" : "");
		goto out;
	}
	if (!json_object_object_get_ex(env, "oslo.message", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		r = accel_err_set(err, -EBADMSG,
				  "notification: \"oslo.message\" missing or not a string");
		goto out;
	}
	text = json_object_get_string(v);
	r = accel_json_parse(text, (size_t)json_object_get_string_len(v), ACCEL_MAX_JSON_BYTES,
			     "notification: oslo.message", &msg, err);
	if (r)
		goto out;
	if (!json_object_is_type(msg, json_type_object)) {
		r = accel_err_set(err, -EBADMSG, "notification: oslo.message is not a JSON object");
		goto out;
	}
	if ((r = field(msg, "message_id", out->message_id, sizeof(out->message_id), err)) ||
	    (r = field(msg, "publisher_id", out->publisher_id, sizeof(out->publisher_id), err)) ||
	    (r = field(msg, "event_type", out->event_type, sizeof(out->event_type), err)) ||
	    (r = field(msg, "priority", out->priority, sizeof(out->priority), err)) ||
	    (r = field(msg, "timestamp", out->timestamp, sizeof(out->timestamp), err)))
		goto out;
	if (!json_object_object_get_ex(msg, "payload", &out->payload) || !out->payload) {
		r = accel_err_set(err, -EBADMSG, "notification: the message has no \"payload\"");
		goto out;
	}
	if (!accel_json_get(msg, "_context", json_type_object)) {
		r = accel_err_set(err, -EBADMSG,
				  "notification: the message has no \"_context\" object");
		goto out;
	}
	out->root = msg;
	msg = NULL;
out:
	json_object_put(env);
	json_object_put(msg);
	if (r)
		memset(out, 0, sizeof(*out));
	return r;
}

void accel_notification_release(accel_notification *n)
{
	if (!n)
		return;
	json_object_put(n->root);
	memset(n, 0, sizeof(*n));
}
