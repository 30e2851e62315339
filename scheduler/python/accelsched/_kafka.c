/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched._kafka: the scheduler's Kafka consumer of acceld's stream
 * (docs/kafka.md, "The scheduler's consumer").
 *
 *   c = Consumer(table, "kafka-1:9092", "accelsched.inventory",
 *                "accelsched.metrics.info", {"security.protocol": "ssl", ...})
 *   c.caught_up(30.0)   # the inventory topic read up to where it was at start
 *   c.drain_log()       # what went wrong since, as lines to log
 *   c.stats(); c.close()
 *
 * One thread of its own, no GIL, reads the inventory topic's partitions
 * from the beginning (a compacted topic: the last snapshot of every host)
 * and the metrics topic's from the end (readings from now), by assignment:
 * no consumer group, nothing committed. Each record goes to the scheduler's
 * feed (internal/sched_feed.h) through accelsched._core's capsule, so the
 * scheduler code and the table are _core's own: this module links
 * librdkafka and nothing of the scheduler, and _core links no librdkafka
 * (tests/nova/test_link.py).
 *
 * A topic that does not exist yet is looked for again every
 * RETRY_SECONDS; partitions added to a topic later are not picked up
 * before a restart.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "capi.h"

#define LOG_MAX 256	   /* lines kept until drain_log() */
#define RETRY_SECONDS 2	   /* a missing topic looked for again */
#define POLL_MS 100	   /* how soon the thread sees close() */
#define METADATA_MS 5000   /* one metadata or watermark request */

enum { INV = 0, MET = 1 };

struct part {
	int32_t id;
	int64_t high; /* the inventory partition's end when assigned */
	bool done;    /* consumed up to high */
};

typedef struct {
	PyObject_HEAD PyObject *table; /* keeps the hosts alive */
	const struct accelsched_capi *api;
	accel_sched_feed *feed;
	rd_kafka_t *rk;
	char *topic[2]; /* metrics: NULL when not consumed */
	pthread_t thread;
	bool started, closed;
	pthread_mutex_t lock; /* what follows */
	pthread_cond_t cond;
	bool stop;
	bool assigned[2];
	bool missing_said[2];
	struct timespec next_try[2];
	struct part *parts; /* the inventory topic's */
	size_t n_parts, n_done;
	char *log[LOG_MAX]; /* a ring */
	size_t log_head, log_n;
	uint64_t log_dropped, kafka_errors;
	char last_err[256]; /* the thread's: a consumer error said once */
	uint64_t repeats;
} ConsumerObject;

static const struct accelsched_capi *api;

/* ---- the log queue: any thread ---- */

static void say(ConsumerObject *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(ConsumerObject *c, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->lock);
	if (n < 0 || c->log_n == LOG_MAX) {
		c->log_dropped++;
		free(n < 0 ? NULL : line);
	} else {
		c->log[(c->log_head + c->log_n++) % LOG_MAX] = line;
	}
	pthread_mutex_unlock(&c->lock);
}

/* librdkafka's own warnings and errors (its threads) */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	ConsumerObject *c = rd_kafka_opaque(rk);

	if (c && level <= 4) /* LOG_WARNING and worse */
		say(c, "kafka: %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	ConsumerObject *c = opaque;

	(void)rk;
	pthread_mutex_lock(&c->lock);
	c->kafka_errors++;
	pthread_mutex_unlock(&c->lock);
	say(c, "kafka: %s: %s", rd_kafka_err2name(err), reason);
}

/* ---- the thread ---- */

static void later(struct timespec *ts, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += seconds;
}

static bool due(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

static void check_caught_up(ConsumerObject *c)
{
	if (c->assigned[INV] && c->n_done == c->n_parts)
		pthread_cond_broadcast(&c->cond);
}

static void part_done(ConsumerObject *c, int32_t p, int64_t next)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_parts; i++)
		if (c->parts[i].id == p && !c->parts[i].done && next >= c->parts[i].high) {
			c->parts[i].done = true;
			c->n_done++;
			check_caught_up(c);
		}
	pthread_mutex_unlock(&c->lock);
}

/* Assign topic k's partitions when it exists: 0, or -1 to try again later. */
static int try_assign(ConsumerObject *c, int k)
{
	const char *name = c->topic[k];
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, name, NULL);
	rd_kafka_topic_partition_list_t *list = NULL;
	rd_kafka_resp_err_t e;
	rd_kafka_error_t *error;
	struct part *parts = NULL;
	int n, r = -1;

	if (!rkt)
		return -1;
	e = rd_kafka_metadata(c->rk, 0, rkt, &md, METADATA_MS);
	if (e || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt <= 0) {
		e = e ? e : md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
		if (!c->missing_said[k])
			say(c,
			    "kafka: topic %s: %s; looking again every %d s (is acceld's [kafka] "
			    "set, and the topic name the same on both sides?)",
			    name, e ? rd_kafka_err2str(e) : "no partitions", RETRY_SECONDS);
		c->missing_said[k] = true;
		goto out;
	}
	n = md->topics[0].partition_cnt;
	list = rd_kafka_topic_partition_list_new(n);
	if (k == INV && !(parts = calloc((size_t)n, sizeof(*parts))))
		goto out;
	for (int i = 0; i < n; i++) {
		int32_t p = md->topics[0].partitions[i].id;

		rd_kafka_topic_partition_list_add(list, name, p)->offset =
			k == INV ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
		if (k == INV) {
			int64_t lo = 0, hi = 0;

			e = rd_kafka_query_watermark_offsets(c->rk, name, p, &lo, &hi, METADATA_MS);
			if (e) {
				say(c, "kafka: topic %s[%" PRId32 "]: its end offset: %s; trying again",
				    name, p, rd_kafka_err2str(e));
				goto out;
			}
			parts[i] = (struct part){ .id = p, .high = hi, .done = hi <= lo };
		}
	}
	error = rd_kafka_incremental_assign(c->rk, list);
	if (error) {
		say(c, "kafka: topic %s: assigning its partitions: %s; trying again", name,
		    rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		goto out;
	}
	pthread_mutex_lock(&c->lock);
	if (k == INV) {
		c->parts = parts;
		c->n_parts = (size_t)n;
		for (int i = 0; i < n; i++)
			c->n_done += parts[i].done;
		parts = NULL;
	}
	c->assigned[k] = true;
	check_caught_up(c);
	pthread_mutex_unlock(&c->lock);
	if (c->missing_said[k])
		say(c, "kafka: topic %s: found, %d partitions: consuming", name, n);
	r = 0;
out:
	free(parts);
	if (list)
		rd_kafka_topic_partition_list_destroy(list);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return r;
}

static void handle(ConsumerObject *c, rd_kafka_message_t *m)
{
	const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "?";
	int k = c->topic[MET] && !strcmp(topic, c->topic[MET]) ? MET : INV;
	char where[512];
	accel_err err;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (k == INV)
			part_done(c, m->partition, m->offset);
		return;
	}
	if (m->err) {
		char line[sizeof(c->last_err)];

		pthread_mutex_lock(&c->lock);
		c->kafka_errors++;
		pthread_mutex_unlock(&c->lock);
		snprintf(line, sizeof(line), "kafka: %s[%" PRId32 "]: %s", topic, m->partition,
			 rd_kafka_message_errstr(m));
		/* the same error again and again: said once, then counted */
		if (strcmp(line, c->last_err)) {
			if (c->repeats)
				say(c, "%s (%" PRIu64 " times more)", c->last_err, c->repeats);
			say(c, "%s", line);
			snprintf(c->last_err, sizeof(c->last_err), "%s", line);
			c->repeats = 0;
		} else {
			c->repeats++;
		}
		usleep(POLL_MS * 1000); /* not a busy loop on an error that stays */
		return;
	}
	if (c->repeats)
		say(c, "%s (%" PRIu64 " times more)", c->last_err, c->repeats);
	c->last_err[0] = '\0';
	c->repeats = 0;
	snprintf(where, sizeof(where), "%s[%" PRId32 "]@%" PRId64, topic, m->partition, m->offset);
	if (c->api->feed_record(c->feed, k == INV ? ACCEL_FEED_INVENTORY : ACCEL_FEED_METRICS,
				m->key, m->key_len, m->payload, m->len, where, &err))
		say(c, "%s; the record is skipped (the hosts keep their last state)", err.msg);
	if (k == INV)
		part_done(c, m->partition, m->offset + 1);
}

static void *run(void *arg)
{
	ConsumerObject *c = arg;

	for (;;) {
		rd_kafka_message_t *m;
		bool stop;

		pthread_mutex_lock(&c->lock);
		stop = c->stop;
		pthread_mutex_unlock(&c->lock);
		if (stop)
			break;
		for (int k = INV; k <= MET; k++)
			if (c->topic[k] && !c->assigned[k] && due(&c->next_try[k]) &&
			    try_assign(c, k))
				later(&c->next_try[k], RETRY_SECONDS);
		m = rd_kafka_consumer_poll(c->rk, POLL_MS);
		if (m) {
			handle(c, m);
			rd_kafka_message_destroy(m);
		}
	}
	return NULL;
}

/* ---- the Python type ---- */

static int set_conf(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char why[512];

	if (rd_kafka_conf_set(conf, k, v, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
		PyErr_Format(PyExc_ValueError, "kafka option %s: %s", k, why);
		return -1;
	}
	return 0;
}

static int Consumer_init(ConsumerObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "table", "bootstrap_servers", "inventory_topic",
				  "metrics_topic", "options", NULL };
	const char *servers, *inv = "accelsched.inventory", *met = "accelsched.metrics.info";
	PyObject *table, *options = NULL, *key, *value;
	accel_sched_hosts *t;
	rd_kafka_conf_t *conf;
	sigset_t all, old;
	char why[512];
	Py_ssize_t pos = 0;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os|szO", kwlist, &table, &servers, &inv,
					 &met, &options))
		return -1;
	if (self->rk || self->closed || self->topic[INV]) {
		PyErr_SetString(PyExc_TypeError, "Consumer.__init__ runs once");
		return -1;
	}
	if (!(t = api->table_hosts(table)))
		return -1;
	if (!servers[0] || !inv[0]) {
		PyErr_SetString(PyExc_ValueError,
				"bootstrap_servers and inventory_topic must not be empty");
		return -1;
	}
	if (options && options != Py_None && !PyDict_Check(options)) {
		PyErr_SetString(PyExc_TypeError, "options: expected a dict of str to str");
		return -1;
	}
	self->api = api;
	self->topic[INV] = strdup(inv);
	self->topic[MET] = met && met[0] ? strdup(met) : NULL;
	if (!self->topic[INV] || (met && met[0] && !self->topic[MET])) {
		PyErr_NoMemory();
		return -1;
	}
	conf = rd_kafka_conf_new();
	if (set_conf(conf, "bootstrap.servers", servers) ||
	    set_conf(conf, "client.id", "accelsched-scheduler") ||
	    /* librdkafka wants one for assign(); no group is joined (no
	     * subscribe) and nothing is committed */
	    set_conf(conf, "group.id", "accelsched-scheduler") ||
	    set_conf(conf, "enable.auto.commit", "false") ||
	    set_conf(conf, "enable.auto.offset.store", "false") ||
	    set_conf(conf, "enable.partition.eof", "true") ||
	    /* a broker answers a fetch as soon as a record comes; one that
	     * waits the whole time (librdkafka's mock cluster) makes this the
	     * stream's latency: 100 ms, not the default 500 */
	    set_conf(conf, "fetch.wait.max.ms", "100"))
		goto fail_conf;
	while (options && options != Py_None && PyDict_Next(options, &pos, &key, &value)) {
		const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
		const char *v = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;

		if (!k || !v) {
			if (!PyErr_Occurred())
				PyErr_Format(PyExc_TypeError, "options: %R: keys and values must be str",
					     key);
			goto fail_conf;
		}
		if (set_conf(conf, k, v))
			goto fail_conf;
	}
	rd_kafka_conf_set_opaque(conf, self);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	r = api->feed_new(t, &self->feed);
	if (r) {
		PyErr_NoMemory();
		goto fail_conf;
	}
	self->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (!self->rk) {
		PyErr_Format(PyExc_ValueError, "kafka: %s", why);
		goto fail_conf;
	}
	conf = NULL; /* the handle's now */
	Py_INCREF(table);
	self->table = table;
	/* signals stay the interpreter's main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&self->thread, NULL, run, self);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	self->started = true;
	return 0;
fail_conf:
	if (conf)
		rd_kafka_conf_destroy(conf);
	return -1;
}

static PyObject *Consumer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	ConsumerObject *self = (ConsumerObject *)type->tp_alloc(type, 0);

	(void)args;
	(void)kwds;
	if (!self)
		return NULL;
	pthread_mutex_init(&self->lock, NULL);
	{
		pthread_condattr_t a;

		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		pthread_cond_init(&self->cond, &a);
		pthread_condattr_destroy(&a);
	}
	return (PyObject *)self;
}

/* Stop the thread, close the consumer, free the feed. GIL released. */
static void shutdown_consumer(ConsumerObject *self)
{
	pthread_mutex_lock(&self->lock);
	self->stop = true;
	pthread_cond_broadcast(&self->cond);
	pthread_mutex_unlock(&self->lock);
	if (self->started)
		pthread_join(self->thread, NULL);
	self->started = false;
	if (self->rk) {
		rd_kafka_consumer_close(self->rk);
		rd_kafka_destroy(self->rk);
		self->rk = NULL;
	}
	if (self->feed)
		self->api->feed_free(self->feed);
	self->feed = NULL;
}

static PyObject *Consumer_close(ConsumerObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!self->closed) {
		Py_BEGIN_ALLOW_THREADS
		shutdown_consumer(self);
		Py_END_ALLOW_THREADS
		self->closed = true;
		Py_CLEAR(self->table);
	}
	Py_RETURN_NONE;
}

static void Consumer_dealloc(ConsumerObject *self)
{
	if (!self->closed) {
		Py_BEGIN_ALLOW_THREADS
		shutdown_consumer(self);
		Py_END_ALLOW_THREADS
	}
	Py_CLEAR(self->table);
	for (size_t i = 0; i < self->log_n; i++)
		free(self->log[(self->log_head + i) % LOG_MAX]);
	free(self->parts);
	free(self->topic[INV]);
	free(self->topic[MET]);
	pthread_cond_destroy(&self->cond);
	pthread_mutex_destroy(&self->lock);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Consumer_caught_up(ConsumerObject *self, PyObject *args)
{
	PyObject *timeout = Py_None;
	double secs = -1;
	struct timespec until;
	bool done;

	if (!PyArg_ParseTuple(args, "|O", &timeout))
		return NULL;
	if (timeout != Py_None) {
		secs = PyFloat_AsDouble(timeout);
		if (secs == -1 && PyErr_Occurred())
			return NULL;
		if (secs < 0)
			secs = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (secs >= 0) {
		until.tv_sec += (time_t)secs;
		until.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	Py_BEGIN_ALLOW_THREADS
	pthread_mutex_lock(&self->lock);
	for (;;) {
		done = self->assigned[INV] && self->n_done == self->n_parts;
		if (done || self->stop || !self->started)
			break;
		if (secs < 0)
			pthread_cond_wait(&self->cond, &self->lock);
		else if (pthread_cond_timedwait(&self->cond, &self->lock, &until) == ETIMEDOUT)
			break;
	}
	done = self->assigned[INV] && self->n_done == self->n_parts;
	pthread_mutex_unlock(&self->lock);
	Py_END_ALLOW_THREADS
	return PyBool_FromLong(done);
}

static PyObject *Consumer_drain_log(ConsumerObject *self, PyObject *noargs)
{
	char *lines[LOG_MAX];
	size_t n;
	uint64_t dropped;
	PyObject *list;

	(void)noargs;
	pthread_mutex_lock(&self->lock);
	n = self->log_n;
	for (size_t i = 0; i < n; i++)
		lines[i] = self->log[(self->log_head + i) % LOG_MAX];
	self->log_head = (self->log_head + n) % LOG_MAX;
	self->log_n = 0;
	dropped = self->log_dropped;
	self->log_dropped = 0;
	pthread_mutex_unlock(&self->lock);
	list = PyList_New(0);
	for (size_t i = 0; i < n; i++) {
		PyObject *s = list ? PyUnicode_DecodeUTF8(lines[i], (Py_ssize_t)strlen(lines[i]),
							  "backslashreplace")
				   : NULL;

		if (s && PyList_Append(list, s))
			Py_CLEAR(list);
		Py_XDECREF(s);
		free(lines[i]);
	}
	if (list && dropped) {
		PyObject *s = PyUnicode_FromFormat("kafka: %llu more lines dropped (over %d between "
						   "two drains)",
						   (unsigned long long)dropped, LOG_MAX);

		if (!s || PyList_Append(list, s))
			Py_CLEAR(list);
		Py_XDECREF(s);
	}
	return list;
}

static int put(PyObject *d, const char *k, PyObject *v)
{
	int r = v ? PyDict_SetItemString(d, k, v) : -1;

	Py_XDECREF(v);
	return r;
}

static PyObject *Consumer_stats(ConsumerObject *self, PyObject *noargs)
{
	accel_sched_feed_stats st = { 0 };
	uint64_t errors;
	bool assigned[2], caught;
	size_t n_parts;
	PyObject *d = PyDict_New();

	(void)noargs;
	if (!d)
		return NULL;
	if (self->feed)
		self->api->feed_stats(self->feed, &st);
	pthread_mutex_lock(&self->lock);
	errors = self->kafka_errors;
	assigned[INV] = self->assigned[INV];
	assigned[MET] = self->assigned[MET];
	n_parts = self->n_parts;
	caught = self->assigned[INV] && self->n_done == self->n_parts;
	pthread_mutex_unlock(&self->lock);
	if (put(d, "records", PyLong_FromUnsignedLongLong(st.records)) ||
	    put(d, "inventories", PyLong_FromUnsignedLongLong(st.inventories)) ||
	    put(d, "metrics", PyLong_FromUnsignedLongLong(st.metrics)) ||
	    put(d, "tombstones", PyLong_FromUnsignedLongLong(st.tombstones)) ||
	    put(d, "duplicates", PyLong_FromUnsignedLongLong(st.duplicates)) ||
	    put(d, "skipped", PyLong_FromUnsignedLongLong(st.skipped)) ||
	    put(d, "ignored", PyLong_FromUnsignedLongLong(st.ignored)) ||
	    put(d, "hosts", PyLong_FromUnsignedLongLong(st.hosts)) ||
	    put(d, "kafka_errors", PyLong_FromUnsignedLongLong(errors)) ||
	    put(d, "inventory_partitions", PyLong_FromSize_t(n_parts)) ||
	    put(d, "inventory_assigned", PyBool_FromLong(assigned[INV])) ||
	    put(d, "metrics_assigned", PyBool_FromLong(assigned[MET])) ||
	    put(d, "caught_up", PyBool_FromLong(caught))) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

static PyMethodDef Consumer_methods[] = {
	{ "caught_up", (PyCFunction)Consumer_caught_up, METH_VARARGS,
	  "caught_up(timeout=None) -> bool: wait until the inventory topic is read up to the "
	  "end it had when the consumer found it (the table then holds every host's last "
	  "snapshot)" },
	{ "drain_log", (PyCFunction)Consumer_drain_log, METH_NOARGS,
	  "drain_log() -> [str]: skipped records and Kafka warnings since the last call" },
	{ "stats", (PyCFunction)Consumer_stats, METH_NOARGS, "stats() -> dict of counters" },
	{ "close", (PyCFunction)Consumer_close, METH_NOARGS,
	  "close(): stop the thread and leave the cluster (the table stays as it is)" },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject ConsumerType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "accelsched._kafka.Consumer",
	.tp_basicsize = sizeof(ConsumerObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Consumer(table, bootstrap_servers, inventory_topic='accelsched.inventory', "
		  "metrics_topic='accelsched.metrics.info', options=None): acceld's stream "
		  "applied to table (an accelsched._core.Table) by a thread of its own; options "
		  "are librdkafka's (security.protocol, ssl.ca.location, sasl.mechanism, ...)",
	.tp_new = Consumer_new,
	.tp_init = (initproc)Consumer_init,
	.tp_dealloc = (destructor)Consumer_dealloc,
	.tp_methods = Consumer_methods,
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, .m_name = "accelsched._kafka",
	.m_doc = "The scheduler's Kafka consumer of acceld's stream (librdkafka).",
	.m_size = -1,
};

PyMODINIT_FUNC PyInit__kafka(void);

PyMODINIT_FUNC PyInit__kafka(void)
{
	PyObject *m;

	api = PyCapsule_Import(ACCELSCHED_CAPI_NAME, 0);
	if (!api)
		return NULL;
	if (api->version != ACCELSCHED_CAPI_VERSION) {
		PyErr_Format(PyExc_ImportError,
			     "accelsched._core's C API is version %u, accelsched._kafka wants %u "
			     "(rebuild the package)",
			     api->version, ACCELSCHED_CAPI_VERSION);
		return NULL;
	}
	if (PyType_Ready(&ConsumerType))
		return NULL;
	m = PyModule_Create(&module);
	if (!m)
		return NULL;
	Py_INCREF(&ConsumerType);
	if (PyModule_AddObject(m, "Consumer", (PyObject *)&ConsumerType) ||
	    PyModule_AddStringConstant(m, "LIBRDKAFKA_VERSION", rd_kafka_version_str())) {
		Py_DECREF(&ConsumerType);
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
