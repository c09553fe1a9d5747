# ducorig top-level Makefile.
#
# One non-recursive make: every part contributes a module.mk fragment that
# appends to the variables below, so make sees the whole dependency graph at
# once. All output goes out of tree: host programs in build/host/, firmware
# in build/avr-<board>/. Assumes GNU make >= 4 and the Debian packages listed
# in scripts/deps.sh.

.DEFAULT_GOAL := all
SHELL := /bin/bash
.DELETE_ON_ERROR:
# Keep intermediate objects (test objects made by chained rules) between runs.
.SECONDARY:
MAKEFLAGS += --no-builtin-rules

BUILD    ?= build
HOSTDIR  := $(BUILD)/host
# Headers generated at build time (from boards.mk, from common/): never in git.
GENDIR   := $(BUILD)/gen
PREFIX   ?= /usr/local
DESTDIR  ?=

# Missing Debian packages are installed (as root) or named with the exact
# apt-get line before anything is parsed that needs them (pkg-config flags).
# DUCORIG_NO_DEPS=1 skips the check.
ifeq ($(DUCORIG_NO_DEPS)$(filter clean deps help,$(MAKECMDGOALS)),)
DEPS_RC := $(shell scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error Debian packages missing (see the apt-get line above))
endif
endif

# --- host toolchain ---------------------------------------------------------
CC       ?= cc
CWARN    := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
            -Wformat=2 -Wno-unused-parameter
ifneq ($(CI),)
CWARN    += -Werror
endif
HOST_CFLAGS  ?= -O2 -g
HOST_CFLAGS  += -std=gnu11 $(CWARN) -D_GNU_SOURCE -fPIC -Icommon -I$(GENDIR)
HOST_LDFLAGS ?=
DEPFLAGS  = -MMD -MP

# Collected by the module fragments.
HOST_PROGS   :=   # programs built by `make` (build/host/...)
TEST_PROGS   :=   # executables run by `make test` (TAP on stdout)
TEST_SCRIPTS :=   # scripts run by `make test` (TAP on stdout)
BENCH_TARGETS :=  # phony targets run by `make bench`
CLEAN_EXTRA  :=
GEN_HEADERS  :=   # generated headers every compile may include (common/module.mk)

# Every object depends on the makefiles, so flag changes rebuild.
MAKEFILE_DEPS := Makefile boards.mk $(wildcard */module.mk */*/module.mk)

include boards.mk
include common/module.mk
include $(filter-out common/module.mk,$(sort $(wildcard */module.mk */*/module.mk)))

.PHONY: all host test bench clean install deps
all: host firmware
host: $(HOST_PROGS)

# make test: build everything the tests need, then run them in layers. Tests
# that call make themselves get a clean environment, not this make's jobserver.
test: host $(TEST_PROGS) $(TEST_DEPS)
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL BUILD=$(BUILD) scripts/run-tests.sh $(TEST_PROGS) $(TEST_SCRIPTS)

bench: $(BENCH_TARGETS)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BUILD) $(CLEAN_EXTRA)

# --- generic host rules -------------------------------------------------------
# Objects mirror the source tree under build/host/obj/. A module adds flags for
# its own objects with target-specific variables, e.g.
#   $(HOSTDIR)/obj/sim/ducosim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS)
# Generated headers are order-only: the first build needs them before any
# -MMD output exists; after that the .d files name the ones each object uses.
$(HOSTDIR)/obj/%.o: %.c $(MAKEFILE_DEPS) | $(GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(EXTRA_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
