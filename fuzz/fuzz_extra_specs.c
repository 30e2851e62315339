/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: flavor extra specs (one KEY=VALUE per line) through the
 * request parser and the API validator; a request that parses is
 * evaluated over a small host table, and a chosen set must be within the
 * host and of the size asked, and accepted by accel_sched_acceptable
 * (refused once one of its devices is taken).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/sched.h>
#include <accel/util.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static accel_sched_hosts *table;

static void add_host(const char *name, int n, int64_t mem, int numa_split)
{
	accel_inventory *inv;
	accel_err err;

	accel_inventory_new(&inv, name);
	for (int i = 0; i < n; i++) {
		accel_device *d;
		char addr[ACCEL_ADDR_MAX], up[ACCEL_ADDR_MAX];

		snprintf(addr, sizeof(addr), "0000:%02x:00.0", 0x10 + i);
		snprintf(up, sizeof(up), "0000:%02x:00.0", 0x08 + i / 2);
		accel_inventory_add_device(inv, addr, &d);
		accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, up);
		accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, "0000:00:01.0");
		accel_device_set(&d->pcie.host_bridge, "pci0000:00");
		d->kind = ACCEL_KIND_GPU;
		d->vendor_id = 0x10de;
		accel_device_set(&d->vendor, "nvidia");
		accel_device_set(&d->model, i % 2 ? "A100 80GB PCIe" : "L4");
		accel_device_set(&d->resource_class, "PGPU");
		accel_device_set(&d->compute_capability, i % 2 ? "8.0" : "8.9");
		accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA");
		d->memory_mb = mem * (1 + i % 2);
		d->numa_node = numa_split && i >= n / 2;
		d->utilization = i * 10;
		d->in_use = i == 3;
		d->health = i == 5 ? ACCEL_HEALTH_DEGRADED : ACCEL_HEALTH_OK;
	}
	if (accel_sched_hosts_update(table, inv, &err))
		abort();
	accel_inventory_free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *keys[64], *values[64];
	const char *hosts[] = {"a", "b", "c", "missing"};
	accel_sched_result res[4];
	accel_sched_request *rq = NULL;
	accel_err err;
	size_t n = 0;
	char *text, *line, *save = NULL;

	if (!table) {
		if (accel_sched_hosts_new(&table))
			abort();
		add_host("a", 8, 24576, 1);
		add_host("b", 2, 16384, 0);
		add_host("c", 16, 40960, 1);
	}
	text = fuzz_text(data, size, 8192);
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line && n < 64;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		keys[n] = line;
		values[n++] = eq + 1;
		if (accel_sched_validate(line, eq + 1, &err) && !err.msg[0])
			abort();
	}
	if (accel_sched_request_parse(keys, values, n, &rq, &err) == 0) {
		if (accel_sched_evaluate(table, rq, hosts, 4, res))
			abort();
		for (int i = 0; i < 4; i++) {
			char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];

			if (!res[i].pass)
				continue;
			if (accel_sched_request_active(rq) &&
			    (res[i].n_chosen != accel_sched_request_count(rq) ||
			     accel_sched_chosen(table, hosts[i], &res[i], addrs, NULL)))
				abort();
			if (accel_sched_request_active(rq)) {
				/* the check Nova's allocation candidates go through
				 * accepts the choice; the same set with a device
				 * taken since does not */
				const char *a[ACCEL_SCHED_MAX_COUNT];

				for (unsigned d = 0; d < res[i].n_chosen; d++)
					a[d] = addrs[d];
				if (accel_sched_acceptable(table, rq, hosts[i], a, res[i].n_chosen,
							   NULL, 0) != 1 ||
				    accel_sched_acceptable(table, rq, hosts[i], a, res[i].n_chosen,
							   a + 1, res[i].n_chosen - 1) != 0)
					abort();
			}
		}
		accel_sched_request_free(rq);
	} else if (!err.msg[0]) {
		abort();
	}
	free(text);
	return 0;
}
