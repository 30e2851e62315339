/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file's option table as common/config.c has it, for
 * tests/install/test_docs.py to hold accelsched.conf(5) and the sample
 * against: one line per option,
 *   section<TAB>name<TAB>default<TAB>min<TAB>max<TAB>expected values
 * with the default that accel_config_new() gives (min and max: "-" but
 * for integers). Built and run by the test.
 */
#include "../../common/config.c"

static void print_default(const accel_config *c, const struct opt *o)
{
	const char *base = (const char *)c;

	switch (o->type) {
	case T_STR:
	case T_TOPIC:
	case T_IFACE: {
		const char *s = *(char *const *)(base + o->off);

		fputs(s ? s : "none", stdout);
		return;
	}
	case T_INT:
		printf("%d", *(const int *)(base + o->off));
		return;
	case T_DOUBLE:
		printf("%g", *(const double *)(base + o->off));
		return;
	case T_BOOL:
		/* debug is a switch over log_level: off unless set */
		fputs(o->off == CFG(log_level) ? (c->log_level == ACCEL_LOG_DEBUG ? "true" : "false")
					       : (*(const bool *)(base + o->off) ? "true" : "false"),
		      stdout);
		return;
	case T_AUTH: {
		static const char *const names[] = { "password", "v3applicationcredential", "token",
						     "none" };

		fputs(names[c->placement.auth_type], stdout);
		return;
	}
	case T_SCHEME:
		fputs(accel_trait_scheme_name(c->placement.trait_scheme), stdout);
		return;
	case T_OWNER:
		fputs(c->placement.placement_owner == ACCEL_OWNER_NOVA ? "nova" : "accelsched",
		      stdout);
		return;
	case T_LEVEL:
		fputs(accel_log_level_name(c->log_level), stdout);
		return;
	}
}

int main(void)
{
	accel_config *c;
	accel_err err;

	if (accel_config_new(&c, &err)) {
		fprintf(stderr, "optdump: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];

		printf("%s\t%s\t", o->section, o->name);
		print_default(c, o);
		if (o->type == T_INT)
			printf("\t%lld\t%lld", o->min, o->max);
		else
			printf("\t-\t-");
		printf("\t%s\n", expected(o));
	}
	accel_config_free(c);
	return 0;
}
