/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl schedule's -e KEY=VALUE options (cli/spec.c). */
#ifndef ACCEL_CLI_SPEC_H
#define ACCEL_CLI_SPEC_H

#include <stddef.h>

#define CLI_MAX_SPECS 128

/* Flavor extra specs as given on the command line, in order. */
struct cli_specs {
	const char *keys[CLI_MAX_SPECS], *values[CLI_MAX_SPECS];
	char *buf[CLI_MAX_SPECS]; /* the keys, owned */
	size_t n;
};

/*
 * Add one KEY=VALUE argument: the key is what comes before the first '='
 * (copied), the value the rest (a pointer into arg, which must outlive
 * s). Returns 0, -EINVAL when arg has no '=' or an empty key, -E2BIG when
 * s holds CLI_MAX_SPECS already, -ENOMEM.
 */
int cli_specs_add(struct cli_specs *s, const char *arg);

/* Free the keys; s is empty again. */
void cli_specs_clear(struct cli_specs *s);

#endif
