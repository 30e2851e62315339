/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl's commands; each returns the exit status. */
#ifndef ACCEL_CLI_H
#define ACCEL_CLI_H

#include <accel/inventory.h>

int cmd_list(const accel_inventory *inv, const char *format);
int cmd_show(const accel_inventory *inv, const char *address, const char *format);
int cmd_topo(const accel_inventory *inv, const char *format);

struct accel_config;
int cmd_report(const accel_inventory *inv, struct accel_config *cfg, bool create_root);

int cmd_schedule(const char *dir, const char *const *keys, const char *const *values,
		 size_t n_specs, long limit, const char *format);

#endif
