/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for the tools (acceld, accelctl); libraries never log. One line
 * per message on stderr, which journald keeps for a systemd service:
 * "acceld: warning: ...". Secrets are never passed here.
 */
#ifndef ACCEL_LOG_H
#define ACCEL_LOG_H

#include <accel/config.h>

#ifdef __cplusplus
extern "C" {
#endif

ACCEL_EXPORT void accel_log_init(const char *program, accel_log_level level);
ACCEL_EXPORT void accel_log_set_level(accel_log_level level);
ACCEL_EXPORT bool accel_log_enabled(accel_log_level level);
ACCEL_EXPORT void accel_log(accel_log_level level, const char *fmt, ...) ACCEL_PRINTF(2, 3);

#define accel_error(...) accel_log(ACCEL_LOG_ERROR, __VA_ARGS__)
#define accel_warning(...) accel_log(ACCEL_LOG_WARNING, __VA_ARGS__)
#define accel_info(...) accel_log(ACCEL_LOG_INFO, __VA_ARGS__)
#define accel_debug(...) accel_log(ACCEL_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
