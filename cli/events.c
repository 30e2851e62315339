/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl events: the operator's tail of acceld's Kafka stream
 * (docs/kafka.md). A librdkafka consumer that assigns itself every
 * partition of the topics (no consumer group joined, no offset committed:
 * it leaves no trace on the cluster), from their end or, with
 * --from-beginning, their start. Each record is one line:
 *
 *   text: TIMESTAMP EVENT_TYPE KEY SUMMARY (event_summary.h); a tombstone
 *         of the inventory topic "TIMESTAMP tombstone HOST host retired"
 *   json: the notification (the oslo.messaging message, decoded by
 *         common/notification.c) with "topic", "partition", "offset" and
 *         "key" added; a tombstone {"topic", ..., "tombstone": true}
 *
 * A record that is not a notification of ours (not the envelope, not JSON,
 * a payload that lacks what its event type has) is one line naming its
 * topic, partition and offset and what is wrong ("malformed" in text, an
 * "error" member in json), and the tail goes on. Ends at SIGINT or
 * SIGTERM, after -n COUNT records, or after --timeout seconds.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include <accel/internal/json.h>
#include <accel/internal/notification.h>
#include <accel/util.h>

#include "cli.h"
#include "event_summary.h"

#define METADATA_TIMEOUT_MS 10000

static volatile sig_atomic_t stop;

static void on_signal(int signo)
{
	stop = signo;
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct errors {
	char last[512]; /* the last one said */
	bool quiet;	/* the tail is over: nothing more to say */
};

/* librdkafka says what goes wrong with the brokers here: once each, on
 * stderr, and the tail goes on (it reconnects by itself). */
static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct errors *e = opaque;

	(void)rk;
	(void)code;
	if (e->quiet || !strcmp(e->last, reason))
		return;
	snprintf(e->last, sizeof(e->last), "%s", reason);
	fprintf(stderr, "accelctl: events: %s\n", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf; /* what matters comes through on_error */
}

/* A record's Kafka timestamp, "YYYY-MM-DD HH:MM:SS.mmm" (UTC) */
static void kafka_time(const rd_kafka_message_t *msg, char *out, size_t cap)
{
	rd_kafka_timestamp_type_t type;
	int64_t ms = rd_kafka_message_timestamp(msg, &type);
	time_t sec;
	struct tm tm;

	if (ms < 0) {
		snprintf(out, cap, "-");
		return;
	}
	sec = (time_t)(ms / 1000);
	gmtime_r(&sec, &tm);
	snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* text as it can be shown: what accel_text_ok refuses becomes '?' */
static const char *shown(const char *s, size_t len, char *buf, size_t cap)
{
	if (!s)
		return "-";
	return accel_text_sanitize(s, len, buf, cap);
}

static int print_json(json_object *o)
{
	const char *text =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text)
		return -ENOMEM;
	puts(text);
	return 0;
}

/* topic, partition, offset and key (NULL: none) into o */
static int add_where(json_object *o, const rd_kafka_message_t *msg, const char *key)
{
	int r = accel_json_add(o, "topic", json_object_new_string(rd_kafka_topic_name(msg->rkt)));

	if (!r)
		r = accel_json_add(o, "partition", json_object_new_int(msg->partition));
	if (!r)
		r = accel_json_add(o, "offset", json_object_new_int64(msg->offset));
	if (!r)
		r = accel_json_add(o, "key", key ? json_object_new_string(key) : NULL);
	return r;
}

/* One line for a record that is not what it should be. */
static int malformed(const struct events_opts *o, const rd_kafka_message_t *msg, const char *key,
		     const char *why)
{
	char ts[64], safe[512];
	json_object *j;
	int r;

	if (!o->json) {
		kafka_time(msg, ts, sizeof(ts));
		printf("%s malformed %s/%" PRId32 "@%" PRId64 " key %s: %s\n", ts,
		       rd_kafka_topic_name(msg->rkt), msg->partition, msg->offset, key ? key : "-",
		       shown(why, strlen(why), safe, sizeof(safe)));
		return 0;
	}
	j = json_object_new_object();
	r = j ? add_where(j, msg, key) : -ENOMEM;
	if (!r)
		r = accel_json_add(j, "error", json_object_new_string(why));
	if (!r)
		r = print_json(j);
	json_object_put(j);
	return r;
}

static int show(const struct events_opts *o, const rd_kafka_message_t *msg)
{
	char keybuf[512], ts[64], summary[EVENT_SUMMARY_MAX], why[256], a[256], b[256];
	const char *key = msg->key ? shown(msg->key, msg->key_len, keybuf, sizeof(keybuf)) : NULL;
	accel_notification n;
	accel_err err;
	int r;

	if (!msg->payload) {
		/* a tombstone: on the inventory topic, a host taken out of
		 * service (acceld --retire) */
		json_object *j;

		if (!o->json) {
			kafka_time(msg, ts, sizeof(ts));
			printf("%s tombstone %s host retired\n", ts, key ? key : "-");
			return 0;
		}
		j = json_object_new_object();
		r = j ? add_where(j, msg, key) : -ENOMEM;
		if (!r)
			r = accel_json_add(j, "tombstone", json_object_new_boolean(1));
		if (!r)
			r = print_json(j);
		json_object_put(j);
		return r;
	}
	if (accel_notification_parse(msg->payload, msg->len, &n, &err))
		return malformed(o, msg, key, err.msg);
	if (event_summary(n.event_type, n.payload, summary, sizeof(summary), why, sizeof(why))) {
		char full[600];

		snprintf(full, sizeof(full), "%s: %s", shown(n.event_type, strlen(n.event_type), a,
							     sizeof(a)),
			 why);
		r = malformed(o, msg, key, full);
	} else if (!o->json) {
		printf("%s %s %s%s%s\n", shown(n.timestamp, strlen(n.timestamp), a, sizeof(a)),
		       shown(n.event_type, strlen(n.event_type), b, sizeof(b)), key ? key : "-",
		       summary[0] ? " " : "", summary);
		r = 0;
	} else {
		r = add_where(n.root, msg, key);
		if (!r)
			r = print_json(n.root);
	}
	accel_notification_release(&n);
	return r;
}

/* Every partition of each topic, from its start or its end. A topic the
 * cluster does not have is said and skipped. */
static int assign_all(rd_kafka_t *rk, const struct events_opts *o)
{
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
	int64_t start = o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
	int r = 0;

	for (size_t i = 0; i < o->n_topics && !r; i++) {
		rd_kafka_topic_t *t = rd_kafka_topic_new(rk, o->topics[i], NULL);
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_resp_err_t e;

		if (!t) {
			fprintf(stderr, "accelctl: events: --topic %s: %s\n", o->topics[i],
				rd_kafka_err2str(rd_kafka_last_error()));
			r = 1;
			break;
		}
		e = rd_kafka_metadata(rk, 0, t, &md, METADATA_TIMEOUT_MS);
		if (e) {
			fprintf(stderr,
				"accelctl: events: %s: no answer about topic %s: %s (are the brokers "
				"up, and --kafka right?)\n",
				o->servers, o->topics[i], rd_kafka_err2str(e));
			r = 1;
		} else if (md->topic_cnt != 1 || md->topics[0].err) {
			fprintf(stderr, "accelctl: events: warning: %s: topic %s: %s; skipped\n",
				o->servers, o->topics[i],
				md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "unknown");
		} else {
			for (int p = 0; p < md->topics[0].partition_cnt; p++)
				rd_kafka_topic_partition_list_add(parts, o->topics[i],
								  md->topics[0].partitions[p].id)
					->offset = start;
		}
		if (md)
			rd_kafka_metadata_destroy(md);
		rd_kafka_topic_destroy(t);
	}
	if (!r && !parts->cnt) {
		fprintf(stderr, "accelctl: events: %s: none of the topics is there\n", o->servers);
		r = 1;
	}
	if (!r) {
		rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);

		if (e) {
			fprintf(stderr, "accelctl: events: %s: %s\n", o->servers, rd_kafka_err2str(e));
			r = 1;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return r;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "accelctl: events: %s=%s: %s\n", name, value, errstr);
	return 1;
}

int cmd_events(const struct events_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512], group[64];
	struct errors errors = { .quiet = false };
	rd_kafka_t *rk;
	long seen = 0;
	double end = o->timeout > 0 ? mono() + o->timeout : 0;
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a group id librdkafka wants for a consumer; never joined (assign,
	 * not subscribe) and nothing committed to it */
	snprintf(group, sizeof(group), "accelctl-events-%ld", (long)getpid());
	r = set(conf, "bootstrap.servers", o->servers);
	if (!r)
		r = set(conf, "group.id", group);
	if (!r)
		r = set(conf, "client.id", "accelctl-events");
	if (!r)
		r = set(conf, "enable.auto.commit", "false");
	if (!r)
		r = set(conf, "enable.auto.offset.store", "false");
	if (r) {
		rd_kafka_conf_destroy(conf);
		return 2;
	}
	rd_kafka_conf_set_opaque(conf, &errors);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		fprintf(stderr, "accelctl: events: --kafka %s: %s\n", o->servers, errstr);
		return 1;
	}
	rd_kafka_poll_set_consumer(rk);
	r = assign_all(rk, o);
	while (!r && !stop && (o->count <= 0 || seen < o->count)) {
		rd_kafka_message_t *msg;

		if (end && mono() >= end) {
			if (o->count > 0) {
				fprintf(stderr,
					"accelctl: events: %ld of %ld records within --timeout %g s\n",
					seen, o->count, o->timeout);
				r = 1;
			}
			break;
		}
		msg = rd_kafka_consumer_poll(rk, 200);
		if (!msg)
			continue;
		if (msg->err) {
			if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "accelctl: events: %s/%" PRId32 ": %s\n",
					msg->rkt ? rd_kafka_topic_name(msg->rkt) : o->servers,
					msg->partition, rd_kafka_message_errstr(msg));
		} else {
			seen++;
			if (show(o, msg)) {
				fprintf(stderr, "accelctl: events: out of memory\n");
				r = 1;
			}
			if (fflush(stdout) || ferror(stdout)) {
				fprintf(stderr, "accelctl: writing output: %s\n", strerror(errno));
				r = 1;
			}
		}
		rd_kafka_message_destroy(msg);
	}
	/* nothing to commit: enable.auto.commit is off */
	errors.quiet = true;
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return r;
}
