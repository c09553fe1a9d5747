# test/fw/: firmware tests that run on the host.
#  - test_slave: unit tests of the slave state machine (common/slave.c,
#    the firmware's protocol, on the host), driven with TWI-style events.
#  - test_fw_stall (stall_sim.c): the nano image in simavr, master driven at
#    the register level: a transaction that goes silent is dropped.
#  - boards.sh: every board's image (make builds them all for it) fits the
#    board's flash and RAM (data + bss + a stack reserve); the make interface
#    (unknown BOARD, flag-change rebuilds, make -n flash, a missing asm core),
#    asked with make -n so the test itself builds nothing.
#  - watchdog.py: test images (FW_TEST_HANG, built here as avr-<board>-hang)
#    in ducosim: watchdog recovery of a hung main loop and the RESET command,
#    hard and soft restart boards.
#  - test_fw_queue (queue_sim.c): the nano image's job queue (protocol
#    version 2) in simavr: queue start latency in cycles (a PC watch on
#    hashcore_check) and no SLEEP while a job waits, results kept in order
#    until DROP, replace/cancel/drop-running, faults mid-queue (corrupt and
#    cut-short QUEUE, slot overflow, ABORT, reset), and the version-1 image
#    (avr-nano-v1, FW_PROTO_V1).
#  - twi_paths.py: the nano image in ducosim: every read length in every
#    view, write+repeated START+read, truncated and overlong frames, byte
#    for byte against the protocol (covers the handler's assembly fast path).


$(HOSTDIR)/test/test_fw_slave: $(HOSTDIR)/obj/test/fw/test_slave.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_PROGS += $(HOSTDIR)/test/test_fw_slave
UNIT_TESTS += $(HOSTDIR)/test/test_fw_slave

# stall_sim: the real nano image in simavr, driven at the TWI register level.
$(HOSTDIR)/obj/test/fw/stall_sim.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS)
$(HOSTDIR)/obj/test/fw/stall_sim.o: | deps-check-sim
$(HOSTDIR)/test/test_fw_stall: $(HOSTDIR)/obj/test/fw/stall_sim.o $(DUCOSIM_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS)

TEST_PROGS += $(HOSTDIR)/test/test_fw_stall

# queue_sim: the nano image (and its version-1 build) on ducosim's bus model.
$(HOSTDIR)/obj/test/fw/queue_sim.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS) $(HOST_LIB_CFLAGS) -Isim/ducosim
$(HOSTDIR)/obj/test/fw/queue_sim.o: | deps-check-sim
$(HOSTDIR)/test/test_fw_queue: $(HOSTDIR)/obj/test/fw/queue_sim.o $(HOSTDIR)/libducosim.a \
		$(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS) $(HOST_LIB_LIBS)

TEST_PROGS += $(HOSTDIR)/test/test_fw_queue

# make bench: cycles from the running job's last nonce to the queued job's
# first, and the longest SCL stretch over combined transactions at 400 kHz
# on the nano and on the 8 MHz promini8, one JSON line.
.PHONY: bench-fw-queue
bench-fw-queue: $(HOSTDIR)/test/test_fw_queue $(BUILD)/avr-nano/firmware.elf \
		$(BUILD)/avr-nano-v1/firmware.elf $(BUILD)/avr-promini8/firmware.elf
	@$(HOSTDIR)/test/test_fw_queue --bench-json $(BUILD)/avr-nano/firmware.elf \
		$(BUILD)/avr-nano-v1/firmware.elf $(BUILD)/avr-promini8/firmware.elf
BENCH_TARGETS += bench-fw-queue
TEST_SCRIPTS += test/fw/boards.sh
TEST_SCRIPTS += test/fw/watchdog.py
TEST_SCRIPTS += test/fw/twi_paths.py
TEST_DEPS += $(BUILD)/avr-nano/firmware.elf $(FW_BOARD_INFO) \
             $(foreach b,$(BOARDS),$(BUILD)/avr-$(b)/firmware.hex)

# Images only the tests run (firmware-avr/module.mk's template): the nano
# speaking protocol version 1 (FW_PROTO_V1, for test_fw_queue and a
# version-2 master on an old board), the nano on
# the C core (test/sim/test_sim_fw_c.sh, make asm-bench-boards), and boards
# whose main loop hangs after CLEAR_ERR (FW_TEST_HANG) for watchdog.py: nano
# restarts by watchdog reset, promini16 by jump.
$(eval $(call fw_image,nano-c,nano,c,))
$(eval $(call fw_image,nano-v1,nano,$(nano.HASH_IMPL),-DFW_PROTO_V1))
$(eval $(call fw_image,nano-hang,nano,$(nano.HASH_IMPL),-DFW_TEST_HANG))
$(eval $(call fw_image,promini16-hang,promini16,$(promini16.HASH_IMPL),-DFW_TEST_HANG))
TEST_DEPS += $(BUILD)/avr-nano-c/firmware.elf $(BUILD)/avr-nano-v1/firmware.elf \
             $(BUILD)/avr-nano-hang/firmware.elf \
             $(BUILD)/avr-promini16-hang/firmware.elf
