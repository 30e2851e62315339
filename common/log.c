/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <accel/log.h>

static const char *prog = "accelsched";
static accel_log_level cur = ACCEL_LOG_INFO;

void accel_log_init(const char *program, accel_log_level level)
{
	prog = program;
	cur = level;
}

void accel_log_set_level(accel_log_level level)
{
	cur = level;
}

bool accel_log_enabled(accel_log_level level)
{
	return level <= cur;
}

void accel_log(accel_log_level level, const char *fmt, ...)
{
	char msg[2048], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level > cur)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* one write per line, so that lines from threads do not interleave */
	fprintf(stderr, "%s.%03ldZ %s: %s: %s\n", ts, now.tv_nsec / 1000000, prog,
		accel_log_level_name(level), msg);
}
