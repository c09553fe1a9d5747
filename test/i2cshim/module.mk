# test/i2cshim: the LD_PRELOAD stand-in for /dev/i2c-N, backed by ducosim's
# socket through the host library's sim backend (lib/bus_sim.c). Host objects
# are position-independent, so the shim links the same library objects as
# every program; --exclude-libs keeps those symbols out of the shim's dynamic
# table, so only the hooked libc entry points are exported and nothing
# interposes on a preloaded program's own copy of the library.
I2CSHIM_SO   := $(HOSTDIR)/libducoi2cshim.so
I2CSHIM_OBJS := $(HOSTDIR)/obj/test/i2cshim/i2cshim.o

HOST_PROGS += $(I2CSHIM_SO)

$(I2CSHIM_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS) -fvisibility=hidden

$(I2CSHIM_SO): $(I2CSHIM_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -shared -Wl,--exclude-libs,ALL -o $@ $(I2CSHIM_OBJS) \
		$(HOST_LIB) $(COMMON_LIB) -ldl
