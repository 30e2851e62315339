/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld's Prometheus endpoint ([metrics] listen): GET /metrics answers
 * the last exposition acceld published (telemetry read every [telemetry]
 * interval), from libmicrohttpd's own thread. Anything else is 404 (405
 * for another method on /metrics).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <accel/log.h>

#include "metrics_http.h"

struct metrics_http {
	struct MHD_Daemon *d;
	pthread_mutex_t mu;
	char *text; /* the exposition served; NULL before the first read */
	unsigned long served;
};

int metrics_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') { /* [v6]:port */
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) ||
		    memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	/* port 0: any free one (tests; the log says which) */
	if (errno || *end || end == colon + 1 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return -EINVAL;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (!*host)
			a->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	}
	return 0;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
			      char *body)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	struct metrics_http *h = cls;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	if (strcmp(url, "/metrics")) {
		body = strdup("not found: acceld serves /metrics\n");
		return body ? answer(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", body)
			    : MHD_NO;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		body = strdup("method not allowed: GET /metrics\n");
		return body ? answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				     body)
			    : MHD_NO;
	}
	pthread_mutex_lock(&h->mu);
	body = strdup(h->text ? h->text : "");
	h->served++;
	pthread_mutex_unlock(&h->mu);
	if (!body)
		return MHD_NO;
	return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body);
}

int metrics_http_start(struct metrics_http **out, const char *listen, accel_err *err)
{
	struct sockaddr_storage ss;
	struct metrics_http *h;
	socklen_t len;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	*out = NULL;
	if (metrics_listen_parse(listen, &ss, &len))
		return accel_err_set(err, -EINVAL,
				     "[metrics] listen: '%s' is not ADDRESS:PORT (e.g. "
				     "127.0.0.1:9464, [::1]:9464, :9464 for every address)",
				     listen);
	h = calloc(1, sizeof(*h));
	if (!h)
		return accel_err_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&h->mu, NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->d) {
		int e = errno ? errno : EADDRINUSE;

		pthread_mutex_destroy(&h->mu);
		free(h);
		return accel_err_set(err, -e,
				     "[metrics] listen %s: cannot listen (%s): is the port taken, "
				     "or the address not this host's?",
				     listen, strerror(e));
	}
	*out = h;
	return 0;
}

void metrics_http_publish(struct metrics_http *h, char *text)
{
	char *old;

	pthread_mutex_lock(&h->mu);
	old = h->text;
	h->text = text;
	pthread_mutex_unlock(&h->mu);
	free(old);
}

unsigned metrics_http_port(const struct metrics_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);

	return i ? i->port : 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->mu);
	free(h->text);
	free(h);
}
