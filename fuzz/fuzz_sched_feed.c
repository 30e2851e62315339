/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the scheduler's feed (scheduler/feed.c) over a
 * sequence of records, so that snapshots, readings, duplicates and
 * tombstones meet. Records are separated by the byte 0x1e; each is a kind
 * byte ('I' inventory, 'M' metrics, 'T' a tombstone: no value), the key up
 * to the first '\n', and the value after it. Afterwards the table holds
 * exactly the hosts the feed holds, and a request runs over them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/sched_feed.h>
#include <accel/util.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *k[] = {"resources:PGPU", "accelsched:max_utilization", "accelsched:p2p"};
	const char *v[] = {"2", "50", "PIX"};
	const uint8_t *p = data, *end = data + size;
	accel_sched_hosts *t;
	accel_sched_feed *f;
	accel_sched_feed_stats st;
	accel_sched_request *rq;
	accel_err err;
	char **names;
	size_t n;

	if (size > (1u << 20) || accel_sched_hosts_new(&t))
		return 0;
	if (accel_sched_feed_new(t, &f)) {
		accel_sched_hosts_free(t);
		return 0;
	}
	while (p < end) {
		const uint8_t *rec_end = memchr(p, 0x1e, (size_t)(end - p)), *nl;
		accel_sched_feed_kind kind = *p == 'M' ? ACCEL_FEED_METRICS : ACCEL_FEED_INVENTORY;
		bool tomb = *p == 'T';

		if (!rec_end)
			rec_end = end;
		p++;
		nl = p < rec_end ? memchr(p, '\n', (size_t)(rec_end - p)) : NULL;
		if (!nl)
			nl = rec_end;
		if (tomb)
			accel_sched_feed_record(f, kind, p, (size_t)(nl - p), NULL, 0, "fuzz[0]@0",
						&err);
		else
			accel_sched_feed_record(f, kind, p, (size_t)(nl - p),
						nl < rec_end ? nl + 1 : nl,
						nl < rec_end ? (size_t)(rec_end - nl - 1) : 0,
						"fuzz[0]@0", &err);
		p = rec_end < end ? rec_end + 1 : end;
	}
	accel_sched_feed_stats_get(f, &st);
	if (accel_sched_hosts_count(t) != st.hosts)
		abort();
	if (!accel_sched_request_parse(k, v, 3, &rq, &err)) {
		if (!accel_sched_hosts_names(t, &names, &n)) {
			accel_sched_result *res = calloc(n + 1, sizeof(*res));

			if (res)
				accel_sched_evaluate(t, rq, (const char *const *)names, n, res);
			free(res);
			accel_strv_free(names, n);
		}
		accel_sched_request_free(rq);
	}
	accel_sched_feed_free(f);
	accel_sched_hosts_free(t);
	return 0;
}
