/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl schedule's -e KEY=VALUE options; fuzzed by fuzz/fuzz_cli_specs.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int cli_specs_add(struct cli_specs *s, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return -EINVAL;
	if (s->n == CLI_MAX_SPECS)
		return -E2BIG;
	s->buf[s->n] = strndup(arg, (size_t)(eq - arg));
	if (!s->buf[s->n])
		return -ENOMEM;
	s->keys[s->n] = s->buf[s->n];
	s->values[s->n++] = eq + 1;
	return 0;
}

void cli_specs_clear(struct cli_specs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->buf[i]);
	s->n = 0;
}
