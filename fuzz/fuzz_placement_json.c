/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: every parser of Placement's and Keystone's answers
 * (root document, provider lists, inventories, traits, allocations, name
 * lists, error bodies, tokens with their catalog) over the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/util.h>
#include "pc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	struct pc_tree t = { 0 };
	struct pc_provider p = { .generation = -1 };
	char **names = NULL, d[256], c[64], *url = NULL;
	size_t n = 0;
	double exp;
	int max;
	accel_err err;

	(void)pc_parse_root(b, size, &max, &err);
	(void)pc_parse_providers(b, size, &t, &err);
	pc_tree_clear(&t);
	(void)pc_parse_provider(b, size, &p, &err);
	pc_provider_clear(&p);
	(void)pc_parse_inventories(b, size, &p, &err);
	(void)pc_parse_traits(b, size, &p, &err);
	(void)pc_parse_allocations(b, size, &p, &err);
	pc_provider_clear(&p);
	if (pc_parse_names(b, size, "traits", NULL, &names, &n, &err) == 0)
		accel_strv_free(names, n);
	if (pc_parse_names(b, size, "resource_classes", "name", &names, &n, &err) == 0)
		accel_strv_free(names, n);
	(void)pc_parse_error(b, size, d, sizeof(d), c, sizeof(c));
	if (pc_parse_token(b, size, "public", NULL, &exp, &url, &err) == 0)
		free(url);
	url = NULL;
	if (pc_parse_token(b, size, "internal", "RegionOne", &exp, &url, &err) == 0)
		free(url);
	return 0;
}
