/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: telemetry's parsers of outside input. The first byte
 * picks one: amdgpu's pp_dpm_* levels, a DRM client's fdinfo, or a
 * metrics/v1 document (which must write back and read again to the same
 * readings, and whose every refusal says why).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/metrics.h>
#include "fuzz.h"
#include "telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void metrics_json(const char *text, size_t len)
{
	accel_metrics *a = NULL, *b = NULL;
	char *host = NULL, *ja = NULL;
	size_t na = 0, nb = 0;
	accel_err err;

	if (accel_metrics_from_json(text, len, &host, &a, &na, &err)) {
		if (!err.msg[0] || a)
			abort();
		return;
	}
	if (accel_metrics_to_json(host, NULL, a, na, &ja, &err) ||
	    accel_metrics_from_json(ja, strlen(ja), NULL, &b, &nb, &err) || na != nb ||
	    (na && memcmp(a, b, na * sizeof(*a))))
		abort();
	free(a);
	free(b);
	free(host);
	free(ja);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	uint64_t hz;
	struct fdinfo f;

	if (size < 1 || !(text = fuzz_text(data + 1, size - 1, 1 << 16)))
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (tel_parse_dpm(text, &hz) == 0 && hz % 1000000)
			abort();
		break;
	case 1:
		if (tel_parse_fdinfo(text, &f) == 0 &&
		    (f.n_engines > FDINFO_MAX_ENGINES || !f.pdev[0] ||
		     strlen(f.pdev) >= sizeof(f.pdev)))
			abort();
		break;
	default:
		metrics_json(text, size - 1);
	}
	free(text);
	return 0;
}
