# test/sim/: the real firmware in ducosim's bus model, and ducosim itself.
#  - test_sim_fw: protocol-level tests of build/avr-nano/firmware.elf in
#    simavr (random jobs, long nonces, bad frames, replace/abort, polls,
#    address change across resets), linked against libducosim.a.
#  - test_ducosim.py: ducosim's command line: one-shot --json, rig mode on a
#    socket with firmware and model slaves, FAULT requests, clean SIGTERM.
# (tools/sim/module.mk is read after this file: name its outputs literally.)
# The benchmark (make bench) is test/sim/bench_fw.py.

SIM_TEST_ELF := $(BUILD)/avr-nano/firmware.elf

$(HOSTDIR)/obj/test/sim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS) -Itools/sim

$(HOSTDIR)/test/test_sim_fw: $(HOSTDIR)/obj/test/sim/test_sim_fw.o $(HOSTDIR)/libducosim.a $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS)

TEST_PROGS   += $(HOSTDIR)/test/test_sim_fw
TEST_SCRIPTS += test/sim/test_ducosim.py
TEST_DEPS    += $(SIM_TEST_ELF) $(HOSTDIR)/ducosim

# make bench: cycles per nonce at 3/5/7 digits, H/s at 16 MHz, poll cost.
# BENCH_FW_ARGS passes e.g. --firmware/--board/--mcu/--freq to the script.
BENCH_FW_ARGS ?=
.PHONY: bench-fw
bench-fw: $(HOSTDIR)/ducosim $(SIM_TEST_ELF)
	@test/sim/bench_fw.py --ducosim $(HOSTDIR)/ducosim --firmware $(SIM_TEST_ELF) $(BENCH_FW_ARGS)

BENCH_TARGETS += bench-fw
