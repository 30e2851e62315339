/* SPDX-License-Identifier: Apache-2.0 */
/* acceld's Prometheus endpoint (agent/metrics_http.c). */
#ifndef ACCEL_AGENT_METRICS_HTTP_H
#define ACCEL_AGENT_METRICS_HTTP_H

#include <sys/socket.h>

#include <accel/common.h>

struct metrics_http;

/* "127.0.0.1:9464", "[::1]:9464", ":9464" (every IPv4 address); port 0
 * takes a free one. -EINVAL for anything else. */
int metrics_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Listen on `listen` (its own thread); *err names the option and why. */
int metrics_http_start(struct metrics_http **out, const char *listen, accel_err *err);
/* Serve `text` (malloc'd; taken) from now on. */
void metrics_http_publish(struct metrics_http *h, char *text);
/* The port bound (for port 0 in tests). */
unsigned metrics_http_port(const struct metrics_http *h);
void metrics_http_stop(struct metrics_http *h);

#endif
