/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What accelsched._core lends the other extensions, as the capsule
 * accelsched._core._C_API: its own copy of the scheduler's feed
 * (<accel/internal/sched_feed.h>) and the host table behind a Table, so
 * that accelsched._kafka, which links librdkafka and no scheduler code,
 * applies its records to the very table Nova's filter reads.
 */
#ifndef ACCELSCHED_CAPI_H
#define ACCELSCHED_CAPI_H

#include <Python.h>

#include <accel/internal/sched_feed.h>

#define ACCELSCHED_CAPI_NAME "accelsched._core._C_API"
#define ACCELSCHED_CAPI_VERSION 1

struct accelsched_capi {
	unsigned version; /* ACCELSCHED_CAPI_VERSION */
	/* The table of a Table object (borrowed: keep a reference to the
	 * object); NULL with TypeError when obj is no Table. GIL held. */
	accel_sched_hosts *(*table_hosts)(PyObject *obj);
	/* The functions of internal/sched_feed.h; any thread, no GIL. */
	int (*feed_new)(accel_sched_hosts *t, accel_sched_feed **out);
	void (*feed_free)(accel_sched_feed *f);
	int (*feed_record)(accel_sched_feed *f, accel_sched_feed_kind kind, const void *key,
			   size_t klen, const void *value, size_t vlen, const char *where,
			   accel_err *err);
	void (*feed_stats)(accel_sched_feed *f, accel_sched_feed_stats *out);
};

#endif
