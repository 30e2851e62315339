/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: accelctl schedule's -e KEY=VALUE options, one per
 * input line, through the CLI's own parser (cli/spec.c) and then the
 * request parser they feed. What the CLI accepts must split back into the
 * argument it came from; what it refuses must be what its message says
 * (no '=', an empty key, one too many); a refused request says why.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/sched.h>
#include "spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_specs s = {0};
	accel_sched_request *rq = NULL;
	accel_err err;
	char *text, *line, *next;

	text = fuzz_text(data, size, 16384);
	if (!text)
		return 0;
	/* every line is one argument, empty ones included, as argv has them */
	for (line = text; line; line = next) {
		size_t before = s.n;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = cli_specs_add(&s, line);
		if (r == 0) {
			size_t kl = strlen(s.keys[before]);

			if (s.n != before + 1 || !kl || strchr(s.keys[before], '=') ||
			    strncmp(line, s.keys[before], kl) || line[kl] != '=' ||
			    s.values[before] != line + kl + 1)
				abort();
		} else if (r == -EINVAL) {
			if (s.n != before || (line[0] != '=' && strchr(line, '=')))
				abort();
		} else if (r == -E2BIG) {
			if (s.n != CLI_MAX_SPECS)
				abort();
		} else if (r != -ENOMEM) {
			abort();
		}
	}
	if (accel_sched_request_parse(s.keys, s.values, s.n, &rq, &err) == 0)
		accel_sched_request_free(rq);
	else if (!err.msg[0])
		abort();
	cli_specs_clear(&s);
	free(text);
	return 0;
}
