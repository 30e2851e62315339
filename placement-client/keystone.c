/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keystone v3: a token for [placement]'s credentials (password, application
 * credential, token, or none), and Placement's URL from the service catalog
 * by interface and region (or endpoint_override).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/util.h>
#include "pc.h"

void pc_auth_clear(struct pc_auth *a)
{
	if (a->token)
		explicit_bzero(a->token, strlen(a->token));
	free(a->token);
	free(a->placement);
	memset(a, 0, sizeof(*a));
}

static char *strip_slash(const char *url)
{
	char *u = strdup(url);
	size_t n;

	if (!u)
		return NULL;
	n = strlen(u);
	while (n && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

int pc_keystone_auth(struct pc_http *h, const volatile int *cancel, const accel_placement_conf *c,
		     struct pc_auth *out, unsigned *requests, accel_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json",
					       "Accept: application/json", NULL };
	struct pc_resp resp;
	char url[2048], *body, *base, *placement = NULL;
	double expires = 0;
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if (c->auth_type == ACCEL_AUTH_NONE) {
		/* noauth2 Placement still wants a token header ("admin", or
		 * "user:project"): osc's admin_token plugin sends `token` */
		out->placement = strip_slash(c->endpoint_override);
		if (c->token)
			out->token = strdup(c->token);
		return out->placement && (!c->token || out->token)
			       ? 0
			       : accel_err_set(err, -ENOMEM, "out of memory");
	}
	base = strip_slash(c->auth_url);
	if (!base)
		return accel_err_set(err, -ENOMEM, "out of memory");
	n = strlen(base);
	/* keystoneauth's auth_url may or may not name the version */
	snprintf(url, sizeof(url), "%s%s/auth/tokens", base,
		 n >= 3 && !strcmp(base + n - 3, "/v3") ? "" : "/v3");
	free(base);
	body = pc_body_auth(c);
	if (!body)
		return accel_err_set(err, -ENOMEM, "out of memory");
	r = pc_http_do(h, cancel, "POST", url, headers, body, &resp, err);
	explicit_bzero(body, strlen(body));
	free(body);
	if (requests)
		(*requests)++;
	if (r)
		return accel_err_prefix(err, r, "Keystone");
	if (resp.status != 201 && resp.status != 200) {
		char detail[512], code[64];

		if (pc_parse_error(resp.body, resp.len, detail, sizeof(detail), code,
				   sizeof(code)))
			snprintf(detail, sizeof(detail), "no error text");
		/* refused credentials: -EKEYREJECTED, which the caller does not
		 * retry soon (auth_retry_interval) */
		r = accel_err_set(err,
				  resp.status == 401 || resp.status == 403 ? -EKEYREJECTED
				  : resp.status >= 500			  ? -EAGAIN
									  : -EPROTO,
				  "Keystone: POST %s: HTTP %ld: %s", url, resp.status, detail);
		pc_resp_free(&resp);
		return r;
	}
	if (!resp.subject_token || !*resp.subject_token) {
		pc_resp_free(&resp);
		return accel_err_set(err, -EPROTO, "Keystone: POST %s: no X-Subject-Token", url);
	}
	r = pc_parse_token(resp.body, resp.len, c->interface ? c->interface : "public",
			   c->region_name, &expires, c->endpoint_override ? NULL : &placement,
			   err);
	if (r) {
		pc_resp_free(&resp);
		return r;
	}
	if (c->endpoint_override) {
		placement = strip_slash(c->endpoint_override);
	} else if (!placement) {
		pc_resp_free(&resp);
		return accel_err_set(err, -ENOENT,
				     "Keystone: the token has no service catalog (is it scoped to a "
				     "project?)");
	} else {
		char *p = strip_slash(placement);

		free(placement);
		placement = p;
	}
	out->token = resp.subject_token;
	resp.subject_token = NULL;
	out->expires = expires;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		out->issued = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	}
	out->placement = placement;
	pc_resp_free(&resp);
	return out->placement ? 0 : accel_err_set(err, -ENOMEM, "out of memory");
}
