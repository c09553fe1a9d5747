# test/master-bus: the master's bus layer and slave_io against ducosim running
# the real firmware, over the sim backend and over the i2cdev backend through
# the LD_PRELOAD stand-in; ducoctl end to end; a robustness test of the frame
# decoding on corrupted reads; `make install` into a temporary DESTDIR.
MBUS_TEST      := $(HOSTDIR)/test/test_slave_io
MBUS_FUZZ      := $(HOSTDIR)/test/test_slave_io_fuzz

TEST_PROGS   += $(MBUS_FUZZ)
UNIT_TESTS   += $(MBUS_FUZZ)
TEST_SCRIPTS += test/master-bus/slave-io.sh test/master-bus/install.sh
TEST_DEPS    += $(MBUS_TEST) $(HOSTDIR)/ducoctl $(HOSTDIR)/libducoi2cshim.so \
                $(HOSTDIR)/ducosim $(BUILD)/avr-nano/firmware.elf

$(HOSTDIR)/obj/test/master-bus/%.o: EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(MBUS_TEST): $(HOSTDIR)/obj/test/master-bus/test_slave_io.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

# The fuzz harness drives the firmware's own slave state machine (host build).
$(MBUS_FUZZ): $(HOSTDIR)/obj/test/master-bus/test_slave_io_fuzz.o \
              $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

# make bench: per-call bus cost of each slave_io operation (JSON lines).
MBUS_BENCH := $(HOSTDIR)/test/bench_bus
BENCH_TARGETS += bench-master-bus
.PHONY: bench-master-bus
bench-master-bus: $(MBUS_BENCH) $(HOSTDIR)/ducosim $(HOSTDIR)/libducoi2cshim.so firmware
	@test/master-bus/bench.sh

$(MBUS_BENCH): $(HOSTDIR)/obj/test/master-bus/bench_bus.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)
