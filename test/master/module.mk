# test/master/: ducomaster's tests.
#  - test_master_sm: the miner state machine under a fake clock (ducosim's
#    model slave on an in-process rig, test/lib/bus_rig.c; pool on a
#    socketpair).
#  - test_master_threads: several pool workers per board: the scheduler with
#    1..8 threads on one and several boards, DUCOID and grouping id, a board
#    fault under threads, threads_per_board / max_workers limits.
#  - test_master_units: config table, pool protocol parsers, rate limit
#    arithmetic, job log format, getPool parsing.
#  - test_master_observe: the live table's width, the boards' marks,
#    /metrics escaping, the job-phase histogram and the history ring.
#  - test_master_fuzz: seeded mutations of pool lines and getPool answers
#    against the parsers' invariants.
#  - e2e.sh: ducopool + ducosim + ducomaster on loopback (shares, rate-limit
#    hold, i2cdev path through the LD_PRELOAD shim, discovery over HTTP,
#    signals and exit codes).
#  - check.sh: what the README's Pi steps ask before the service runs
#    (placeholder user, permission warning, --check, a missing job log folder).
#  - run.sh: the main job (scripts/ducorig-run) with no Python on the PATH.
#  - unit.sh: the systemd unit's hardening (systemd-analyze security
#    --offline, exposure <= 2.0) and its system call filter against the
#    calls of a real run under strace.
#  - fault_suite.py: bus faults (1e-3 bit flips per byte, a NACK burst, reset,
#    hang and removal mid-job), pool faults (drops, garbage lines, refusals),
#    getPool down or garbage and a pool name that does not resolve: no crash,
#    no wrong nonce sent, every verdict recorded, recovery within the bounds
#    of docs/ducomaster.md. `make soak` runs its --long version too.
#  - pi_stretch.py: ducosim's model of the Raspberry Pi's I2C controller
#    (--pi-i2c): short clocks per stretch and failed transfers at 100 and
#    400 kHz, and rigs that still send no wrong nonce.
#  - http_side.py: the HTTP side on a simulated rig (rigkit.py): methods,
#    paths, oversized requests, the bearer token, the key in no answer.
#  - observe.py: /metrics through promtool, a real Prometheus scraping the
#    rig and its count of accepted shares against the job log.
#  - health.py: the boards' health (calibrated Vcc and temperature, uptime,
#    n/a boards) in /api/status, /metrics, the live table and the dashboard.
#  - faults.sh: bad configurations refused (non-finite numbers, control
#    characters and commas in fields sent to the pool, trailing text, NUL,
#    over-long values), a failed SIGHUP reopen keeping the old files.
#  - run_earn.sh: `make run`'s earnings line from the pool's REST side.
#  - earn.sh: the mining key check and the balance watch against ducopool's
#    REST side (exit 2 on a wrong key, key_check=warn, records, metrics,
#    summary), the local estimate against what the pool paid.
MASTER_TESTS := $(HOSTDIR)/test/test_master_sm $(HOSTDIR)/test/test_master_units \
                $(HOSTDIR)/test/test_master_fuzz $(HOSTDIR)/test/test_master_threads \
                $(HOSTDIR)/test/test_master_observe

$(HOSTDIR)/obj/test/master/%.o: EXTRA_CFLAGS += -Imaster -Itest $(HOST_LIB_CFLAGS) $(BUS_RIG_CFLAGS)

$(HOSTDIR)/test/test_master_%: $(HOSTDIR)/obj/test/master/test_master_%.o $(MASTER_LIB) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(MASTER_LIBS)

# The state-machine and threads tests run against the simulator's model slave.
$(HOSTDIR)/test/test_master_sm $(HOSTDIR)/test/test_master_threads: $(BUS_RIG_OBJ) $(DUCOSIM_LIB)
$(HOSTDIR)/test/test_master_sm $(HOSTDIR)/test/test_master_threads: MASTER_LIBS := $(BUS_RIG_OBJ) $(DUCOSIM_LIB) $(MASTER_LIBS)

TEST_PROGS += $(MASTER_TESTS)
# test_master_sm needs the simulator's library; the others only the master's.
UNIT_TESTS += $(HOSTDIR)/test/test_master_units $(HOSTDIR)/test/test_master_fuzz \
              $(HOSTDIR)/test/test_master_observe

TEST_SCRIPTS += test/master/e2e.sh test/master/check.sh test/master/faults.sh test/master/run.sh \
                test/master/unit.sh test/master/fault_suite.py test/master/pi_stretch.py \
                test/master/run_earn.sh \
                test/master/earn.sh \
                test/master/http_side.py \
                test/master/observe.py test/master/health.py
TEST_DEPS    += $(MASTER_TESTS) $(HOSTDIR)/ducomaster $(HOSTDIR)/ducopool $(HOSTDIR)/ducosim \
                $(HOSTDIR)/ducowatch \
                $(HOSTDIR)/libducoi2cshim.so $(BUILD)/avr-nano/firmware.elf \
                $(BUILD)/avr-nano-v1/firmware.elf

# make bench: 8 firmware slaves under the seed latency profile, 50 model slaves.
.PHONY: bench-master
bench-master: $(HOSTDIR)/ducomaster $(HOSTDIR)/ducopool $(HOSTDIR)/ducosim $(BUILD)/avr-nano/firmware.elf
	@test/master/bench.sh
BENCH_TARGETS += bench-master

# make soak (with test/foreign's soak): the fault suite's long version.
.PHONY: soak-faults
soak: soak-faults
soak-faults: $(HOSTDIR)/ducomaster $(HOSTDIR)/ducopool $(HOSTDIR)/ducosim $(COMMON_SO) \
             $(BUILD)/avr-nano/firmware.elf
	@BUILD=$(BUILD) test/master/fault_suite.py --long

# make bench: what threads per board earn (4 nano boards, seed latencies,
# 1 thread vs threads_per_board=auto, DUCO from the pool's accounting).
.PHONY: bench-threads
bench-threads: $(HOSTDIR)/ducomaster $(HOSTDIR)/ducopool $(HOSTDIR)/ducosim $(BUILD)/avr-nano/firmware.elf
	@test/master/bench_threads.sh
BENCH_TARGETS += bench-threads

# make profile: the master under perf on the simulated rig (test/master/profile.sh).
.PHONY: profile
profile: $(HOSTDIR)/ducomaster $(HOSTDIR)/ducopool $(HOSTDIR)/ducosim $(BUILD)/avr-nano/firmware.elf | deps-check-profile
	@BUILD=$(BUILD) test/master/profile.sh
