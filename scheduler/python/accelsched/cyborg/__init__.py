# SPDX-License-Identifier: Apache-2.0
"""The Cyborg accelerator driver (accelsched.cyborg.driver.AccelschedDriver),
enabled in cyborg.conf with [agent] enabled_drivers = accelsched."""
