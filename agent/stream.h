/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld's Kafka producer (docs/kafka.md): the inventory record per host
 * and the device events, in the envelope of envelope.h, through the spool
 * of spool.h.
 *
 * librdkafka: an idempotent producer (enable.idempotence, acks=all),
 * every delivery report looked at. A message is appended to the spool
 * first; stream_commit() makes the appended ones durable (one fsync for the
 * batch) and hands them to librdkafka in order; a delivery report that says
 * delivered marks it done in the spool. librdkafka retries a message until
 * the brokers take it (or for [kafka] message_timeout when set), in order
 * per partition. A report that says not delivered (a refused message, the
 * message_timeout passed) stops the hand-over and takes back what
 * librdkafka still holds (purged), so that nothing after it gets there
 * first; once every report is in, every undelivered message is handed over
 * again in order, after a backoff (1 s doubling to 60 s). A fatal
 * error of the idempotent producer makes a new producer, which starts over
 * from the spool the same way. At open, what the spool holds from before
 * (a crash, a stop with the brokers away) goes first.
 */
#ifndef ACCEL_AGENT_STREAM_H
#define ACCEL_AGENT_STREAM_H

#include <signal.h>
#include <stdint.h>

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/metrics.h>

typedef struct stream stream;

int stream_open(stream **out, const accel_config *cfg, accel_err *err);
void stream_close(stream *s);

/* Queue (append to the spool) the host's inventory record, and one event
 * per device change of the diff (NULL: none); stream_commit sends them. */
int stream_inventory(stream *s, const accel_inventory *inv, accel_err *err);
int stream_changes(stream *s, const accel_inventory *inv, const accel_inventory_changes *diff,
		   accel_err *err);
/* Queue one accelerator.metrics event per device that has readings (key
 * <host>/<address>, payload accel_metrics_event_json's); the spool drops
 * these first when full. */
int stream_metrics(stream *s, const accel_inventory *inv, const char *collected_at,
		   const accel_metrics *m, size_t n, accel_err *err);
int stream_commit(stream *s, accel_err *err);

/* Queue the host's tombstone: key the host, a NULL value, on the inventory
 * topic (compacted: the host's records go), no headers; after whatever the
 * spool holds, like every message; not again when the last message queued
 * is that tombstone already. Only `acceld --retire` calls it. */
int stream_tombstone(stream *s, accel_err *err);

/* A descriptor that becomes readable when librdkafka has something to
 * report; then call stream_poll(). stream_timeout(): milliseconds until
 * stream_poll is due anyway (a backoff ends), -1 for none. */
int stream_fd(const stream *s);
int stream_timeout(const stream *s);
void stream_poll(stream *s);

/* Serve reports until every message was delivered, timeout_ms passed or
 * *cancel (may be NULL) is set; returns the number of messages not
 * delivered. */
size_t stream_flush(stream *s, int timeout_ms, const volatile sig_atomic_t *cancel);
size_t stream_pending(const stream *s);
/* The last trouble with the brokers said ("" when none since delivery
 * resumed); the partition and offset the host's tombstone was delivered
 * to (-1 when it was not). */
const char *stream_last_error(const stream *s);
void stream_tombstone_delivered(const stream *s, int32_t *partition, int64_t *offset);
const char *stream_spool_path(const stream *s);

#endif
