# test/sim/: the real firmware in ducosim's bus model, and ducosim itself.
#  - test_sim_fw: protocol-level tests of build/avr-nano/firmware.elf in
#    simavr (random jobs, long nonces, bad frames, replace/abort, polls,
#    address change across resets), linked against libducosim.a.
#  - test_sim_bus: the bus model itself against a tiny TWI probe slave
#    (status sequences, NACK paths, byte timing, stretch, routing).
#  - test_ducosim.py: ducosim's command line: one-shot --json, rig mode on a
#    socket with firmware and model slaves, FAULT requests, clean SIGTERM,
#    --socket refusing files and live sockets, a client that never reads.
#  - test_ducosim_leaks.sh: ducosim under valgrind frees everything at exit.
#  - test_health.sh: the HEALTH answer of the firmware images (ADC counts of
#    known analog inputs, boards without readings, version 1) via ducoctl.
# The benchmark (make bench) is test/sim/bench_fw.py.

SIM_TEST_ELF := $(BUILD)/avr-nano/firmware.elf

$(HOSTDIR)/obj/test/sim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS) $(HOST_LIB_CFLAGS) -Isim/ducosim
$(HOSTDIR)/obj/test/sim/test_sim_fw.o $(HOSTDIR)/obj/test/sim/test_sim_bus.o: | deps-check-sim

$(HOSTDIR)/test/test_sim_fw: $(HOSTDIR)/obj/test/sim/test_sim_fw.o $(HOSTDIR)/libducosim.a $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS)

TEST_PROGS   += $(HOSTDIR)/test/test_sim_fw
TEST_SCRIPTS += test/sim/test_ducosim.py test/sim/test_ducoid.sh test/sim/test_sim_fw_c.sh \
                test/sim/test_ducosim_leaks.sh test/sim/test_health.sh
TEST_DEPS    += $(SIM_TEST_ELF) $(HOSTDIR)/ducosim $(HOSTDIR)/ducoctl \
                $(BUILD)/avr-nano-v1/firmware.elf $(BUILD)/avr-lgt8f328p/firmware.elf \
                $(BUILD)/avr-mega2560/firmware.elf \
                $(BUILD)/avr-nano-c/firmware.elf

# make bench: cycles per nonce at 3/5/7 digits, H/s at 16 MHz, poll cost.
# BENCH_FW_ARGS passes e.g. --firmware/--board/--mcu/--freq to the script.
BENCH_FW_ARGS ?=
.PHONY: bench-fw
bench-fw: $(HOSTDIR)/ducosim $(SIM_TEST_ELF)
	@test/sim/bench_fw.py --ducosim $(HOSTDIR)/ducosim --firmware $(SIM_TEST_ELF) $(BENCH_FW_ARGS)

BENCH_TARGETS += bench-fw

# make bench: simulated MHz per host core for hashing, idle and busy-loop
# boards (test/sim/bench_speed.py; the Wire sketch from test/foreign).
.PHONY: bench-speed
bench-speed: $(HOSTDIR)/ducosim $(SIM_TEST_ELF) $(BUILD)/foreign/wire_slave_10.elf
	@BUILD=$(BUILD) test/sim/bench_speed.py

BENCH_TARGETS += bench-speed

# The bus model's own test: a tiny TWI probe slave (not ducorig firmware),
# built for the ATmega328P at two addresses, driven by test_sim_bus.
SIM_PROBE_DIR  := $(BUILD)/sim-test
# twi_probe_late_33 enables TWEN before TWAR, in the Arduino Wire library's order.
SIM_PROBE_ELFS := $(SIM_PROBE_DIR)/twi_probe_30.elf $(SIM_PROBE_DIR)/twi_probe_31.elf \
                  $(SIM_PROBE_DIR)/twi_probe_late_33.elf

$(SIM_PROBE_DIR)/twi_probe_late_%.elf: test/sim/twi_probe.c $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL -DPROBE_ADDR=0x$* -DPROBE_TWEN_FIRST -Os \
		-std=gnu99 -Wall -Wextra -o $@ $<

$(SIM_PROBE_DIR)/twi_probe_%.elf: test/sim/twi_probe.c $(MAKEFILE_DEPS) | deps-check-firmware
	@mkdir -p $(@D)
	$(AVR_CC) -mmcu=atmega328p -DF_CPU=16000000UL -DPROBE_ADDR=0x$* -Os -std=gnu99 \
		-Wall -Wextra -o $@ $<

$(HOSTDIR)/test/test_sim_bus: $(HOSTDIR)/obj/test/sim/test_sim_bus.o $(HOSTDIR)/libducosim.a $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS)

TEST_PROGS += $(HOSTDIR)/test/test_sim_bus
TEST_DEPS  += $(SIM_PROBE_ELFS)
