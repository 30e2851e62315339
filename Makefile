# accelsched — the one entry point.
#
#   make            libraries in build/lib/, tools in build/bin/
#   make check      install dependencies, build, run every test (unit tests
#                   plain and under ASan+UBSan, CLI tests on fixtures, pocl,
#                   valgrind, libFuzzer regressions: deterministic)
#   make fuzz       exploratory libFuzzer runs, FUZZ_SECONDS per target from
#                   a random seed (fuzz/README.md)
#   make demo       install dependencies, build, show this host's inventory
#                   and a bundled real server's, with its topology
#   make bench      scheduler core (1k/10k/100k hosts), the Nova plugin against
#                   Nova's PCI filter and weighers, discovery against lspci,
#                   the Placement client, a device change to the scheduler's
#                   table through Kafka, acceld's Kafka producer and spool
#                   replay against kcat -P
#   make bench-kafka  that last part alone (BENCH_KAFKA_EVENTS, 20000)
#   make debian13-tests  in a Debian 13 root with OpenStack 2025.1 (Nova 31),
#                   built once and cached (docs/debian13.md)
#   make cyborg-tests  the Cyborg driver, in a running Cyborg 2025.1 in that
#                   root (docs/cyborg.md)
#   make install PREFIX=/usr/local DESTDIR=
#                   tools, library, headers, Python package, man pages,
#                   systemd unit, configuration, DKMS source (docs/deploy.md);
#                   `make uninstall` with the same variables removes them
#   make install-tests  the install tree, unit, man pages and completion
#                   (tests/install/); make dkms-test: DKMS against Debian's
#                   kernel headers
#   make package-tests  the Debian packages (debian/, docs/packages.md) built,
#                   checked by lintian, installed, removed, purged (root)
#
# Dependencies come from Debian packages through scripts/install-deps.sh.

VERSION := 0.1.0

# Where `make install` puts things (docs/deploy.md); DESTDIR is prepended to
# every one of them.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DKMSDIR ?= $(PREFIX)/src
BUILD ?= build
CC ?= cc
CLANG ?= clang
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 50000
FUZZ_SEED ?= 1

PKGS := libpci libdrm json-c OpenCL libcurl libcrypto
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# librdkafka: acceld's Kafka producer, the scheduler's consumer
# (accelsched._kafka), accelctl events' consumer and the mock cluster of the
# tests only (the libraries and the Nova extension accelsched._core do not
# link it).
RDKAFKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags rdkafka 2>/dev/null)
RDKAFKA_LIBS := $(shell $(PKG_CONFIG) --libs rdkafka 2>/dev/null)

CFLAGS ?= -O2 -g
# LDFLAGS: added to the links of libaccel.so, accelctl and acceld (a package
# build's hardening flags: debian/rules).
LDFLAGS ?=
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-format-nonliteral -Wvla -Werror=implicit-function-declaration
ACCEL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -fvisibility=hidden -fPIC -Iinclude $(PKG_CFLAGS) \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong
# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer, fatal on first report.
ifeq ($(SAN),1)
ACCEL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-U_FORTIFY_SOURCE
SAN_LDFLAGS := -fsanitize=address,undefined
endif

# Quiet by default: one line per step ("  CC  common/config.c"); V=1 shows
# the commands themselves.
ifeq ($(V),1)
say =
shsay =
else
say = @printf '  %-6s %s\n' '$(1)' '$(2)';
# the same inside a shell command (a loop's body)
shsay = printf '  %-6s %s\n' '$(1)' "$(2)";
MAKEFLAGS += --no-print-directory
endif

COMMON_SRC := $(wildcard common/*.c common/models/*.c)
DRIVERS_SRC := $(wildcard drivers/*.c drivers/hwvendor/*.c)
PLACEMENT_SRC := $(wildcard placement-client/*.c)
SCHED_SRC := $(wildcard scheduler/*.c)
AGENT_SRC := $(wildcard agent/*.c)
CLI_SRC := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# One static archive per library folder; libaccel.so and libaccel.a hold
# all four, so that -laccel means the same linked either way.
LIB_COMMON := $(BUILD)/lib/libaccel-common.a
LIB_DRIVERS := $(BUILD)/lib/libaccel-discovery.a
LIB_PLACEMENT := $(BUILD)/lib/libaccel-placement.a
LIB_SCHED := $(BUILD)/lib/libaccelsched.a
LIB_SHARED := $(BUILD)/lib/libaccel.so
LIB_STATIC := $(BUILD)/lib/libaccel.a
LIB_ALL_SRC := $(COMMON_SRC) $(DRIVERS_SRC) $(PLACEMENT_SRC) $(SCHED_SRC)
ACCELCTL := $(BUILD)/bin/accelctl
ACCELD := $(BUILD)/bin/acceld
LIBS := $(LIB_SCHED) $(LIB_PLACEMENT) $(LIB_DRIVERS) $(LIB_COMMON)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FIXTURES := $(BUILD)/fixtures

# keep the objects that pattern chains (fuzz targets) go through
.SECONDARY:

.PHONY: all deps check unit unit-asan cli-tests integration fuzz fuzz-regress abi abi-update valgrind demo bench bench-kafka fixtures \
	install clean format python nova-tests kmod vm-tests layers version uninstall install-bin install-lib \
	install-dev install-python install-data install-dkms-src install-tests dkms-test devstack-tests shellcheck package-tests debian13-root debian13-tests kafka-tests cyborg-tests

all: $(LIB_COMMON) $(LIB_DRIVERS) $(LIB_PLACEMENT) $(LIB_SCHED) $(LIB_SHARED) $(LIB_STATIC) \
	$(ACCELCTL) $(ACCELD)

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ACCEL_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(LIB_DRIVERS): $(call obj,$(DRIVERS_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(LIB_PLACEMENT): $(call obj,$(PLACEMENT_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(LIB_SCHED): $(call obj,$(SCHED_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

# Exported: accel_* only, versioned by abi/libaccel.map; the ABI is recorded
# in abi/ (make abi, abi/README.md).
SOVERSION := 0
$(LIB_SHARED): $(call obj,$(LIB_ALL_SRC)) abi/libaccel.map
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,libaccel.so.$(SOVERSION) -Wl,-z,defs \
		-Wl,--version-script=abi/libaccel.map $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(PKG_LIBS) \
		-lpthread

# P: members by their path, so that two folders' files of one name both stay
$(LIB_STATIC): $(call obj,$(LIB_ALL_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcsP $@ $^

# accelctl events reads Kafka (librdkafka)
$(call obj,cli/events.c): ACCEL_CFLAGS += $(RDKAFKA_CFLAGS)
$(ACCELCTL): $(call obj,$(CLI_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(RDKAFKA_LIBS)

# acceld alone produces to Kafka (librdkafka) and serves HTTP (its
# Prometheus endpoint: libmicrohttpd)
AGENT_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)
$(call obj,$(AGENT_SRC)): ACCEL_CFLAGS += $(RDKAFKA_CFLAGS)
$(ACCELD): $(call obj,$(AGENT_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(RDKAFKA_LIBS) $(AGENT_LIBS)

# Unit tests may include a module's internal header to test it directly.
$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)$(CC) $(ACCEL_CFLAGS) $(CFLAGS) -Idrivers -Iplacement-client -Ischeduler -Iagent -MMD -MP \
		-o $@ $< $(TEST_OBJS) $(LIBS) \
		$(PKG_LIBS) $(CMOCKA_LIBS) -lpthread $(SAN_LDFLAGS) $(TEST_LDFLAGS)

# accelctl events' payload summary, tested from its object
$(BUILD)/tests/test_event_summary: TEST_OBJS := $(call obj,cli/event_summary.c)
$(BUILD)/tests/test_event_summary: $(call obj,cli/event_summary.c)
$(BUILD)/tests/test_event_summary: ACCEL_CFLAGS += -Icli

# acceld's spool and envelope, tested from their objects
$(BUILD)/tests/test_spool: TEST_OBJS := $(call obj,agent/spool.c agent/envelope.c)
$(BUILD)/tests/test_spool: $(call obj,agent/spool.c agent/envelope.c)
# the stream's reader against what acceld's envelope writes
$(BUILD)/tests/test_notification: TEST_OBJS := $(call obj,agent/spool.c agent/envelope.c)
$(BUILD)/tests/test_notification: $(call obj,agent/spool.c agent/envelope.c)

# The JSON writers' calls into json-c (the inventory's, the Keystone auth
# body's) go through the test's wrappers, which fail the Nth allocation.
$(BUILD)/tests/test_json_oom: TEST_LDFLAGS := $(foreach f,json_object_new_object \
	json_object_new_array json_object_new_string json_object_new_int json_object_new_int64 \
	json_object_new_boolean json_object_object_add json_object_array_add \
	json_object_to_json_string_ext,-Wl,--wrap=$(f))

$(FIXTURES)/.stamp: $(shell find tests/fixtures -type f 2>/dev/null)
	$(call say,GEN,$(FIXTURES))tests/fixtures/build-all.sh $(FIXTURES)
	$(call say,CHECK,$(FIXTURES))tests/fixtures/validate.sh $(FIXTURES) >$(FIXTURES)/validate.log || \
		{ cat $(FIXTURES)/validate.log; exit 1; }
	@touch $@

fixtures: $(FIXTURES)/.stamp

# Every unit test, with the fixtures and tools they use.
unit: all $(UNIT_BINS) fixtures
	@ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=$(BUILD)/bin tests/run-unit.sh $(UNIT_BINS)

unit-asan:
	$(MAKE) BUILD=build/asan SAN=1 CFLAGS="-O1 -g" unit cli-tests

cli-tests: all fixtures
	ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=$(BUILD)/bin $(PYTHON) -m unittest discover \
		-s tests/cli -p 'test_*.py' -v

# acceld against the real Keystone and Placement (tests/integration/), with
# the ASan+UBSan build (leaks and invalid accesses fail it) and, for the
# valgrind test, the plain one.
integration: all fixtures
	$(MAKE) BUILD=build/asan SAN=1 CFLAGS="-O1 -g" all
	ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=build/asan/bin ACCEL_PLAIN_BIN=$(BUILD)/bin \
		ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/integration/test_placement.py

# librdkafka's mock cluster on 127.0.0.1 for the Kafka tests: prints the
# bootstrap servers, takes fault commands on stdin (tests/kafka/mockcluster.c).
MOCKCLUSTER := $(BUILD)/tests/mockcluster
$(MOCKCLUSTER): tests/kafka/mockcluster.c
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)$(CC) $(ACCEL_CFLAGS) $(CFLAGS) $(RDKAFKA_CFLAGS) -o $@ $< $(RDKAFKA_LIBS) \
		$(SAN_LDFLAGS)

# acceld's Kafka stream against the mock cluster, read back by kcat and
# oslo.messaging's listener, with broker outages, kill -9 and refused
# Produce requests (tests/kafka/; a real Placement, noauth2). The ASan+UBSan
# build, as in make integration; the scheduler's consumer (test_consume.py)
# is the Python package of $(PYBUILD), in the tests' own interpreter.
kafka-tests: fixtures python
	$(MAKE) BUILD=build/asan SAN=1 CFLAGS="-O1 -g" all build/asan/tests/mockcluster
	ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=build/asan/bin ACCEL_MOCKCLUSTER=build/asan/tests/mockcluster \
		PYTHONPATH=$(abspath $(PYBUILD)) \
		ASAN_OPTIONS=detect_leaks=1 $(PYTHON) -m unittest discover -s tests/kafka -p 'test_*.py' -v

# The Python package (scheduler/python): the C core as an extension module
# and the Nova plugin, built for Debian's /usr/bin/python3 (python3-nova)
# into $(BUILD)/python with its entry points (egg-info), importable with
# PYTHONPATH=$(BUILD)/python.
PYBUILD := $(BUILD)/python
PY_SRC := $(wildcard scheduler/python/setup.py scheduler/python/accelsched/*.py \
	scheduler/python/accelsched/*.c scheduler/python/accelsched/nova/*.py \
	scheduler/python/accelsched/*.h \
	scheduler/python/accelsched/cyborg/*.py scheduler/python/accelsched/cyborg/*.c)
# accelsched.cyborg._discovery (the Cyborg driver's scan) links discovery and its libraries;
# _core links neither (tests/nova/test_link.py); accelsched._kafka (the
# scheduler's Kafka consumer) links librdkafka alone
DISC_PKGS := libpci libdrm json-c OpenCL
$(PYBUILD)/.stamp: $(LIB_SCHED) $(LIB_COMMON) $(LIB_DRIVERS) $(PY_SRC)
	$(call say,PY,$(PYBUILD))rm -rf $(PYBUILD) $(BUILD)/pytmp && mkdir -p $(PYBUILD)
	$(if $(filter 1,$(V)),,@)cd scheduler/python && ACCEL_LIB_DIR=$(abspath $(BUILD)/lib) \
		ACCEL_LDLIBS="$$($(PKG_CONFIG) --libs json-c)" \
		ACCEL_DISCOVERY_LDLIBS="$$($(PKG_CONFIG) --libs $(DISC_PKGS))" \
		ACCEL_KAFKA_CFLAGS="$(RDKAFKA_CFLAGS)" ACCEL_KAFKA_LDLIBS="$(RDKAFKA_LIBS)" \
		$(PYTHON) setup.py -q \
		build_py -d $(abspath $(PYBUILD)) \
		build_ext -b $(abspath $(PYBUILD)) -t $(abspath $(BUILD)/pytmp) \
		egg_info -e $(abspath $(PYBUILD)) >/dev/null
	@touch $@

python: $(PYBUILD)/.stamp

# The Nova plugin through Nova's own handlers, loaded by dotted path. One
# interpreter per module: importing Nova's API applies eventlet's monkey
# patching to the whole process, which the in-process fault proxy of
# test_placement_source cannot run under.
nova-tests: python fixtures
	@set -e; for t in tests/nova/test_*.py; do \
		echo "nova-tests: $$t"; \
		ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=$(BUILD)/bin \
		PYTHONPATH=$(abspath $(PYBUILD)):$(abspath tests/nova) \
		$(PYTHON) -m unittest -v $$(basename $$t .py); \
	done

# A Debian 13 (trixie) root with OpenStack 2025.1 (Nova 31, Placement 13,
# Keystone 27, Cyborg 14), for what Debian 12's Zed cannot test
# (docs/debian13.md). debian13-root builds it once (minutes) into
# /var/cache/accelsched, keyed by tests/debian13/packages, and reuses it
# after (seconds). debian13-tests runs inside it on this working tree (at
# /src) in a private mount namespace: the C libraries and the extension are
# built by the root's gcc for its python3 into build/debian13; then the
# smoke tests, one of Nova's own functional tests (the root can run them),
# accelsched's choice bound through allocation candidates in Nova's own
# functional harness (test_nova_bind.py), accelctl nova-config's output
# through Nova's own parsers and Placement translator (test_nova_config.py)
# and in Nova's functional harness, reported and booted (test_nova_config_boot.py),
# and on the host the test that
# entering leaves nothing behind.
# Needs root.
DEBIAN13 := scripts/debian13-root.sh
debian13-root: deps
	@$(DEBIAN13) build >/dev/null

NOVA_CONFIG_FIXTURES := hgx-a100-vfio edge-mixed dgx2 a100-vgpu-sriov esc8000a
debian13-tests: debian13-root all fixtures
	$(call say,ROOT,make python BUILD=build/debian13)$(DEBIAN13) run -- \
		make -s python BUILD=build/debian13 PYTHON=/usr/bin/python3 $(if $(V),V=$(V))
	@echo "debian13-tests: tests/debian13/test_smoke.py (in the root)"
	@$(DEBIAN13) run -- env PYTHONPATH=/src/build/debian13/python \
		/usr/bin/python3 -m unittest -v tests/debian13/test_smoke.py
	@echo "debian13-tests: Nova 31's own PCI-in-Placement functional test (in the root)"
	@$(DEBIAN13) run -- sh -c 'cd /tmp && python3 -m unittest -q \
		nova.tests.functional.libvirt.test_pci_in_placement.PlacementPCIInventoryReportingTests.test_new_compute_init_with_pci_devs \
		>nova-test.log 2>&1 || { tail -n 40 nova-test.log; exit 1; }'
	@echo "debian13-tests: tests/debian13/test_nova_bind.py, in Nova 31's functional harness (in the root)"
	@$(DEBIAN13) run -- sh -c 'cd /tmp && \
		PYTHONPATH=/src/build/debian13/python:/src/tests/nova:/src/tests/debian13 \
		python3 -m unittest test_nova_bind >nova-bind.log 2>&1 || \
		{ grep -v "^20[0-9-]* [0-9:,]* \(INFO\|WARNING\|DEBUG\)" nova-bind.log | tail -n 60; exit 1; }; \
		grep -E "^(Ran|OK)" nova-bind.log'
	@echo "debian13-tests: tests/debian13/test_nova_config.py, accelctl nova-config read by Nova 31 (in the root)"
	@rm -rf $(BUILD)/nova-config && mkdir -p $(BUILD)/nova-config && \
	for f in $(NOVA_CONFIG_FIXTURES); do \
		a="-q --sysfs-root $(FIXTURES)/$$f/sys --host compute1"; o=$(BUILD)/nova-config/$$f; \
		$(ACCELCTL) nova-config $$a >$$o.conf && \
		$(ACCELCTL) nova-config $$a -f json >$$o.json && \
		$(ACCELCTL) nova-config $$a -f json --resource-class nova >$$o.nova-rc.json && \
		$(ACCELCTL) list $$a -f json >$$o.inventory.json || exit 1; \
	done
	@$(DEBIAN13) run -- env ACCEL_NOVA_CONFIG_DIR=/src/$(BUILD)/nova-config \
		/usr/bin/python3 -m unittest -v tests/debian13/test_nova_config.py
	@echo "debian13-tests: tests/debian13/test_nova_config_boot.py, nova-config's lines in Nova 31's functional harness (in the root)"
	@$(DEBIAN13) run -- sh -c 'cd /tmp && ACCEL_NOVA_CONFIG_DIR=/src/$(BUILD)/nova-config \
		PYTHONPATH=/src/tests/debian13 python3 -m unittest test_nova_config_boot \
		>nova-config-boot.log 2>&1 || \
		{ grep -v "^20[0-9-]* [0-9:,]* \(INFO\|WARNING\|DEBUG\)" nova-config-boot.log | tail -n 60; exit 1; }; \
		grep -E "^(Ran|OK)" nova-config-boot.log'
	@echo "debian13-tests: tests/debian13/test_namespace.sh (on the host)"
	@tests/debian13/test_namespace.sh

# The Cyborg driver (accelsched.cyborg, docs/cyborg.md) in the Debian 13
# root: its objects on the fixtures with Cyborg 14's classes, then a running
# Cyborg 2025.1 (MariaDB, RabbitMQ, Keystone, Placement, cyborg-api,
# -conductor, -agent) on a fixture, through the REST APIs. Not in make check
# yet. CYBORG_WORK=DIR keeps the services' configs and logs there.
cyborg-tests: debian13-root fixtures
	$(call say,ROOT,make python BUILD=build/debian13)$(DEBIAN13) run -- \
		make -s python BUILD=build/debian13 PYTHON=/usr/bin/python3 $(if $(V),V=$(V))
	@echo "cyborg-tests: tests/cyborg/test_driver.py (in the root)"
	@$(DEBIAN13) run -- env PYTHONPATH=/src/build/debian13/python ACCEL_FIXTURES=/src/$(FIXTURES) \
		/usr/bin/python3 -m unittest -v tests/cyborg/test_driver.py
	@echo "cyborg-tests: tests/cyborg/test_cyborg.py, a running Cyborg (in the root)"
	@$(DEBIAN13) run -- sh -c 'cd /src/tests/cyborg && exec env \
		PYTHONPATH=/src/build/debian13/python ACCEL_FIXTURES=/src/$(FIXTURES) \
		$(if $(CYBORG_WORK),ACCEL_CYBORG_WORK=/src/$(CYBORG_WORK)) \
		/usr/bin/python3 -m unittest -v test_cyborg'

# accelinv.ko against KDIR (default: the running kernel's build tree, else
# Debian's newest linux-headers-*-amd64, the kernel tests/vm boots).
kmod:
	$(MAKE) -C kmod $(if $(KDIR),KDIR=$(KDIR))

# A QEMU guest with Debian's kernel: discovery, accelinv.ko and the event
# sources under hot-plug (tests/vm; TCG unless KVM answers).
VM_KDIR = $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
# tests/vm/failalloc.ko makes accelinv's allocations fail (Debian's kernel has
# no fault injection).
vm-tests: all
	$(MAKE) -C kmod KDIR=$(VM_KDIR)
	$(MAKE) -C tests/vm/failalloc KDIR=$(VM_KDIR)
	ACCEL_BIN=$(BUILD)/bin ACCEL_KMOD=$(abspath kmod/accelinv.ko) \
		ACCEL_FAILALLOC=$(abspath tests/vm/failalloc/failalloc.ko) $(PYTHON) -m unittest \
		discover -s tests/vm -p 'test_*.py' -v

# libFuzzer targets, built with clang against the sources themselves (and
# the CLI's parsers that have no main(): cli/spec.c, cli/event_summary.c;
# acceld's spool: agent/spool.c).
FUZZ_OBJ_SRC := $(COMMON_SRC) $(DRIVERS_SRC) $(PLACEMENT_SRC) $(SCHED_SRC) cli/spec.c cli/event_summary.c \
	agent/spool.c
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -Iinclude -Idrivers -Iplacement-client -Ischeduler -Icli -Iagent \
	$(PKG_CFLAGS) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CLANG,$<)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
# the target's own header dependencies in $@.d, like every object's (a
# header change rebuilds what includes it)
$(BUILD)/fuzz/%: fuzz/%.c $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_OBJ_SRC))
	$(call say,FUZZLD,$@)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d -fsanitize=fuzzer -o $@ \
		$(filter %.c %.o,$^) $(PKG_LIBS)
FUZZ_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

# make check's: every seed and past crash input of every target, then
# FUZZ_RUNS executions from the fixed FUZZ_SEED (the same on every run).
fuzz-regress: $(FUZZ_BINS)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SEED=$(FUZZ_SEED) fuzz/run.sh regress $(BUILD)/fuzz $(FUZZ_BINS)

# Exploration, not in make check: a random seed, FUZZ_SECONDS per target;
# findings are fixed and their inputs added to fuzz/regressions/<target>/.
fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh explore $(BUILD)/fuzz $(FUZZ_BINS)

# The CLI leaks nothing: valgrind over a big fixture, a broken one and a dump.
valgrind: all fixtures
	tests/valgrind.sh $(ACCELCTL) $(FIXTURES)

# The DevStack plugin (devstack/), phase by phase, with DevStack's own
# function library from DEVSTACK_DIR (DevStack's usual place by default;
# skipped, saying so, where it is absent), against the real Keystone and
# Placement; .zuul.yaml and its playbook parse and name the plugin's
# variables (no Zuul here): tests/devstack/.
DEVSTACK_DIR ?= /opt/stack/devstack
devstack-tests: all python fixtures
	@DEVSTACK_DIR=$(DEVSTACK_DIR) ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=$(BUILD)/bin \
		$(PYTHON) -m unittest -v tests/devstack/test_zuul.py tests/devstack/test_plugin.py

# shellcheck over the DevStack plugin (sourced files: shell=bash directives)
# and the shell scripts (bench/bench_discovery.sh, fuzz/run.sh and
# tests/fixtures/validate.sh still have info-level findings).
SHELLCHECK_FILES := devstack/settings devstack/plugin.sh devstack/lib/accelsched \
	tests/devstack/harness.sh .ci/run $(wildcard scripts/*.sh) tests/run-unit.sh \
	tests/valgrind.sh tests/fixtures/build-all.sh
shellcheck:
	$(call say,SHCHK,$(words $(SHELLCHECK_FILES)) files)shellcheck -x $(SHELLCHECK_FILES)

# DESIGN's dependency rules on the sources' #include lines (which folder
# may use which): scripts/check-layers.sh.
layers:
	@scripts/check-layers.sh

# libaccel.so's exported functions and the structs they reach, against the
# record in abi/ (abidiff; abi/README.md says what to do on a difference).
abi: $(LIB_SHARED)
	$(call say,ABI,$(LIB_SHARED))scripts/check-abi.sh $(LIB_SHARED) abi/libaccel.so.$(SOVERSION).abi
abi-update: $(LIB_SHARED)
	@scripts/check-abi.sh --update $(LIB_SHARED) abi/libaccel.so.$(SOVERSION).abi

check: deps
	$(MAKE) layers
	$(MAKE) shellcheck
	$(MAKE) all
	$(MAKE) abi
	$(MAKE) unit
	$(MAKE) cli-tests
	$(MAKE) install-tests
	$(MAKE) dkms-test
	$(MAKE) devstack-tests
	$(MAKE) package-tests
	$(MAKE) nova-tests
	$(MAKE) debian13-tests
	$(MAKE) cyborg-tests
	$(MAKE) vm-tests
	$(MAKE) unit-asan
	$(MAKE) valgrind
	$(MAKE) integration
	$(MAKE) kafka-tests
	$(MAKE) fuzz-regress
	@echo "make check: all passed"

demo: deps
	$(MAKE) all fixtures python $(MOCKCLUSTER)
	@ACCELCTL=$(ACCELCTL) FIXTURES=$(FIXTURES) MOCKCLUSTER=$(MOCKCLUSTER) PYBUILD=$(PYBUILD) \
		scripts/demo.sh

# acceld's Kafka producer path (agent/stream.c and the spool, as acceld
# links them) driven by bench/bench_kafka.py against the mock cluster
BENCH_KAFKA := $(BUILD)/bin/bench-kafka
STREAM_SRC := agent/stream.c agent/spool.c agent/envelope.c
$(BUILD)/obj/bench/bench_kafka.o: ACCEL_CFLAGS += $(RDKAFKA_CFLAGS) -Iagent
$(BENCH_KAFKA): $(call obj,bench/bench_kafka.c $(STREAM_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(RDKAFKA_LIBS)

BENCH_HOSTS ?= 200
BENCH_KAFKA_EVENTS ?= 20000
bench: all fixtures
	$(CC) -std=gnu11 -O2 -Wall -o $(BUILD)/bin/bench-run bench/bench_run.c
	$(CC) $(ACCEL_CFLAGS) $(CFLAGS) -o $(BUILD)/bin/bench-sched bench/bench_sched.c $(LIBS) \
		$(PKG_LIBS) -lpthread
	$(ACCELCTL) list -q --host template --sysfs-root $(FIXTURES)/hgx-a100-vfio/sys -f json \
		>$(BUILD)/hgx-a100-vfio.json
	$(BUILD)/bin/bench-sched $(BUILD)/hgx-a100-vfio.json
	$(MAKE) python
	rm -rf $(BUILD)/bench-inv && mkdir -p $(BUILD)/bench-inv
	for f in $(FIXTURES)/*/sys; do n=$$(basename $$(dirname $$f)); \
		$(ACCELCTL) list -q -f json --host $$n --sysfs-root $$f >$(BUILD)/bench-inv/$$n.json; done
	PYTHONPATH=$(abspath $(PYBUILD)) $(PYTHON) bench/bench_nova.py \
		--inventories $(BUILD)/bench-inv --lib $(LIB_SHARED)
	$(MAKE) $(MOCKCLUSTER)
	ACCEL_FIXTURES=$(FIXTURES) ACCEL_BIN=$(BUILD)/bin ACCEL_MOCKCLUSTER=$(MOCKCLUSTER) \
		PYTHONPATH=$(abspath $(PYBUILD)) $(PYTHON) bench/bench_kafka_latency.py
	$(MAKE) -C kmod KDIR=$(VM_KDIR)
	$(PYTHON) bench/bench_vm_latency.py --bin $(BUILD)/bin --kmod $(abspath kmod/accelinv.ko)
	@bench/bench_discovery.sh $(BUILD)/bin/bench-run $(ACCELCTL) $(FIXTURES)
	@$(PYTHON) bench/bench_placement.py $(BUILD)/bin $(FIXTURES) --hosts $(BENCH_HOSTS)
	$(MAKE) bench-kafka

# the Kafka part of make bench alone (docs/kafka.md, Benchmarks)
bench-kafka: all fixtures
	$(MAKE) $(BENCH_KAFKA) $(MOCKCLUSTER)
	@$(PYTHON) bench/bench_kafka.py $(BUILD)/bin $(FIXTURES) $(MOCKCLUSTER) --events $(BENCH_KAFKA_EVENTS)

# ---- make install (docs/deploy.md) ----
# One target per part, for packaging: install-bin (the tools), install-lib
# (libaccel.so.0), install-dev (headers, pkg-config file, libaccel.so and
# the static archives), install-python (the Nova plugin), install-data (man
# pages, bash completion, samples, the configuration, the systemd unit,
# udev rule and sysusers file), install-dkms-src (accelinv.ko's source for
# DKMS). tests/install/test_install.py holds the list of files and modes.
install: install-bin install-lib install-dev install-python install-data install-dkms-src

version:
	@echo $(VERSION)

# $(call inst,MODE,FILE,DEST): one file, its folders made; shinst in a loop
inst = $(call say,INSTALL,$(3))install -D -m $(1) $(2) $(3)
shinst = $(call shsay,INSTALL,$(3))install -D -m $(1) "$(2)" "$(3)";
# a path in accel.pc, relative to ${prefix} where it lies below PREFIX
pcpath = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_REQUIRES := libpci libdrm json-c OpenCL libcurl libcrypto
MAN_PAGES := docs/accelctl.1 docs/acceld.8 docs/accelsched.conf.5
CONF := $(DESTDIR)$(SYSCONFDIR)/accelsched/accelsched.conf
KMOD_SRC := kmod/Kbuild kmod/Makefile kmod/accelinv.c
DKMS_SRC_DIR := $(DKMSDIR)/accelinv-$(VERSION)

install-bin: $(ACCELCTL) $(ACCELD)
	$(call inst,0755,$(ACCELCTL),$(DESTDIR)$(BINDIR)/accelctl)
	$(call inst,0755,$(ACCELD),$(DESTDIR)$(SBINDIR)/acceld)

install-lib: $(LIB_SHARED)
	$(call inst,0644,$(LIB_SHARED),$(DESTDIR)$(LIBDIR)/libaccel.so.$(SOVERSION))

# Public headers only: include/accel/internal/ stays in the tree.
install-dev: $(LIBS) $(LIB_STATIC)
	@set -e; for h in include/accel/*.h; do \
		$(call shinst,0644,$$h,$(DESTDIR)$(INCLUDEDIR)/accel/$$(basename $$h)) \
	done
	@set -e; for a in $(LIBS) $(LIB_STATIC); do \
		$(call shinst,0644,$$a,$(DESTDIR)$(LIBDIR)/$$(basename $$a)) \
	done
	$(call say,LN,$(DESTDIR)$(LIBDIR)/libaccel.so)ln -sfn libaccel.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libaccel.so
	@mkdir -p $(BUILD)/gen
	@printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$(call pcpath,$(LIBDIR))' \
		'includedir=$(call pcpath,$(INCLUDEDIR))' '' 'Name: accel' \
		'Description: accelsched: accelerator discovery, inventory, Placement client and scheduler core' \
		'Version: $(VERSION)' 'Requires.private: $(PC_REQUIRES)' 'Libs: -L$${libdir} -laccel' \
		'Libs.private: -lpthread' 'Cflags: -I$${includedir}' >$(BUILD)/gen/accel.pc
	$(call inst,0644,$(BUILD)/gen/accel.pc,$(DESTDIR)$(LIBDIR)/pkgconfig/accel.pc)

# The Nova plugin where Debian's python3-nova looks (PYTHON_SITE), with its
# egg-info so that Nova's API finds the extra spec validators' entry point.
# No __pycache__: Debian's python3 compiles at its own install.
PYTHON_SITE ?= /usr/lib/python3/dist-packages
install-python: python
	@set -e; cd $(PYBUILD) && for f in $$(find accelsched accelsched.egg-info -name __pycache__ -prune \
		-o -type f -print | LC_ALL=C sort); do \
		$(call shinst,0644,$$f,$(DESTDIR)$(PYTHON_SITE)/$$f) \
	done

# The configuration is the sample, mode 0600 (it will hold a secret), and
# only where there is none: an operator's file is never overwritten.
install-data:
	@set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; $(call shinst,0644,$$m,$(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m)) \
	done
	$(call inst,0644,etc/bash-completion/accelctl,$(DESTDIR)$(DATADIR)/bash-completion/completions/accelctl)
	$(call inst,0644,etc/accelsched.conf.sample,$(DESTDIR)$(DATADIR)/accelsched/accelsched.conf.sample)
	$(call inst,0644,etc/nova.conf.accelsched.sample,$(DESTDIR)$(DATADIR)/accelsched/nova.conf.accelsched.sample)
	@if [ -e $(CONF) ]; then printf '  %-6s %s\n' KEEP '$(CONF) (exists)'; else \
		$(call shinst,0600,etc/accelsched.conf.sample,$(CONF)) fi
	@mkdir -p $(BUILD)/gen
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' etc/acceld.service.in \
		>$(BUILD)/gen/acceld.service
	$(call inst,0644,$(BUILD)/gen/acceld.service,$(DESTDIR)$(SYSTEMDUNITDIR)/acceld.service)
	$(call inst,0644,etc/udev/rules.d/60-accelinv.rules,$(DESTDIR)$(UDEVRULESDIR)/60-accelinv.rules)
	$(call inst,0644,etc/sysusers.d/accelsched.conf,$(DESTDIR)$(SYSUSERSDIR)/accelsched.conf)

# accelinv.ko's source where DKMS takes it from (dkms add DIR), dkms.conf
# with this VERSION.
install-dkms-src:
	@set -e; for f in $(KMOD_SRC); do \
		$(call shinst,0644,$$f,$(DESTDIR)$(DKMS_SRC_DIR)/$$(basename $$f)) \
	done
	@mkdir -p $(BUILD)/gen
	@sed -e 's|^PACKAGE_VERSION=.*|PACKAGE_VERSION="$(VERSION)"|' kmod/dkms.conf >$(BUILD)/gen/dkms.conf
	$(call inst,0644,$(BUILD)/gen/dkms.conf,$(DESTDIR)$(DKMS_SRC_DIR)/dkms.conf)

# Everything install put there, with the same variables; the configuration
# only when it is still the sample (an operator's file stays).
uninstall:
	$(call say,RM,$(DESTDIR)$(PREFIX) ...)rm -f $(DESTDIR)$(BINDIR)/accelctl $(DESTDIR)$(SBINDIR)/acceld \
		$(DESTDIR)$(LIBDIR)/libaccel.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libaccel.so \
		$(addprefix $(DESTDIR)$(LIBDIR)/,$(notdir $(LIBS) $(LIB_STATIC))) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/accel.pc \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/accel/,$(notdir $(wildcard include/accel/*.h))) \
		$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/accelctl \
		$(DESTDIR)$(DATADIR)/accelsched/accelsched.conf.sample \
		$(DESTDIR)$(DATADIR)/accelsched/nova.conf.accelsched.sample \
		$(DESTDIR)$(SYSTEMDUNITDIR)/acceld.service $(DESTDIR)$(UDEVRULESDIR)/60-accelinv.rules \
		$(DESTDIR)$(SYSUSERSDIR)/accelsched.conf
	@rm -rf $(DESTDIR)$(PYTHON_SITE)/accelsched $(DESTDIR)$(PYTHON_SITE)/accelsched.egg-info \
		$(DESTDIR)$(DKMS_SRC_DIR)
	@if [ -e $(CONF) ] && ! cmp -s $(CONF) etc/accelsched.conf.sample; then \
		printf '  %-6s %s\n' KEEP '$(CONF) (changed from the sample; remove it by hand)'; \
	else rm -f $(CONF); fi
	@rmdir $(DESTDIR)$(INCLUDEDIR)/accel $(DESTDIR)$(DATADIR)/accelsched \
		$(DESTDIR)$(SYSCONFDIR)/accelsched 2>/dev/null || true

# tests/install/: a DESTDIR install (its files and modes, the headers, the
# pkg-config file), the unit through systemd-analyze verify, the man pages
# through groff, the completion in bash, and the installed tools against
# the fixtures and the real Keystone and Placement. Not in make check.
install-tests: all python fixtures
	ACCEL_FIXTURES=$(FIXTURES) ACCEL_BUILD=$(BUILD) ACCEL_VERSION=$(VERSION) $(PYTHON) -m unittest \
		discover -s tests/install -p 'test_*.py' -v

# accelinv.ko through DKMS (add, build, remove) against Debian's newest
# linux-headers-*-amd64, in a private DKMS tree (tests/install/dkms_test.py).
dkms-test:
	ACCEL_BUILD=$(BUILD) ACCEL_VERSION=$(VERSION) KDIR=$(VM_KDIR) $(PYTHON) tests/install/dkms_test.py -v

# The Debian packages (debian/, docs/packages.md): built from a copy of the
# tree, lintian, installed on this machine with apt-get (root), used,
# removed and purged; not in make check.
package-tests: fixtures
	ACCEL_SRC=$(CURDIR) ACCEL_FIXTURES=$(abspath $(FIXTURES)) $(PYTHON) -m unittest discover \
		-s tests/packages -p 'test_*.py' -v

format:
	clang-format -i $(wildcard drivers/*.h cli/*.h tests/unit/*.h) bench/bench_run.c
	clang-format -i $(COMMON_SRC) $(DRIVERS_SRC) $(PLACEMENT_SRC) $(SCHED_SRC) $(AGENT_SRC) \
		$(CLI_SRC) $(UNIT_SRC) $(FUZZ_SRC) include/accel/*.h include/accel/internal/*.h

clean:
	rm -rf build
	-$(MAKE) -C kmod clean >/dev/null 2>&1
	-$(MAKE) -C tests/vm/failalloc clean >/dev/null 2>&1

-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz -name '*.d' 2>/dev/null)
