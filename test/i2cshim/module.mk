# test/i2cshim: the LD_PRELOAD stand-in for /dev/i2c-N, backed by ducosim's
# socket through the host library's sim backend (lib/bus_sim.c). Host objects
# are position-independent, so the shim links the same library objects as
# every program; --exclude-libs keeps those symbols out of the shim's dynamic
# table, so only the hooked libc entry points are exported and nothing
# interposes on a preloaded program's own copy of the library.
# The request matrix (matrix.py) runs test_i2cshim (libi2c, raw ioctls) and
# its own Python half (Debian's python3-smbus and smbus2) through the stand-in
# against ducosim running smbus_dev, a small SMBus register device for the
# ATmega328P.
I2CSHIM_SO   := $(HOSTDIR)/libducoi2cshim.so
# Preloaded into other programs: objects of its own (Makefile, SANITIZE).
I2CSHIM_OBJS := $(SO_OBJ)/test/i2cshim/i2cshim.o

HOST_PROGS += $(I2CSHIM_SO)

$(I2CSHIM_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS) -fvisibility=hidden

$(I2CSHIM_SO): $(I2CSHIM_OBJS) $(SO_HOST_LIB) $(SO_COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(SO_LDFLAGS) -shared -Wl,--exclude-libs,ALL -o $@ $(I2CSHIM_OBJS) \
		$(SO_HOST_LIB) $(SO_COMMON_LIB) -ldl

SMBUS_DEV_ELF := $(BUILD)/sim-test/smbus_dev.elf

$(SMBUS_DEV_ELF): test/i2cshim/smbus_dev.c $(MAKEFILE_DEPS) | deps-check-firmware
	@mkdir -p $(@D)
	$(AVR_CC) -mmcu=atmega328p -DF_CPU=16000000UL -Os -std=gnu99 -Wall -Wextra -o $@ $<

$(HOSTDIR)/test/test_i2cshim: $(HOSTDIR)/obj/test/i2cshim/test_i2cshim.o
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ -li2c

TEST_SCRIPTS += test/i2cshim/matrix.py
TEST_DEPS    += $(HOSTDIR)/test/test_i2cshim $(SMBUS_DEV_ELF) $(I2CSHIM_SO) $(HOSTDIR)/ducosim
