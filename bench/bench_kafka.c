/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-kafka: acceld's Kafka producer path (agent/stream.c, spool.c,
 * envelope.c, linked as acceld links them) driven as acceld's rescans
 * drive it, for bench/bench_kafka.py.
 *
 *   bench-kafka --config FILE --inventory INV.json --events N [--fill]
 *
 * INV.json is a host's inventory (accelctl list -f json). Each round is
 * what acceld's stream does after a rescan in which every device changed
 * (numa_node 2, then 3, and so on, as tests/kafka's burst changes a
 * fixture): one accelerator.device.update event per device through
 * stream_changes (the envelope built, appended to the spool), then one
 * stream_commit (one fdatasync of the spool, the hand-over to librdkafka),
 * then librdkafka's reports served as acceld's loop serves them. Rounds
 * until N events; no inventory records, so that every record goes to the
 * events topic and kcat -P can send the same ones. The two diffs (A to B,
 * B to A) are made before the clock starts: they are the rescan's work,
 * not the producer's.
 *
 * Without --fill: the clock starts before stream_open (the producer made,
 * the spool opened) and stops when every event's delivery report said
 * delivered (stream_flush). With --fill: the brokers are expected away;
 * the events are appended and synced, the stream closed, and they stay in
 * the spool for `acceld --retire` to send.
 *
 * Prints one line of JSON: {"events", "rounds", "seconds", "left"}.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/log.h>

#include "stream.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Every device's numa_node set to v: the field acceld's rescan would see
 * change. */
static void set_numa(accel_inventory *inv, int v)
{
	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++)
		((accel_device *)accel_inventory_device(inv, i))->numa_node = v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "events", required_argument, NULL, 'n' },
		{ "fill", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *inv_path = NULL;
	accel_inventory *inv[2] = { NULL, NULL };
	accel_inventory_changes *diff[2] = { NULL, NULL };
	accel_config *cfg = NULL;
	stream *s = NULL;
	bool fill = false;
	long want = 0, events = 0, rounds = 0;
	size_t left = 0;
	accel_err err;
	double t0, t1;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			inv_path = optarg;
			break;
		case 'n':
			want = strtol(optarg, NULL, 10);
			break;
		case 'f':
			fill = true;
			break;
		default:
			return 2;
		}
	}
	if (!config || !inv_path || want <= 0) {
		fprintf(stderr, "usage: bench-kafka --config FILE --inventory INV.json --events N "
				"[--fill]\n");
		return 2;
	}
	/* the brokers away (--fill) are expected: only errors said */
	accel_log_init("bench-kafka", fill ? ACCEL_LOG_ERROR : ACCEL_LOG_WARNING);
	if (accel_config_load(&cfg, config, &err)) {
		fprintf(stderr, "bench-kafka: %s\n", err.msg);
		return 1;
	}
	for (int k = 0; k < 2; k++) {
		size_t len = 0;
		char *text = slurp(inv_path, &len);

		if (!text) {
			fprintf(stderr, "bench-kafka: %s: %s\n", inv_path, strerror(errno));
			return 1;
		}
		if (accel_inventory_from_json(text, len, &inv[k], &err)) {
			fprintf(stderr, "bench-kafka: %s: %s\n", inv_path, err.msg);
			return 1;
		}
		free(text);
		set_numa(inv[k], 2 + k);
	}
	if (!accel_inventory_n_devices(inv[0])) {
		fprintf(stderr, "bench-kafka: %s: no devices\n", inv_path);
		return 1;
	}
	/* the two diffs, A to B and back, made once: the rescan's work, not
	 * the producer's */
	if (accel_inventory_diff(inv[0], inv[1], &diff[0]) ||
	    accel_inventory_diff(inv[1], inv[0], &diff[1])) {
		fprintf(stderr, "bench-kafka: diff: out of memory\n");
		return 1;
	}
	/* the spool's folder is in it by default, as acceld makes it */
	if (mkdir(cfg->state_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "bench-kafka: %s: %s\n", cfg->state_dir, strerror(errno));
		return 1;
	}
	t0 = now();
	if (stream_open(&s, cfg, &err)) {
		fprintf(stderr, "bench-kafka: %s\n", err.msg);
		return 1;
	}
	while (events < want) {
		accel_inventory *cur = inv[(rounds + 1) % 2];
		struct pollfd p = { .fd = stream_fd(s), .events = POLLIN };

		accel_inventory_set_generation(cur, (uint64_t)rounds + 2);
		if (stream_changes(s, cur, diff[rounds % 2], &err) || stream_commit(s, &err)) {
			fprintf(stderr, "bench-kafka: %s\n", err.msg);
			return 1;
		}
		events += (long)accel_inventory_changes_n(diff[rounds % 2]);
		rounds++;
		/* acceld's loop between rescans: the reports when there are */
		if (poll(&p, 1, 0) > 0)
			stream_poll(s);
	}
	if (getenv("BK_DEBUG")) fprintf(stderr, "loop %.3f\n", now() - t0);
	if (!fill)
		left = stream_flush(s, 600 * 1000, NULL);
	else
		left = stream_pending(s);
	t1 = now();
	stream_close(s);
	printf("{\"events\": %ld, \"rounds\": %ld, \"seconds\": %.6f, \"left\": %zu}\n", events,
	       rounds, t1 - t0, left);
	accel_inventory_changes_free(diff[0]);
	accel_inventory_changes_free(diff[1]);
	accel_inventory_free(inv[0]);
	accel_inventory_free(inv[1]);
	accel_config_free(cfg);
	return !fill && left ? 1 : 0;
}
