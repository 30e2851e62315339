/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NVIDIA's NVML, loaded at run time with dlopen("libnvidia-ml.so.1") where
 * the driver installed it; never linked, so accelsched builds and runs
 * without it. The few calls used are declared here with NVML's own types
 * and constants (nvml.h: NVML_TEMPERATURE_GPU 0, NVML_CLOCK_GRAPHICS 0,
 * NVML_CLOCK_MEM 2, NVML_MEMORY_ERROR_TYPE_CORRECTED 0 / _UNCORRECTED 1,
 * NVML_VOLATILE_ECC 0). A call that fails (NOT_SUPPORTED on many boards)
 * leaves that reading unknown.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry.h"

typedef int nvmlReturn_t; /* NVML_SUCCESS is 0 */
typedef void *nvmlDevice_t;
typedef struct {
	unsigned int gpu, memory; /* percent */
} nvmlUtilization_t;
typedef struct {
	unsigned long long total, free, used; /* bytes */
} nvmlMemory_t;

struct tel_nvml {
	void *lib;
	nvmlReturn_t (*shutdown)(void);
	nvmlReturn_t (*by_bus_id)(const char *, nvmlDevice_t *);
	nvmlReturn_t (*util)(nvmlDevice_t, nvmlUtilization_t *);
	nvmlReturn_t (*mem)(nvmlDevice_t, nvmlMemory_t *);
	nvmlReturn_t (*temp)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*power)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long *);
	nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*ecc)(nvmlDevice_t, int, int, unsigned long long *);
};

struct tel_nvml *tel_nvml_open(char *why, size_t cap)
{
	nvmlReturn_t (*init)(void);
	struct tel_nvml *n = calloc(1, sizeof(*n));
	const char *err;

	if (!n) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!n->lib) {
		err = dlerror();
		snprintf(why, cap, "%s", err ? err : "libnvidia-ml.so.1: cannot be loaded");
		free(n);
		return NULL;
	}
#define SYM(field, name) (*(void **)&n->field = dlsym(n->lib, name))
	*(void **)&init = dlsym(n->lib, "nvmlInit_v2");
	SYM(shutdown, "nvmlShutdown");
	SYM(by_bus_id, "nvmlDeviceGetHandleByPciBusId_v2");
	SYM(util, "nvmlDeviceGetUtilizationRates");
	SYM(mem, "nvmlDeviceGetMemoryInfo");
	SYM(temp, "nvmlDeviceGetTemperature");
	SYM(power, "nvmlDeviceGetPowerUsage");
	SYM(energy, "nvmlDeviceGetTotalEnergyConsumption");
	SYM(clock, "nvmlDeviceGetClockInfo");
	SYM(ecc, "nvmlDeviceGetTotalEccErrors");
#undef SYM
	if (!init || !n->shutdown || !n->by_bus_id) {
		snprintf(why, cap,
			 "libnvidia-ml.so.1: nvmlInit_v2, nvmlShutdown or "
			 "nvmlDeviceGetHandleByPciBusId_v2 missing (driver too old)");
		dlclose(n->lib);
		free(n);
		return NULL;
	}
	if (init() != 0) {
		snprintf(why, cap, "nvmlInit_v2 failed (is the NVIDIA driver loaded?)");
		dlclose(n->lib);
		free(n);
		return NULL;
	}
	snprintf(why, cap, "loaded");
	return n;
}

void tel_nvml_close(struct tel_nvml *n)
{
	if (!n)
		return;
	n->shutdown();
	dlclose(n->lib);
	free(n);
}

void tel_nvml_read(struct tel_nvml *n, const char *address, accel_metrics *m)
{
	unsigned dom, bus, dev, fn;
	nvmlUtilization_t u;
	nvmlMemory_t mem;
	nvmlDevice_t h;
	unsigned int v;
	unsigned long long ll;
	char id[32];

	/* NVML's bus id: "00000000:3B:00.0" */
	if (sscanf(address, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return;
	snprintf(id, sizeof(id), "%08X:%02X:%02X.%X", dom, bus, dev, fn);
	if (n->by_bus_id(id, &h) != 0)
		return;
	if (n->util && n->util(h, &u) == 0)
		accel_metrics_set(m, ACCEL_M_UTILIZATION, u.gpu / 100.0, ACCEL_MS_NVML);
	if (n->mem && n->mem(h, &mem) == 0) {
		accel_metrics_set(m, ACCEL_M_MEMORY_USAGE, (double)mem.used, ACCEL_MS_NVML);
		accel_metrics_set(m, ACCEL_M_MEMORY_LIMIT, (double)mem.total, ACCEL_MS_NVML);
	}
	if (n->temp && n->temp(h, 0 /* NVML_TEMPERATURE_GPU */, &v) == 0)
		accel_metrics_set(m, ACCEL_M_TEMPERATURE, v, ACCEL_MS_NVML);
	if (n->power && n->power(h, &v) == 0) /* milliwatts */
		accel_metrics_set(m, ACCEL_M_POWER, v / 1000.0, ACCEL_MS_NVML);
	if (n->energy && n->energy(h, &ll) == 0) /* millijoules */
		accel_metrics_set(m, ACCEL_M_ENERGY, (double)ll / 1000.0, ACCEL_MS_NVML);
	if (n->clock && n->clock(h, 0 /* NVML_CLOCK_GRAPHICS */, &v) == 0) /* MHz */
		accel_metrics_set(m, ACCEL_M_CLOCK_GRAPHICS, v * 1e6, ACCEL_MS_NVML);
	if (n->clock && n->clock(h, 2 /* NVML_CLOCK_MEM */, &v) == 0)
		accel_metrics_set(m, ACCEL_M_CLOCK_MEMORY, v * 1e6, ACCEL_MS_NVML);
	if (n->ecc && n->ecc(h, 0 /* CORRECTED */, 0 /* VOLATILE */, &ll) == 0)
		accel_metrics_set(m, ACCEL_M_ERRORS_CORRECTED, (double)ll, ACCEL_MS_NVML);
	if (n->ecc && n->ecc(h, 1 /* UNCORRECTED */, 0 /* VOLATILE */, &ll) == 0)
		accel_metrics_set(m, ACCEL_M_ERRORS_UNCORRECTED, (double)ll, ACCEL_MS_NVML);
}
