# SPDX-License-Identifier: Apache-2.0
"""The accelsched Python package: the scheduler core as a CPython extension
the Nova plugin (filter, weigher, extra spec validators), the scheduler's
Kafka consumer as a second (accelsched._kafka), and the Cyborg accelerator
driver with discovery as a third (accelsched.cyborg._discovery).

Built by the top-level Makefile (`make python`), which first builds the
static libraries this links: ACCEL_LIB_DIR names their folder.
"""
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
LIB = os.environ.get("ACCEL_LIB_DIR", os.path.join(TOP, "build", "lib"))

core = Extension(
    "accelsched._core",
    sources=[os.path.join("accelsched", "_core.c")],
    include_dirs=[os.path.join(TOP, "include")],
    # static, so the module needs no libaccel.so at run time; the model
    # tables and the vocabulary (describe, decode_traits) are common's:
    # nothing of discovery (libaccel.a: libpci, libdrm, OpenCL) or of the
    # Placement client (libcurl, libcrypto) is linked
    # (tests/nova/test_link.py checks)
    extra_objects=[os.path.join(LIB, "libaccelsched.a"),
                   os.path.join(LIB, "libaccel-common.a")],
    # the system libraries those need: json-c's, from the Makefile
    extra_link_args=os.environ.get("ACCEL_LDLIBS", "-ljson-c").split() + ["-lpthread"],
    extra_compile_args=["-std=gnu11", "-Wall", "-Wextra", "-O2"],
)

# accelsched's discovery, for the Cyborg driver (accelsched.cyborg) only:
# it links libaccel-discovery.a and the libraries discovery needs (libpci,
# libdrm, OpenCL), which the Nova scheduler's _core must not load
discovery = Extension(
    "accelsched.cyborg._discovery",
    sources=[os.path.join("accelsched", "cyborg", "_discovery.c")],
    include_dirs=[os.path.join(TOP, "include")],
    extra_objects=[os.path.join(LIB, "libaccel-discovery.a"),
                   os.path.join(LIB, "libaccel-common.a")],
    extra_link_args=os.environ.get("ACCEL_DISCOVERY_LDLIBS",
                                   "-lpci -ldrm -ljson-c -lOpenCL").split() + ["-lpthread"],
    extra_compile_args=["-std=gnu11", "-Wall", "-Wextra", "-O2"],
)

# the scheduler's Kafka consumer (state_source = kafka): librdkafka, which
# loads libcrypto and libssl, in a module of its own so that _core stays
# free of both (tests/nova/test_link.py); it links no scheduler code and
# applies records through _core's capsule (accelsched._core._C_API). The
# Makefile passes ACCEL_KAFKA_LDLIBS from pkg-config: empty where librdkafka
# is not installed, and the module is then left out (state_source = kafka
# says so at start)
KAFKA_LDLIBS = os.environ.get("ACCEL_KAFKA_LDLIBS", "-lrdkafka").split()
kafka = Extension(
    "accelsched._kafka",
    sources=[os.path.join("accelsched", "_kafka.c")],
    include_dirs=[os.path.join(TOP, "include")],
    extra_compile_args=["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    + os.environ.get("ACCEL_KAFKA_CFLAGS", "").split(),
    extra_link_args=KAFKA_LDLIBS + ["-lpthread"],
)

setup(
    name="accelsched",
    version="0.1.0",
    description="Topology-, memory- and health-aware accelerator scheduling for Nova",
    license="Apache-2.0",
    packages=["accelsched", "accelsched.nova", "accelsched.cyborg"],
    ext_modules=[core, discovery] + ([kafka] if KAFKA_LDLIBS else []),
    entry_points={
        "nova.api.extra_spec_validators": [
            "accelsched = accelsched.nova.validators",
        ],
        # Cyborg's agent: [agent] enabled_drivers = accelsched
        "cyborg.accelerator.driver": [
            "accelsched = accelsched.cyborg.driver:AccelschedDriver",
        ],
        # oslo-config-generator --namespace accelsched: nova.conf [accelsched]
        "oslo.config.opts": [
            "accelsched = accelsched.nova.conf:list_opts",
        ],
    },
)
