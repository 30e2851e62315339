# SPDX-License-Identifier: Apache-2.0
"""accelsched: accelerator scheduling for OpenStack Nova.

The scheduler core is C (accelsched._core, over libaccelsched); the Nova
plugin lives in accelsched.nova.
"""
from accelsched._core import Request, Table, VERSION, validate  # noqa: F401

__version__ = VERSION
