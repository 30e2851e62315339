/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mockcluster: librdkafka's mock Kafka cluster (rdkafka_mock.h) for the
 * tests. Its brokers speak the real Kafka protocol over TCP on 127.0.0.1, so
 * acceld, kcat and confluent-kafka talk to it as to a real cluster.
 *
 *   mockcluster [--brokers N]
 *
 * Prints one line, the bootstrap servers ("127.0.0.1:PORT,..."), then reads
 * commands from stdin, one a line, until EOF (then it exits 0). Each command
 * is answered on stdout with "ok" or "error: WHY", so that a test knows the
 * fault is in place before it goes on:
 *
 *   topic NAME PARTITIONS     create a topic, replicated on every broker
 *   down ID                   a broker down (-1: every broker): connections
 *                             cut, new ones refused
 *   up ID                     accept connections again
 *   rtt ID MS                 delay a broker's answers
 *   produce-errors N ERR      the next N Produce requests fail with ERR, a
 *                             librdkafka error name without the
 *                             RD_KAFKA_RESP_ERR_ prefix
 *                             (NOT_LEADER_FOR_PARTITION, _TRANSPORT: the
 *                             broker disconnects) or its number
 *   clear-errors              drop the Produce errors not used yet
 *
 * Topics that do not exist are created when a producer first writes to them
 * (the mock cluster's auto-creation: 4 partitions); create them with `topic`
 * to choose the count or to consume before anything is produced.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define PRODUCE_API_KEY 0 /* the Kafka protocol's ProduceRequest */

static int n_brokers = 3;

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

/* An error code by its name ("NOT_LEADER_FOR_PARTITION", "_TRANSPORT") or
 * number. */
static int parse_error(const char *s, rd_kafka_resp_err_t *out)
{
	const struct rd_kafka_err_desc *d;
	size_t n;
	long v;

	if (!s)
		return -EINVAL;
	if (!parse_int(s, -200, 200, &v)) {
		*out = (rd_kafka_resp_err_t)v;
		return 0;
	}
	rd_kafka_get_err_descs(&d, &n);
	for (size_t i = 0; i < n; i++)
		if (d[i].name && !strcmp(d[i].name, s)) {
			*out = d[i].code;
			return 0;
		}
	return -ENOENT;
}

static void answer(rd_kafka_resp_err_t e)
{
	if (e)
		printf("error: %s\n", rd_kafka_err2str(e));
	else
		printf("ok\n");
	fflush(stdout);
}

static void command(rd_kafka_mock_cluster_t *mc, char *line)
{
	char *save = NULL, *verb = strtok_r(line, " \t\r\n", &save);
	char *a1 = strtok_r(NULL, " \t\r\n", &save), *a2 = strtok_r(NULL, " \t\r\n", &save);
	long id, n;

	if (!verb) {
		printf("error: empty command\n");
	} else if (!strcmp(verb, "topic")) {
		if (!a1 || parse_int(a2, 1, 1000, &n))
			printf("error: usage: topic NAME PARTITIONS (1 to 1000)\n");
		else
			answer(rd_kafka_mock_topic_create(mc, a1, (int)n, n_brokers));
	} else if (!strcmp(verb, "down") || !strcmp(verb, "up")) {
		if (parse_int(a1, -1, 1000, &id))
			printf("error: usage: %s BROKER_ID (-1: all)\n", verb);
		else
			answer(!strcmp(verb, "down") ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
						     : rd_kafka_mock_broker_set_up(mc, (int32_t)id));
	} else if (!strcmp(verb, "rtt")) {
		if (parse_int(a1, -1, 1000, &id) || parse_int(a2, 0, 600000, &n))
			printf("error: usage: rtt BROKER_ID MS\n");
		else
			answer(rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)n));
	} else if (!strcmp(verb, "produce-errors")) {
		rd_kafka_resp_err_t e, *errs;

		if (parse_int(a1, 1, 100000, &n) || parse_error(a2, &e)) {
			printf("error: usage: produce-errors N ERROR (a name such as "
			       "NOT_LEADER_FOR_PARTITION or _TRANSPORT, or a number)\n");
		} else if (!(errs = calloc((size_t)n, sizeof(*errs)))) {
			printf("error: out of memory\n");
		} else {
			for (long i = 0; i < n; i++)
				errs[i] = e;
			rd_kafka_mock_push_request_errors_array(mc, PRODUCE_API_KEY, (size_t)n, errs);
			free(errs);
			answer(RD_KAFKA_RESP_ERR_NO_ERROR);
		}
	} else if (!strcmp(verb, "clear-errors")) {
		rd_kafka_mock_clear_request_errors(mc, PRODUCE_API_KEY);
		answer(RD_KAFKA_RESP_ERR_NO_ERROR);
	} else {
		printf("error: unknown command '%s' (topic, down, up, rtt, produce-errors, "
		       "clear-errors)\n",
		       verb);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char errstr[512], line[1024];
	rd_kafka_conf_t *conf;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	long brokers = n_brokers;
	int c;

	while ((c = getopt_long(argc, argv, "b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_int(optarg, 1, 16, &brokers)) {
				fprintf(stderr, "mockcluster: --brokers %s: expected 1 to 16\n", optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: mockcluster [--brokers N]\n"
			       "prints the bootstrap servers, then takes commands on stdin "
			       "(tests/kafka/mockcluster.c)\n");
			return 0;
		default:
			return 2;
		}
	}
	n_brokers = (int)brokers;
	/* the cluster needs a handle for its bookkeeping; a producer that
	 * produces nothing will do */
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "mockcluster: %s\n", errstr);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "mockcluster: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
	if (!mc) {
		fprintf(stderr, "mockcluster: could not start %ld mock brokers\n", brokers);
		rd_kafka_destroy(rk);
		return 1;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		command(mc, line);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
