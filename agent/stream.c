/* SPDX-License-Identifier: Apache-2.0 */
/* acceld's Kafka producer: stream.h says how it delivers. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include <accel/internal/json.h>
#include <accel/log.h>

#include "envelope.h"
#include "spool.h"
#include "stream.h"

#define BACKOFF_MAX_MS 60000

struct stream {
	const accel_config *cfg;
	spool *sp;
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq;
	rd_kafka_topic_t *topics[3]; /* held from the start: see new_producer */
	int pipe[2];
	uint64_t handed;       /* the last seq handed to librdkafka */
	size_t in_flight;      /* handed, no report yet */
	bool hold;	       /* a report said not delivered: hand nothing over */
	bool purged;	       /* and what librdkafka still held was taken back */
	bool fatal;	       /* the producer must be made anew */
	int backoff_ms;	       /* the next wait before handing over again */
	struct timespec retry_at;
	char last_error[256];  /* said once until it changes or delivery resumes */
	uint64_t delivered, failed_reports;
	int32_t tomb_partition; /* where the host's tombstone went, -1 */
	int64_t tomb_offset;
};

static double now_ms(const struct timespec *t)
{
	return (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6;
}

static void mono(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

/* A problem with the brokers, said once until it changes or messages get
 * through again. */
static void trouble(stream *s, const char *what)
{
	if (!strcmp(s->last_error, what))
		return;
	snprintf(s->last_error, sizeof(s->last_error), "%s", what);
	accel_warning("kafka: %s; messages stay in %s until the brokers take them", what,
		      spool_path(s->sp));
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	stream *s = opaque;
	uint64_t seq = (uint64_t)(uintptr_t)msg->_private;
	accel_err err;

	(void)rk;
	if (s->in_flight)
		s->in_flight--;
	if (!msg->err) {
		s->delivered++;
		if (!msg->payload && msg->key && msg->key_len == strlen(s->cfg->host) &&
		    !memcmp(msg->key, s->cfg->host, msg->key_len) &&
		    !strcmp(rd_kafka_topic_name(msg->rkt), s->cfg->kafka.topic_inventory)) {
			s->tomb_partition = msg->partition;
			s->tomb_offset = msg->offset;
		}
		if (s->last_error[0]) {
			accel_info("kafka: delivering again (%s)", rd_kafka_name(s->rk));
			s->last_error[0] = '\0';
		}
		s->backoff_ms = 0;
		if (spool_done(s->sp, seq, &err))
			accel_warning("kafka: spool: %s", err.msg);
		return;
	}
	s->failed_reports++;
	/* what librdkafka purged on our own request is handed over again
	 * without a word */
	if (msg->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
	    msg->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		char what[256];

		snprintf(what, sizeof(what), "not delivered: %s", rd_kafka_err2str(msg->err));
		trouble(s, what);
	}
	s->hold = true;
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	stream *s = opaque;
	char what[300];

	if (code == RD_KAFKA_RESP_ERR__FATAL) {
		char fatal[256];
		rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));

		accel_error("kafka: fatal producer error: %s: %s; starting a new producer",
			    rd_kafka_err2name(e), fatal);
		s->fatal = true;
		return;
	}
	/* _TRANSPORT and _ALL_BROKERS_DOWN come and go with the brokers;
	 * librdkafka reconnects by itself */
	snprintf(what, sizeof(what), "%s", reason);
	trouble(s, what);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* syslog levels; what matters reaches us as errors and reports */
	accel_log(level <= 2 ? ACCEL_LOG_ERROR : ACCEL_LOG_DEBUG, "librdkafka: %s: %s", fac, buf);
}

/* librdkafka's property `name`; a refusal names the file (what is refused
 * comes from [kafka], the rest is ours). */
static int set_in(const accel_config *cfg, rd_kafka_conf_t *conf, const char *name,
		  const char *value, accel_err *err)
{
	char errstr[512];

	if (!value)
		return 0;
	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
		return accel_err_set(err, -EINVAL, "%s: [kafka]: librdkafka refuses %s: %s",
				     cfg->path ? cfg->path : "configuration", name, errstr);
	return 0;
}

#define set(conf, name, value, err) set_in(s->cfg, conf, name, value, err)

static int new_producer(stream *s, accel_err *err)
{
	const accel_kafka_conf *k = &s->cfg->kafka;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512], id[300];
	int r;

	snprintf(id, sizeof(id), "acceld:%s", s->cfg->host);
	r = set(conf, "bootstrap.servers", k->bootstrap_servers, err);
	if (!r)
		r = set(conf, "client.id", id, err);
	if (!r)
		r = set(conf, "enable.idempotence", "true", err);
	if (!r)
		r = set(conf, "acks", "all", err);
	if (!r)
		r = set(conf, "log.queue", "true", err);
	if (!r) {
		char ms[32];

		/* 0: librdkafka retries until the brokers take it */
		snprintf(ms, sizeof(ms), "%d", k->message_timeout * 1000);
		r = set(conf, "message.timeout.ms", ms, err);
	}
	/* the key's partition the way Java clients choose it, so that every
	 * producer of a key agrees */
	if (!r)
		r = set(conf, "partitioner", "murmur2_random", err);
	if (!r)
		r = set(conf, "security.protocol", k->security_protocol, err);
	if (!r)
		r = set(conf, "ssl.ca.location", k->ssl_ca_location, err);
	if (!r)
		r = set(conf, "ssl.certificate.location", k->ssl_certificate_location, err);
	if (!r)
		r = set(conf, "ssl.key.location", k->ssl_key_location, err);
	if (!r)
		r = set(conf, "ssl.key.password", k->ssl_key_password, err);
	if (!r)
		r = set(conf, "sasl.mechanism", k->sasl_mechanism, err);
	if (!r)
		r = set(conf, "sasl.username", k->sasl_username, err);
	if (!r)
		r = set(conf, "sasl.password", k->sasl_password, err);
	if (r) {
		rd_kafka_conf_destroy(conf);
		return r;
	}
	rd_kafka_conf_set_opaque(conf, s);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!s->rk) {
		rd_kafka_conf_destroy(conf);
		return accel_err_set(err, -EINVAL, "%s: [kafka]: %s",
				     s->cfg->path ? s->cfg->path : "configuration", errstr);
	}
	/* its logs and reports through the main queue, served by our poll;
	 * the pipe says when there is something */
	rd_kafka_set_log_queue(s->rk, NULL);
	s->mainq = rd_kafka_queue_get_main(s->rk);
	rd_kafka_queue_io_event_enable(s->mainq, s->pipe[1], "1", 1);
	/* Our topics known before the first connection, so that its first
	 * metadata request asks for their partitions: a topic first named by
	 * a message after that request went waits for librdkafka's next scan
	 * of unknown topics, a second later (the first delivery of every
	 * start a second late). */
	{
		const char *names[3] = { k->topic_inventory, k->topic_events, k->topic_metrics };

		for (size_t i = 0; i < 3; i++)
			if (names[i] && *names[i])
				s->topics[i] = rd_kafka_topic_new(s->rk, names[i], NULL);
	}
	s->handed = 0;
	s->in_flight = 0;
	s->hold = false;
	s->purged = false;
	s->fatal = false;
	return 0;
}

static void drain_pipe(stream *s)
{
	char buf[64];

	while (read(s->pipe[0], buf, sizeof(buf)) > 0)
		;
}

static void free_producer(stream *s)
{
	if (!s->rk)
		return;
	/* what is not delivered stays in the spool */
	rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(s->rk, 0);
	rd_kafka_queue_destroy(s->mainq);
	s->mainq = NULL;
	for (size_t i = 0; i < 3; i++)
		if (s->topics[i]) {
			rd_kafka_topic_destroy(s->topics[i]);
			s->topics[i] = NULL;
		}
	rd_kafka_destroy(s->rk);
	s->rk = NULL;
}

static void spool_warning(const char *msg, void *arg)
{
	(void)arg;
	accel_warning("kafka: %s", msg);
}

/* Hand the synced, undelivered messages after s->handed to librdkafka in
 * order, unless a failure holds them. */
static void hand_over(stream *s)
{
	size_t n = spool_n(s->sp);

	if (s->hold || s->fatal)
		return;
	for (size_t i = spool_after(s->sp, s->handed); i < n; i++) {
		const spool_msg *m = spool_get(s->sp, i);
		rd_kafka_headers_t *h = rd_kafka_headers_new(m->n_headers);
		rd_kafka_resp_err_t e;

		for (size_t j = 0; j < m->n_headers; j++)
			rd_kafka_header_add(h, m->headers[j].name, -1, m->headers[j].value, -1);
		e = rd_kafka_producev(s->rk, RD_KAFKA_V_TOPIC(m->topic),
				      RD_KAFKA_V_KEY(m->key, m->key ? strlen(m->key) : 0),
				      RD_KAFKA_V_VALUE(m->value, m->value_len),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				      RD_KAFKA_V_HEADERS(h),
				      RD_KAFKA_V_OPAQUE((void *)(uintptr_t)m->seq), RD_KAFKA_V_END);
		if (e) {
			rd_kafka_headers_destroy(h);
			if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				char what[256];

				snprintf(what, sizeof(what), "cannot send to %s: %s", m->topic,
					 rd_kafka_err2str(e));
				trouble(s, what);
				s->hold = true;
			}
			/* full: the rest after the next reports */
			return;
		}
		s->handed = m->seq;
		s->in_flight++;
	}
}

int stream_open(stream **out, const accel_config *cfg, accel_err *err)
{
	stream *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return accel_err_set(err, -ENOMEM, "out of memory");
	s->cfg = cfg;
	s->pipe[0] = s->pipe[1] = -1;
	s->tomb_partition = -1;
	s->tomb_offset = -1;
	if (pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK)) {
		r = accel_err_set(err, -errno, "pipe: %s", strerror(errno));
		free(s);
		return r;
	}
	r = spool_open(&s->sp, cfg->kafka.spool_dir, (uint64_t)cfg->kafka.spool_max_bytes,
		       spool_warning, s, err);
	if (!r)
		r = new_producer(s, err);
	if (r) {
		stream_close(s);
		return r;
	}
	if (spool_n(s->sp))
		accel_info("kafka: %zu undelivered messages in %s: sending them first",
			   spool_n(s->sp), spool_path(s->sp));
	hand_over(s);
	*out = s;
	return 0;
}

void stream_close(stream *s)
{
	if (!s)
		return;
	free_producer(s);
	spool_close(s->sp);
	for (int i = 0; i < 2; i++)
		if (s->pipe[i] >= 0)
			close(s->pipe[i]);
	free(s);
}

/* Queue a message around payload, JSON text of our own making (taken:
 * freed in every case). */
static int queue(stream *s, spool_class cls, const char *topic, const char *key,
		 const char *event_type, char *payload, accel_err *err)
{
	spool_msg m;
	int r;

	r = envelope_build_text(&m, cls, topic, key, s->cfg->host, event_type, payload,
				strlen(payload), NULL, err);
	free(payload);
	if (!r)
		r = spool_append(s->sp, &m, err);
	return r;
}

int stream_inventory(stream *s, const accel_inventory *inv, accel_err *err)
{
	char *text;
	int r;

	r = accel_inventory_to_json(inv, 0, &text);
	if (r)
		return accel_err_set(err, r, "inventory: %s", accel_strerror(r));
	return queue(s, SPOOL_INVENTORY, s->cfg->kafka.topic_inventory, s->cfg->host,
		     "accelerator.inventory.snapshot", text, err);
}

int stream_tombstone(stream *s, accel_err *err)
{
	spool_msg m = { .cls = SPOOL_INVENTORY };
	size_t n = spool_n(s->sp);
	const spool_msg *last = n ? spool_get(s->sp, n - 1) : NULL;

	/* the last one queued already (a --retire that did not get through):
	 * not twice */
	if (last && !last->value && last->key && !strcmp(last->key, s->cfg->host) &&
	    !strcmp(last->topic, s->cfg->kafka.topic_inventory))
		return 0;

	m.topic = strdup(s->cfg->kafka.topic_inventory);
	m.key = strdup(s->cfg->host);
	if (!m.topic || !m.key) {
		spool_msg_clear(&m);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	/* value NULL: the spool writes it as a NULL value, librdkafka sends
	 * it as one */
	return spool_append(s->sp, &m, err);
}

int stream_metrics(stream *s, const accel_inventory *inv, const char *collected_at,
		   const accel_metrics *m, size_t n, accel_err *err)
{
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		char key[512], *text;

		if (!m[i].have)
			continue; /* nothing known of it */
		r = accel_metrics_event_json(inv, collected_at, &m[i], &text, err);
		if (r)
			break;
		snprintf(key, sizeof(key), "%s/%s", s->cfg->host, m[i].address);
		r = queue(s, SPOOL_METRICS, s->cfg->kafka.topic_metrics, key, "accelerator.metrics",
			  text, err);
	}
	return r;
}

/* An event's payload, as text: {"host", "generation", "address",
 * "device": {...}} and what the event adds: "changed" (the change's
 * fields) or "health" and "previous" (NULL: none). */
struct text {
	char *p;
	size_t n, cap;
	int r;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);
	char *np;

	if (t->r)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 2048;

		while (cap < t->n + n + 1)
			cap *= 2;
		np = realloc(t->p, cap);
		if (!np) {
			t->r = -ENOMEM;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, n + 1);
	t->n += n;
}

static void put_str(struct text *t, const char *s)
{
	if (!t->r)
		t->r = envelope_json_string(&t->p, &t->n, &t->cap, s);
}

static int event_payload(const char *host, uint64_t gen, const char *address,
			 const accel_device *d, const accel_inventory_change *changed,
			 const char *health, const char *previous, char **out, accel_err *err)
{
	struct text t = { 0 };
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, gen);
	put(&t, "{\"host\":");
	put_str(&t, host);
	put(&t, ",\"generation\":");
	put(&t, num);
	put(&t, ",\"address\":");
	put_str(&t, address);
	put(&t, ",\"device\":");
	/* the device's text as accel_device_to_json writes it, made in place */
	if (!t.r)
		t.r = accel_device_json_append(d, &t.p, &t.n, &t.cap);
	if (changed) {
		put(&t, ",\"changed\":[");
		for (size_t i = 0; i < changed->n_fields; i++) {
			if (i)
				put(&t, ",");
			put_str(&t, changed->fields[i]);
		}
		put(&t, "]");
	}
	if (health) {
		put(&t, ",\"health\":");
		put_str(&t, health);
		put(&t, ",\"previous\":");
		put_str(&t, previous);
	}
	put(&t, "}");
	if (t.r) {
		free(t.p);
		return accel_err_set(err, t.r, "event: %s", accel_strerror(t.r));
	}
	*out = t.p;
	return 0;
}

int stream_changes(stream *s, const accel_inventory *inv, const accel_inventory_changes *diff,
		   accel_err *err)
{
	const char *host = s->cfg->host;
	uint64_t gen = accel_inventory_generation(inv);

	for (size_t i = 0; i < accel_inventory_changes_n(diff); i++) {
		const accel_inventory_change *c = accel_inventory_changes_get(diff, i);
		const char *type = c->op == '+'	  ? "accelerator.device.create"
				   : c->op == '-' ? "accelerator.device.delete"
						  : "accelerator.device.update";
		char key[512], *p;
		int r;

		if (!c->address)
			continue; /* the host's own members: in the inventory record */
		snprintf(key, sizeof(key), "%s/%s", host, c->address);
		r = event_payload(host, gen, c->address, c->cur ? c->cur : c->old,
				  c->op == '~' ? c : NULL, NULL, NULL, &p, err);
		if (!r)
			r = queue(s, SPOOL_EVENTS, s->cfg->kafka.topic_events, key, type, p, err);
		if (r)
			return r;
		if (c->op == '~' && accel_inventory_change_has(c, "health")) {
			r = event_payload(host, gen, c->address, c->cur, NULL,
					  accel_health_name(c->cur->health),
					  accel_health_name(c->old->health), &p, err);
			if (!r)
				r = queue(s, SPOOL_EVENTS, s->cfg->kafka.topic_events, key,
					  "accelerator.device.health", p, err);
			if (r)
				return r;
		}
	}
	return 0;
}

/* The done marks of the reports just served, written together */
static void flush_marks(stream *s)
{
	accel_err err;

	if (spool_flush(s->sp, &err))
		accel_warning("kafka: spool: %s", err.msg);
}

int stream_commit(stream *s, accel_err *err)
{
	int r = spool_sync(s->sp, err);

	if (r)
		return r;
	hand_over(s);
	rd_kafka_poll(s->rk, 0);
	flush_marks(s);
	return 0;
}

int stream_fd(const stream *s)
{
	return s->pipe[0];
}

int stream_timeout(const stream *s)
{
	struct timespec t;
	double left;

	if (!s->hold || s->in_flight)
		return s->fatal ? 0 : -1;
	if (!s->retry_at.tv_sec)
		return 0;
	mono(&t);
	left = now_ms(&s->retry_at) - now_ms(&t);
	return left <= 0 ? 0 : (int)left + 1;
}

static void poll_once(stream *s);

void stream_poll(stream *s)
{
	poll_once(s);
	flush_marks(s);
}

static void poll_once(stream *s)
{
	struct timespec t;

	drain_pipe(s);
	rd_kafka_poll(s->rk, 0);
	if (s->hold && s->in_flight && !s->purged && !s->fatal) {
		/* the messages after the one that failed must not get there
		 * before it: take them all back, and start over in order */
		rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		s->purged = true;
		rd_kafka_poll(s->rk, 0);
	}
	if (s->fatal) {
		accel_err err;

		free_producer(s);
		if (new_producer(s, &err)) {
			accel_error("kafka: %s", err.msg);
			s->fatal = true;
			return;
		}
		accel_info("kafka: new producer: sending %zu undelivered messages again",
			   spool_n(s->sp));
	}
	if (s->hold && !s->in_flight) {
		/* every report is in: after the backoff, start over from the
		 * first undelivered message, in order */
		mono(&t);
		if (!s->retry_at.tv_sec) {
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 1000;
			if (s->backoff_ms > BACKOFF_MAX_MS)
				s->backoff_ms = BACKOFF_MAX_MS;
			s->retry_at = t;
			s->retry_at.tv_sec += s->backoff_ms / 1000;
			accel_info("kafka: %zu undelivered messages: sending them again in %d s",
				   spool_n(s->sp), s->backoff_ms / 1000);
			return;
		}
		if (now_ms(&t) < now_ms(&s->retry_at))
			return;
		s->retry_at = (struct timespec){ 0 };
		s->hold = false;
		s->purged = false;
		s->handed = 0;
	}
	hand_over(s);
}

size_t stream_flush(stream *s, int timeout_ms, const volatile sig_atomic_t *cancel)
{
	struct timespec start, t;

	mono(&start);
	for (;;) {
		int left;

		stream_poll(s);
		if (!spool_n(s->sp))
			return 0;
		mono(&t);
		left = timeout_ms - (int)(now_ms(&t) - now_ms(&start));
		if (left <= 0 || (cancel && *cancel))
			return spool_n(s->sp);
		rd_kafka_poll(s->rk, left < 100 ? left : 100);
	}
}

size_t stream_pending(const stream *s)
{
	return spool_n(s->sp);
}

const char *stream_last_error(const stream *s)
{
	return s->last_error;
}

void stream_tombstone_delivered(const stream *s, int32_t *partition, int64_t *offset)
{
	*partition = s->tomb_partition;
	*offset = s->tomb_offset;
}

const char *stream_spool_path(const stream *s)
{
	return spool_path(s->sp);
}
