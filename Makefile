# ducorig top-level Makefile.
#
# One non-recursive make: every part contributes a module.mk fragment that
# appends to the variables below, so make sees the whole dependency graph at
# once. All output goes out of tree: host programs in build/host/, firmware
# in build/avr-<board>/. `make help` lists the goals and the boards.
# Assumes GNU make >= 4 and the Debian packages of scripts/deps.sh, in the
# groups each goal needs: `make master` (what a Raspberry Pi needs) only the
# "build" group, the firmware only the AVR toolchain, the development
# servers only simavr and libmicrohttpd. The usual variables are honoured:
# CC, CFLAGS, CPPFLAGS, LDFLAGS, AR, PKG_CONFIG, PREFIX, DESTDIR.

.DEFAULT_GOAL := all
SHELL := /bin/bash
.DELETE_ON_ERROR:
# Keep intermediate objects (test objects made by chained rules) between runs.
.SECONDARY:

BUILD    ?= build
HOSTDIR  := $(BUILD)/host
# Headers generated at build time (from boards.mk, from common/): never in git.
GENDIR   := $(BUILD)/gen
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DATADIR     ?= $(PREFIX)/share/ducorig
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
# The unit reads /etc/ducorig whatever PREFIX is.
SYSCONFDIR  ?= /etc
INSTALL     ?= install

# --- Debian packages --------------------------------------------------------
# Installing packages is for the README's two commands (make run, make test)
# and `make deps` only; they install before make reads any pkg-config flags,
# and never under make -n. Every other goal checks the group it needs when it
# gets there (deps-check-<group>) and names the apt-get line, installing
# nothing. DUCORIG_NO_DEPS=1 skips both (packaging, where dpkg checks the
# build dependencies, and cross builds, whose packages are :<arch>).
DEPS_DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))
DEPS_INSTALL := $(if $(DUCORIG_NO_DEPS)$(DEPS_DRY_RUN),,$(filter run test,$(MAKECMDGOALS)))
ifneq ($(DEPS_INSTALL),)
DEPS_RC := $(shell scripts/deps.sh build firmware sim $(if $(filter test,$(DEPS_INSTALL)),test) >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error Debian packages missing (see the apt-get line above))
endif
endif
MAKEFLAGS += --no-builtin-rules

# --- host toolchain -----------------------------------------------------------
# CFLAGS/CPPFLAGS/LDFLAGS are the user's (Debian's dpkg-buildflags fill them
# in a package build); what the code needs to compile at all is added around
# them, so overriding them never drops an include path. Hardening is on by
# default (HARDEN=no turns it off, e.g. under a sanitizer): fortified libc
# calls and stack protector unless the user's flags already choose, full
# RELRO with immediate binding.
CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
# Programs run during the build (table generators) are built for this machine.
CC_FOR_BUILD ?= cc
CFLAGS     ?= -O2 -g
CPPFLAGS   ?=
LDFLAGS    ?=
# SANITIZE=address,undefined (any -fsanitize= list): every host program and
# test built and run under those sanitizers, for a separate BUILD folder
# (CI's asan stage: BUILD=build/asan). Hardening is off then (fortified libc
# calls hide overflows from ASan); the shared objects that other programs
# load (libducocommon.so into Python, libducoi2cshim.so preloaded into
# i2c-tools and Python) get UBSan only, from objects of their own: an ASan
# runtime must be the first library of a process, which it is not there.
SANITIZE   ?=
HARDEN     ?= $(if $(SANITIZE),no,yes)
CWARN    := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
            -Wformat=2 -Wno-unused-parameter
ifneq ($(CI),)
CWARN    += -Werror
endif
USER_FLAGS := $(CPPFLAGS) $(CFLAGS)
ifeq ($(HARDEN),yes)
HARDEN_CPPFLAGS := $(if $(findstring _FORTIFY_SOURCE,$(USER_FLAGS)),,-D_FORTIFY_SOURCE=2)
HARDEN_CFLAGS   := $(if $(findstring -fstack-protector,$(USER_FLAGS)),,-fstack-protector-strong)
HARDEN_LDFLAGS  := -Wl,-z,relro -Wl,-z,now
endif
HOST_CPPFLAGS := -Icommon -I$(GENDIR) -D_GNU_SOURCE $(HARDEN_CPPFLAGS) $(CPPFLAGS)
HOST_CFLAGS   := -std=gnu11 $(CWARN) -fPIC $(HARDEN_CFLAGS) $(CFLAGS)
ifneq ($(SANITIZE),)
SAN_FLAGS     := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
SO_SAN_FLAGS  := $(if $(findstring undefined,$(SANITIZE)),-fsanitize=undefined -fno-sanitize-recover=all)
endif
# Leaks of libraries that are not ours, kept on purpose (test/lsan.supp).
SAN_TEST_ENV  := $(if $(SANITIZE),LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0)
# Objects and links of what other programs load (see SANITIZE above): in
# a tree of their own under SANITIZE, else the same objects as the rest.
SO_OBJ        := $(HOSTDIR)/$(if $(SANITIZE),so-obj,obj)
SO_CFLAGS     := $(HOST_CFLAGS) $(SO_SAN_FLAGS)
SO_LDFLAGS    := $(HARDEN_CFLAGS) $(CFLAGS) $(SO_SAN_FLAGS) $(HARDEN_LDFLAGS) $(LDFLAGS)
HOST_CFLAGS   += $(SAN_FLAGS)
# Links see the compile flags too (sanitizers, LTO need them on both).
HOST_LDFLAGS  := $(HARDEN_CFLAGS) $(CFLAGS) $(SAN_FLAGS) $(HARDEN_LDFLAGS) $(LDFLAGS)
DEPFLAGS  = -MMD -MP

# Collected by the module fragments.
INSTALL_PROGS :=  # what a Pi needs: built by `make master`, installed by `make install`
DEV_PROGS    :=   # development servers: `make sim`, `make install-dev`
HOST_PROGS   :=   # other host programs `make host` builds (test fixtures)
MAN_PAGES    :=   # man pages of INSTALL_PROGS (section from the suffix)
DEV_MAN_PAGES :=  # man pages of DEV_PROGS
TEST_PROGS   :=   # executables run by `make test` (TAP on stdout)
TEST_SCRIPTS :=   # scripts run by `make test` (TAP on stdout)
UNIT_TESTS   :=   # test programs that need only the master's libraries: `make test-unit`
BENCH_TARGETS :=  # phony targets run by `make bench`
CLEAN_EXTRA  :=
GEN_HEADERS  :=   # generated headers every compile may include (common/module.mk)

# Every object depends on the makefiles, so flag changes rebuild.
MAKEFILE_DEPS := Makefile boards.mk $(wildcard */module.mk */*/module.mk)

include boards.mk
include common/module.mk
include $(filter-out common/module.mk,$(sort $(wildcard */module.mk */*/module.mk)))

HOST_PROGS += $(INSTALL_PROGS) $(DEV_PROGS)

# Goals that share a name with a folder (master, test, ...) must be phony,
# or make would call the folder up to date.
.PHONY: all master sim host test test-unit bench clean deps help deps-check-%
all: master sim firmware
master: $(INSTALL_PROGS)
sim: $(DEV_PROGS)
host: $(HOST_PROGS)

# make test: build everything the tests need, then run them in layers. Tests
# that call make themselves get a clean environment, not this make's jobserver.
test: host $(TEST_PROGS) $(TEST_DEPS)
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL BUILD=$(BUILD) DUCORIG_SANITIZE=$(SANITIZE) \
		$(SAN_TEST_ENV) scripts/run-tests.sh $(TEST_PROGS) $(TEST_SCRIPTS)

# make test-unit: the host tests that need no simulator and no AVR toolchain
# (what a package build and the cross-built Pi binaries run). TEST_WRAPPER
# runs each program, e.g. TEST_WRAPPER="qemu-aarch64 -L /usr/aarch64-linux-gnu".
test-unit: $(UNIT_TESTS)
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL BUILD=$(BUILD) DUCORIG_SANITIZE=$(SANITIZE) \
		$(SAN_TEST_ENV) scripts/run-tests.sh $(UNIT_TESTS)

# make bench: the parts of BENCH_TARGETS (or those of BENCH_PARTS) one after
# the other, each through make (scripts/bench.sh): their output on stderr,
# then on stdout one JSON line keyed by part name. make <part> alone prints
# that part's own line.
BENCH_PARTS ?= $(BENCH_TARGETS)
BENCH_UNKNOWN = $(filter-out $(BENCH_TARGETS),$(BENCH_PARTS))
bench:
	$(if $(BENCH_UNKNOWN),$(error BENCH_PARTS: $(BENCH_UNKNOWN) is not one of $(BENCH_TARGETS)))
	@MAKE='$(MAKE)' scripts/bench.sh $(BENCH_PARTS)

# make deps [GROUPS="build firmware ..."]: install the packages (as root).
GROUPS ?=
deps:
	@scripts/deps.sh $(GROUPS)

deps-check-%:
	@$(if $(DUCORIG_NO_DEPS),:,scripts/deps.sh --check $*)

clean:
	rm -rf $(BUILD) $(CLEAN_EXTRA)

help:
	@echo 'ducorig: make [goal] [BOARD=<board>] [VARIABLE=value ...]'
	@echo
	@echo 'Goals:'
	@echo '  all (default)  master + sim + firmware'
	@echo '  master         what a Raspberry Pi needs: $(notdir $(INSTALL_PROGS))'
	@echo '                 HTTP=auto|yes|no: ducomaster'"'"'s dashboard and /metrics'
	@echo '                 (libmicrohttpd; now $(if $(HTTP_ON),on,off))'
	@echo '  install        install those, their man pages, the systemd unit, the'
	@echo '                 sysusers and tmpfiles entries and the sample config'
	@echo '                 (PREFIX=$(PREFIX), DESTDIR honoured)'
	@echo '  sim            development servers: $(notdir $(DEV_PROGS))'
	@echo '  install-dev    install those'
	@echo '  firmware       the firmware of BOARD (now $(BOARD)) in $(BUILD)/avr-$(BOARD)/'
	@echo '  boards         the firmware of every board'
	@echo '  firmware-dist  every board'"'"'s image and the board table in $(BUILD)/firmware/'
	@echo '  install-firmware  those and ducorig-flash (the ducorig-firmware package)'
	@echo '  flash          program BOARD: make flash BOARD=nano PORT=/dev/ttyUSB0 ADDR=0x09'
	@echo '  fuses          set BOARD'"'"'s fuses over ISP: make fuses BOARD=uno ISP=usbasp'
	@echo '  run            mine: a simulated rig against a local pool, or CONFIG=<file>'
	@echo '  test           build everything and run every test'
	@echo '  test-unit      the unit tests that need no simulator (TEST_WRAPPER=...)'
	@echo '  bench          benchmarks (cycles per nonce, master under load, logging cost, bus costs),'
	@echo '                 one after the other, then one JSON line of them all on stdout;'
	@echo '                 BENCH_PARTS="<part> ..." runs some, make <part> one alone:'
	@echo '$(BENCH_TARGETS)' | fold -s -w 60 | sed 's/ *$$//; s/^/                 /'
	@echo '  profile        the master under perf on the simulated rig ($(BUILD)/profile/)'
	@echo '  fuzz           the parsers under libFuzzer (clang): FUZZ_SECONDS, FUZZ_RUNS each,'
	@echo '                 FUZZ_JOBS at once (default: the cores);'
	@echo '                 fuzz-merge folds the finds into test/fuzz/corpus/'
	@echo '  soak           long runs: the foreign-firmware rig (SOAK_SECONDS), the fault suite'"'"'s long version'
	@echo '  deb            Debian packages ducorig and ducorig-firmware in $(BUILD)/deb/;'
	@echo '                 ARCH=arm64 or ARCH=armhf cross-builds ducorig for a Pi'
	@echo '  deps           install the Debian packages (GROUPS="build firmware flash sim'
	@echo '                 test deb profile cross-arm64 cross-armhf", default the first five)'
	@echo '  clean          remove $(BUILD)/'
	@echo
	@echo 'Boards (BOARD=):'
	@$(foreach b,$(BOARDS),printf '  %-20s %s %s MHz, %s at %s baud\n' $(b) $($(b).MCU) $$(( $($(b).F_CPU) / 1000000 )) $($(b).PROG) $($(b).BAUD);)

# --- generic host rules -------------------------------------------------------
# Objects mirror the source tree under build/host/obj/. A module adds flags for
# its own objects with target-specific variables, e.g.
#   $(HOSTDIR)/obj/sim/ducosim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS)
# Generated headers are order-only: the first build needs them before any
# -MMD output exists; after that the .d files name the ones each object uses.
# Every host object needs the "build" group; a module whose objects need
# more adds its own order-only deps-check-<group>.
$(HOSTDIR)/obj/%.o: %.c $(MAKEFILE_DEPS) | $(GEN_HEADERS) deps-check-build
	@mkdir -p $(@D)
	$(CC) $(EXTRA_CFLAGS) $(HOST_CPPFLAGS) $(HOST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The objects of shared objects loaded into other programs under SANITIZE:
# the same sources in $(HOSTDIR)/so-obj/, compiled with SO_CFLAGS.
$(HOSTDIR)/so-obj/%.o: %.c $(MAKEFILE_DEPS) | $(GEN_HEADERS) deps-check-build
	@mkdir -p $(@D)
	$(CC) $(EXTRA_CFLAGS) $(HOST_CPPFLAGS) $(SO_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Only where the rules put objects: build/ may hold other trees with files
# named *.d (make deb's copy of the tree, a test chroot's /etc/*.d).
-include $(shell find $(HOSTDIR)/obj $(HOSTDIR)/so-obj $(wildcard $(BUILD)/avr-*/obj) -name '*.d' -type f 2>/dev/null)
