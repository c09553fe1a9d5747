# test/fuzz/: libFuzzer harnesses, one per parser of untrusted input:
#   frames      common/'s I2C frames and simbus headers (fuzz_frames.c)
#   config      ducomaster's JSON config through lib/options
#   getpool     the getPool answer (master/discover.c)
#   pool_lines  the master's pool line reader, job and verdict parsers
#   slave_io    the master's decoding of what boards send (lib/slave_io.c)
#   joblog      the job-log reader (lib/joblog.c)
#   simbus      ducosim's socket protocol (sim/ducosim/sim_server.c)
#   pool_proto  ducopool's side of the mining protocol (sim/ducopool/pool_tcp.c)
#   pool_http   ducopool's REST handlers (sim/ducopool/pool_http.c)
# Corpora, minimized, in test/fuzz/corpus/<harness>/ (crashes found are
# kept there too). `make test` replays each corpus plus seeded mutations of
# it through fuzz_replay.c, built with the normal compiler (and under ASan
# in CI's asan stage); fuzz_frames also keeps its own seeded driver.
# `make fuzz` builds every harness with clang -fsanitize=fuzzer,address,
# undefined in $(BUILD)/fuzz/ and runs each for FUZZ_SECONDS or FUZZ_RUNS
# executions, whichever ends first, FUZZ_JOBS of them at a time
# (scripts/fuzz.sh; a summary of executions and coverage per harness in
# $(BUILD)/fuzz/summary.txt);
# `make fuzz-merge` folds what the runs found into the committed corpora,
# minimized (-merge=1). Needs the "fuzz" group of scripts/deps.sh.
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 10000000
# one harness per core (fuzz.sh runs no more at once than there are harnesses)
FUZZ_JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_HARNESSES := frames config getpool pool_lines slave_io joblog simbus pool_proto pool_http

$(HOSTDIR)/test/fuzz_frames: $(HOSTDIR)/obj/test/fuzz/fuzz_frames.o \
		$(HOSTDIR)/obj/test/fuzz/fuzz_driver.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_PROGS += $(HOSTDIR)/test/fuzz_frames
UNIT_TESTS += $(HOSTDIR)/test/fuzz_frames

# --- corpus replay in make test ------------------------------------------------
FUZZ_INCLUDES := -Imaster -Isim/ducosim -Isim/ducopool $(HOST_LIB_CFLAGS) $(POOL_PC_CFLAGS)
$(HOSTDIR)/obj/test/fuzz/%.o: EXTRA_CFLAGS += $(FUZZ_INCLUDES)

FUZZ_REPLAY := $(FUZZ_HARNESSES:%=$(HOSTDIR)/test/fuzz-replay/%)
# Every harness links the master's libraries (each link takes only what it
# uses); the simulator's and the pool's harnesses their server's code too
# (ducopool has no library of its own: its objects but main's, in an
# archive here), so the others build where only a Pi's packages are.
FUZZ_REPLAY_LIBS := $(MASTER_LIB) $(HOST_LIB_LIBS) $(MASTER_CURL_LIBS) $(HTTP_LIBS)
FUZZ_POOL_LIB := $(HOSTDIR)/test/fuzz-replay/libpool.a

$(FUZZ_POOL_LIB): $(filter-out %/ducopool.o,$(POOL_OBJS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(HOSTDIR)/test/fuzz-replay/%: $(HOSTDIR)/obj/test/fuzz/fuzz_%.o \
		$(HOSTDIR)/obj/test/fuzz/fuzz_replay.o $(MASTER_LIB) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(filter %.o,$^) $(FUZZ_SERVER_LIBS) $(FUZZ_REPLAY_LIBS)

FUZZ_SIM_HARNESSES := $(HOSTDIR)/test/fuzz-replay/simbus
FUZZ_POOL_HARNESSES := $(HOSTDIR)/test/fuzz-replay/pool_proto $(HOSTDIR)/test/fuzz-replay/pool_http
$(FUZZ_SIM_HARNESSES): $(DUCOSIM_LIB)
$(FUZZ_SIM_HARNESSES): FUZZ_SERVER_LIBS := $(DUCOSIM_LIB)
$(FUZZ_POOL_HARNESSES): $(FUZZ_POOL_LIB)
$(FUZZ_POOL_HARNESSES): FUZZ_SERVER_LIBS := $(FUZZ_POOL_LIB) $(POOL_PC_LIBS)
$(HOSTDIR)/obj/test/fuzz/fuzz_simbus.o $(HOSTDIR)/obj/test/fuzz/fuzz_pool_proto.o \
	$(HOSTDIR)/obj/test/fuzz/fuzz_pool_http.o: | deps-check-sim

TEST_PROGS += $(FUZZ_REPLAY)
# the harnesses that need nothing but the master's libraries
UNIT_TESTS += $(filter-out $(FUZZ_SIM_HARNESSES) $(FUZZ_POOL_HARNESSES),$(FUZZ_REPLAY))

# --- make fuzz: libFuzzer ------------------------------------------------------
FUZZDIR  := $(BUILD)/fuzz
FUZZ_CC  ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_IGNORE := test/fuzz/coverage-ignore.txt
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
               -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE) \
               -Icommon -I$(GENDIR) -Ilib $(FUZZ_INCLUDES)
# The libraries a harness links, compiled by clang with coverage.
FUZZ_LIB_SRCS := $(COMMON_HOST_SRCS) $(HOST_LIB_SRCS) $(MASTER_SRCS) \
                 sim/ducosim/sim_rig.c sim/ducosim/sim_model.c sim/ducosim/sim_server.c \
                 $(filter-out sim/ducopool/ducopool.c,$(POOL_SRCS))
FUZZ_LIB := $(FUZZDIR)/libfuzzed.a
FUZZ_LIBS := $(HOST_LIB_PC_LIBS) $(MASTER_CURL_LIBS) $(HTTP_LIBS) $(POOL_PC_LIBS) -li2c -lm

$(FUZZDIR)/obj/%.o: %.c $(MAKEFILE_DEPS) $(FUZZ_IGNORE) | $(GEN_HEADERS) deps-check-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c -o $@ $<
# the one generated header that is not in GEN_HEADERS (master/module.mk)
$(FUZZDIR)/obj/master/web.o: $(GENDIR)/dashboard_html.h
-include $(shell find $(FUZZDIR)/obj -name '*.d' -type f 2>/dev/null)

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.c=$(FUZZDIR)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZDIR)/bin/%: $(FUZZDIR)/obj/test/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

.PHONY: fuzz fuzz-build fuzz-merge
fuzz-build: $(FUZZ_HARNESSES:%=$(FUZZDIR)/bin/%)
fuzz: fuzz-build
	@scripts/fuzz.sh run "$(FUZZDIR)" "$(FUZZ_SECONDS)" "$(FUZZ_RUNS)" "$(FUZZ_JOBS)" \
		$(FUZZ_HARNESSES)
fuzz-merge: fuzz-build
	@scripts/fuzz.sh merge "$(FUZZDIR)" 0 0 1 $(FUZZ_HARNESSES)
