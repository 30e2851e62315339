/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-run: time two commands in the same run, interleaved so that both
 * see the same machine state, and print each one's median wall time and
 * their ratio.
 *
 *   bench-run RUNS NAME_A NAME_B -- CMD_A ARGS... -- CMD_B ARGS...
 *
 * Each command's stdout goes to /dev/null; a command that fails stops the
 * benchmark (a fast failure is not a fast success).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double run_once(char **argv)
{
	struct timespec a, b;
	int st;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench-run: %s failed\n", argv[0]);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	char **a = NULL, **b = NULL;
	double *ta, *tb, ma, mb;
	int runs;

	if (argc < 8 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: bench-run RUNS NAME_A NAME_B -- CMD_A... -- CMD_B...\n");
		return 2;
	}
	runs = atoi(argv[1]);
	if (runs < 1 || runs > 100000)
		return 2;
	a = &argv[5];
	for (int i = 5; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			b = &argv[i + 1];
			break;
		}
	if (!b || !*b)
		return 2;
	ta = calloc((size_t)runs, sizeof(*ta));
	tb = calloc((size_t)runs, sizeof(*tb));
	for (int i = 0; i < 3; i++) { /* warm the page cache for both */
		run_once(a);
		run_once(b);
	}
	for (int i = 0; i < runs; i++) {
		ta[i] = run_once(a);
		tb[i] = run_once(b);
	}
	ma = median(ta, runs);
	mb = median(tb, runs);
	printf("  %-34s median %8.3f ms  (%d runs)\n", argv[2], ma, runs);
	printf("  %-34s median %8.3f ms  (%d runs)\n", argv[3], mb, runs);
	printf("  ratio %s / %s = %.2f  (%s)\n", argv[2], argv[3], ma / mb,
	       ma <= mb ? "target met: no slower than the baseline"
			: "TARGET MISSED: slower than the baseline");
	free(ta);
	free(tb);
	return 0;
}
