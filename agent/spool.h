/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld's Kafka spool: every message is written to a file before it is
 * handed to librdkafka and stays there until the broker acknowledged it,
 * so that neither a broker outage nor a crash of acceld loses one.
 *
 * One append-only file, SPOOL_DIR/spool, of records:
 *
 *   magic "ASP1" | u32 body length | u32 CRC-32C of the body | body
 *
 * all integers little-endian. A body is a message:
 *
 *   u8 1 | u64 seq | u8 class | u16 n + topic | u16 n + key (n 0xffff: none) |
 *   u8 header count | (u16 n + name, u16 n + value) each | u32 n + value
 *
 * where a value length of 0xffffffff (SPOOL_VALUE_NULL, never a real
 * length: a record is at most SPOOL_RECORD_MAX) is a NULL value, nothing
 * following: a tombstone on a compacted topic. Files written before it
 * existed read the same;
 * or the mark that message seq was delivered: u8 2 | u64 seq. Sequence
 * numbers grow through the file. A record cut short or whose checksum does
 * not match (a crash in the middle of an append) ends what is read: it and
 * whatever follows are dropped, with a warning naming the file and the
 * offset. One process has the spool at a time: SPOOL_DIR/lock, held with
 * flock() while it is open. Opening rewrites the file with the messages not yet delivered
 * (compaction), as does a done mark when delivered records make up most of
 * the file and the file is past half of max_bytes.
 *
 * Bounded: the file never grows past max_bytes. When a new message would
 * not fit, delivered records are compacted away first, then undelivered
 * ones are dropped in this order, each with a warning and counted per
 * class: metrics oldest first; inventory records of a host that has a
 * newer one queued (the newer supersedes them); events oldest first;
 * inventory records oldest first.
 */
#ifndef ACCEL_AGENT_SPOOL_H
#define ACCEL_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <accel/common.h>

#define SPOOL_FILE "spool"
#define SPOOL_MAX_HEADERS 16
#define SPOOL_RECORD_MAX (16u << 20) /* one record's body */
#define SPOOL_TOPIC_MAX 249	     /* Kafka's limit */
#define SPOOL_LOCK_FILE "lock"
#define SPOOL_VALUE_NULL 0xffffffffu /* the value length of a NULL value */

/* What a message is, for the drop order: the lowest class goes first. */
typedef enum spool_class {
	SPOOL_METRICS = 0,
	SPOOL_INVENTORY = 1,
	SPOOL_EVENTS = 2,
	SPOOL_N_CLASSES
} spool_class;

typedef struct spool_header {
	char *name, *value; /* NUL-terminated; value may be "" */
} spool_header;

/* A message as it goes to Kafka. value may hold any bytes (value_len);
 * value NULL (value_len 0) is a NULL value, a tombstone. */
typedef struct spool_msg {
	uint64_t seq; /* given by spool_append */
	spool_class cls;
	char *topic;
	char *key;
	spool_header headers[SPOOL_MAX_HEADERS];
	size_t n_headers;
	char *value;
	size_t value_len;
} spool_msg;

void spool_msg_clear(spool_msg *m);

/* The parser of the file's bytes, for the spool itself and the fuzzer.
 * Calls on_msg for each message record (the callback takes *m, or leaves
 * it to be cleared) and on_done for each done mark, in file order, until
 * the first record that is cut short or damaged, or the end. *good is the
 * length of the records read whole; when it is short of len, why says what
 * was wrong at that offset. A callback returning non-zero stops the parse
 * with that value. Returns 0 or the callback's value. */
typedef int (*spool_msg_fn)(spool_msg *m, void *arg);
typedef int (*spool_done_fn)(uint64_t seq, void *arg);
int spool_parse(const uint8_t *buf, size_t len, spool_msg_fn on_msg, spool_done_fn on_done,
		void *arg, size_t *good, char *why, size_t why_cap);

/* A record's bytes: *out (malloc'ed, *n bytes). -EINVAL when the message
 * breaks a limit above (the reason in err). */
int spool_encode_msg(const spool_msg *m, uint8_t **out, size_t *n, accel_err *err);

typedef struct spool spool;
typedef void (*spool_warn_fn)(const char *msg, void *arg);

/* Open (creating dir, mode 0700, and the file) and load what was not
 * delivered; a damaged tail is dropped with a warning through warn.
 * -EBUSY when another process has it open (its lock file). */
int spool_open(spool **out, const char *dir, uint64_t max_bytes, spool_warn_fn warn, void *arg,
	       accel_err *err);
void spool_close(spool *sp);

/* Write m (its seq is set; the spool takes its strings, and clears *m
 * whatever happens), not yet synced: spool_sync makes every appended
 * message durable, and only synced ones are for sending. */
int spool_append(spool *sp, spool_msg *m, accel_err *err);
int spool_sync(spool *sp, accel_err *err);
/* Appended records and done marks are written together, with one write:
 * at spool_sync, at close, or here (after a poll's delivery reports),
 * not synced. */
int spool_flush(spool *sp, accel_err *err);
/* Delivered: marked in the file (not synced: lost, the message is sent
 * again, and consumers drop it by its id), compacted when worth it. */
int spool_done(spool *sp, uint64_t seq, accel_err *err);
/* Rewrite the file with the undelivered messages only. */
int spool_compact(spool *sp, accel_err *err);

/* The undelivered, synced messages in order: i from 0 to spool_n() - 1
 * (not const: they drop from their array what was delivered since). */
size_t spool_n(spool *sp);
const spool_msg *spool_get(spool *sp, size_t i);
/* Index of the first undelivered message after seq (spool_n when none). */
size_t spool_after(spool *sp, uint64_t seq);
uint64_t spool_dropped(const spool *sp, spool_class c);
uint64_t spool_file_bytes(const spool *sp);
const char *spool_path(const spool *sp);
const char *spool_class_name(spool_class c);

#endif
