/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler's feed: acceld's Kafka records applied to a host table
 * (docs/kafka.md, "The scheduler's consumer").
 *
 *   inventory topic, key = host:
 *     an accelerator.inventory.snapshot notification -> the host, swapped in
 *       (accel_sched_hosts_update: readers see the old or the new host);
 *     a tombstone (null value)                       -> the host removed;
 *   metrics topic, key = host/address:
 *     an accelerator.metrics notification -> the device's hw.gpu.utilization
 *       applied to the host's last inventory, and the host swapped in again.
 *
 * Records are decoded with accel_notification_parse; message ids seen
 * lately are remembered and a record carrying one again is dropped (acceld
 * may send a record twice, docs/kafka.md). A malformed record changes
 * nothing and fails naming where it was and what is wrong.
 *
 * No Kafka client here: the consumer (scheduler/python/accelsched/_kafka.c)
 * hands each record over. One thread feeds; stats may be read from any.
 *
 * Internal: not exported from libaccel.so; linked from libaccelsched.a by
 * the Python extension, which hands these functions to accelsched._kafka
 * through a capsule (accelsched._core._C_API).
 */
#ifndef ACCEL_INTERNAL_SCHED_FEED_H
#define ACCEL_INTERNAL_SCHED_FEED_H

#include <stddef.h>
#include <stdint.h>

#include <accel/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_sched_feed accel_sched_feed;

typedef enum accel_sched_feed_kind {
	ACCEL_FEED_INVENTORY = 0,
	ACCEL_FEED_METRICS,
} accel_sched_feed_kind;

#define ACCEL_FEED_EVENT_INVENTORY "accelerator.inventory.snapshot"
#define ACCEL_FEED_EVENT_METRICS "accelerator.metrics"
/* message ids remembered for dropping duplicates */
#define ACCEL_FEED_DEDUP 4096
/* a record's key: a host name, or host/address */
#define ACCEL_FEED_KEY_MAX 320

typedef struct accel_sched_feed_stats {
	uint64_t records;     /* every record fed */
	uint64_t inventories; /* snapshots applied */
	uint64_t metrics;     /* utilization readings applied */
	uint64_t tombstones;  /* hosts removed by a tombstone */
	uint64_t duplicates;  /* dropped: a message id seen lately */
	uint64_t skipped;     /* malformed: nothing applied, an error returned */
	uint64_t ignored;     /* well-formed, nothing to do: a reading that changes
				 nothing or names a host or device the feed has no
				 inventory of, a tombstone of an unknown host */
	uint64_t hosts;       /* hosts the feed holds an inventory of */
} accel_sched_feed_stats;

/* A feed applying to t (borrowed: t must outlive the feed). -ENOMEM. */
int accel_sched_feed_new(accel_sched_hosts *t, accel_sched_feed **out);
void accel_sched_feed_free(accel_sched_feed *f);

/*
 * One record: its key (klen bytes; NULL when it has none), its value
 * (vlen bytes; NULL for a tombstone), `where` naming it in messages
 * ("accelsched.inventory[0]@17"). 0 when applied, ignored or dropped as a
 * duplicate; a negative errno when malformed (-EBADMSG, -E2BIG) or out of
 * memory, with *err saying "<where>: <what is wrong>". The table is
 * unchanged by a failed record.
 */
int accel_sched_feed_record(accel_sched_feed *f, accel_sched_feed_kind kind, const void *key,
			    size_t klen, const void *value, size_t vlen, const char *where,
			    accel_err *err);

void accel_sched_feed_stats_get(accel_sched_feed *f, accel_sched_feed_stats *out);

/* Counts the table's updates so far: a caller that remembers that a name
 * is unknown asks again when this moves (accelsched._core's Table). */
uint32_t accel_sched_hosts_generation(accel_sched_hosts *t);

#ifdef __cplusplus
}
#endif
#endif
