/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Telemetry's parsers of outside input (pure functions, fuzzed by
 * fuzz/fuzz_telemetry.c) and the NVML loader, internal to drivers/.
 */
#ifndef ACCEL_DRIVERS_TELEMETRY_H
#define ACCEL_DRIVERS_TELEMETRY_H

#include <stdint.h>

#include <accel/metrics.h>

/* amdgpu's pp_dpm_sclk / pp_dpm_mclk: lines "N: 1000Mhz" with a '*' after
 * the current level; its frequency in Hz. -ENODATA when no level is
 * marked, -EINVAL for a malformed line. */
int tel_parse_dpm(const char *text, uint64_t *hz);

#define FDINFO_MAX_ENGINES 16
#define FDINFO_NAME_MAX	   32

/* One DRM file's fdinfo (Documentation/gpu/drm-usage-stats.rst). */
struct fdinfo {
	char pdev[32];	    /* drm-pdev: the PCI address */
	uint64_t client_id; /* drm-client-id */
	unsigned n_engines;
	struct {
		char name[FDINFO_NAME_MAX]; /* drm-engine-<name> */
		uint64_t ns;		    /* busy time, ns */
	} engine[FDINFO_MAX_ENGINES];
	/* device memory (regions vram, local*): drm-total-* when given, else
	 * drm-memory-*; bytes */
	uint64_t mem_total, mem_memory;
	bool has_total, has_memory;
};

/* 0 for a DRM client's fdinfo (it has drm-pdev and drm-client-id);
 * -ENODATA for any other file's; -EINVAL for a malformed drm- line. */
int tel_parse_fdinfo(const char *text, struct fdinfo *out);

/* NVML through dlopen (drivers/nvml.c). */
struct tel_nvml;
/* NULL when it cannot be loaded or initialised; *why says why. */
struct tel_nvml *tel_nvml_open(char *why, size_t cap);
void tel_nvml_close(struct tel_nvml *n);
/* The readings NVML gives for the device at `address` (dddd:bb:dd.f). */
void tel_nvml_read(struct tel_nvml *n, const char *address, accel_metrics *m);

#endif
