/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP through libcurl: one easy handle per client, so that connections to
 * Keystone and Placement are kept alive between requests; TLS verified
 * unless `insecure`; bodies bounded; nothing logged (headers carry tokens).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include <accel/util.h>
#include "pc.h"

struct pc_http {
	CURL *h;
	long timeout_ms;
	char errbuf[CURL_ERROR_SIZE];
};

/* One request's own: the answer, and its caller's stop request. */
struct sink {
	char *buf;
	size_t len, cap;
	bool over;
	char *token;
	const volatile int *cancel; /* non-zero: abort the transfer */
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;

	if (s->len + add > PC_MAX_BODY) {
		s->over = true;
		return 0; /* aborts the transfer */
	}
	if (s->len + add + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap < s->len + add + 1)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p)
			return 0;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

/* A token goes back into an X-Auth-Token header: only visible ASCII, so
 * that an answer cannot smuggle a header (CR, LF) or a NUL into requests. */
static bool token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

size_t pc_http_on_header(const char *data, size_t len, char **token)
{
	static const char name[] = "X-Subject-Token:";
	size_t k = sizeof(name) - 1;

	if (len > k && len < 8192 && !strncasecmp(data, name, k)) {
		const char *v = data + k;
		size_t vl = len - k;
		char *t = NULL;

		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' ||
			      v[vl - 1] == '\t'))
			vl--;
		for (size_t i = 0; i < vl; i++)
			if (!token_char((unsigned char)v[i]))
				vl = 0; /* not a token: as if there were none */
		if (vl) {
			t = strndup(v, vl);
			if (!t)
				return 0; /* aborts the transfer: out of memory */
		}
		if (*token) {
			explicit_bzero(*token, strlen(*token));
			free(*token);
		}
		*token = t;
	}
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	return pc_http_on_header(data, size * n, &s->token);
}

/* Called by libcurl at least once a second, and whenever its wait for the
 * socket is interrupted (a signal): a stop request ends the transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct sink *s = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return s->cancel && *s->cancel;
}

void pc_printable(const char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!cap)
		return;
	for (size_t i = 0; in && i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

int pc_http_new(struct pc_http **out, const accel_placement_conf *conf)
{
	static bool inited;
	struct pc_http *h;

	if (!inited) {
		/* not thread-safe by libcurl's contract: first use is in main() */
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return -ENOMEM;
		inited = true;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->h = curl_easy_init();
	if (!h->h) {
		free(h);
		return -ENOMEM;
	}
	h->timeout_ms = (long)(conf->timeout * 1000);
	curl_easy_setopt(h->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->h, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms < 10000 ? h->timeout_ms
										 : 10000L);
	curl_easy_setopt(h->h, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->h, CURLOPT_USERAGENT, "accelsched/" ACCELSCHED_VERSION);
	curl_easy_setopt(h->h, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->h, CURLOPT_XFERINFOFUNCTION, on_progress);
	/* only HTTP(S); no redirects to elsewhere with our token */
	curl_easy_setopt(h->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->h, CURLOPT_FOLLOWLOCATION, 0L);
	if (conf->cafile)
		curl_easy_setopt(h->h, CURLOPT_CAINFO, conf->cafile);
	if (conf->insecure) {
		curl_easy_setopt(h->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*out = h;
	return 0;
}

void pc_http_free(struct pc_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->h);
	free(h);
}

void pc_resp_free(struct pc_resp *r)
{
	free(r->body);
	if (r->subject_token)
		explicit_bzero(r->subject_token, strlen(r->subject_token));
	free(r->subject_token);
	memset(r, 0, sizeof(*r));
}

static int curl_errno(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_WRITE_ERROR:
		return -E2BIG; /* our sink refused: over the limit */
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return -EACCES;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED; /* a stop request */
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	default:
		return -EPROTO;
	}
}

int pc_http_do(struct pc_http *h, const volatile int *cancel, const char *method,
	       const char *url, const char *const *headers, const char *body, struct pc_resp *out,
	       accel_err *err)
{
	struct curl_slist *hl = NULL;
	struct sink s = { .cancel = cancel };
	CURLcode c;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (cancel && *cancel)
		return accel_err_set(err, -ECANCELED, "%s %s: cancelled", method, url);
	/* no "Expect: 100-continue" round trip before bodies */
	hl = curl_slist_append(hl, "Expect:");
	if (!hl)
		return accel_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; headers && headers[i]; i++) {
		struct curl_slist *n = curl_slist_append(hl, headers[i]);

		if (!n) {
			curl_slist_free_all(hl);
			return accel_err_set(err, -ENOMEM, "out of memory");
		}
		hl = n;
	}
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->h, CURLOPT_URL, url);
	curl_easy_setopt(h->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->h, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(h->h, CURLOPT_XFERINFODATA, &s);
	if (body) {
		curl_easy_setopt(h->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(h->h, CURLOPT_NOBODY, 0L);
	} else {
		curl_easy_setopt(h->h, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(h->h, CURLOPT_HTTPGET, 1L);
		/* HTTPGET resets the method: set it again (DELETE, PUT) */
		curl_easy_setopt(h->h, CURLOPT_CUSTOMREQUEST, method);
	}
	c = curl_easy_perform(h->h);
	curl_slist_free_all(hl);
	if (c != CURLE_OK) {
		r = s.over ? -E2BIG : curl_errno(c);
		if (s.over)
			accel_err_set(err, r, "%s %s: answer larger than %u bytes", method, url,
				      PC_MAX_BODY);
		else if (r == -ECANCELED)
			accel_err_set(err, r, "%s %s: cancelled", method, url);
		else
			accel_err_set(err, r, "%s %s: %s (%s)", method, url, accel_strerror(r),
				      h->errbuf[0] ? h->errbuf : curl_easy_strerror(c));
		free(s.buf);
		if (s.token)
			explicit_bzero(s.token, strlen(s.token));
		free(s.token);
		return r;
	}
	curl_easy_getinfo(h->h, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = s.buf;
	out->len = s.len;
	out->subject_token = s.token;
	return 0;
}
