/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: kernel uevent messages as netlink delivers them. */
#include <stdint.h>

#include <accel/uevent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_uevent ev;

	if (accel_uevent_parse((const char *)data, size, &ev) == 0)
		(void)accel_uevent_relevant(&ev);
	return 0;
}
