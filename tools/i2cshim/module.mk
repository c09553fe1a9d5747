# tools/i2cshim: LD_PRELOAD stand-in for /dev/i2c-N backed by ducosim's socket.
# A shared object needs position-independent code throughout, so it is built
# in one compile-and-link step from its sources (with its own copy of the
# master's sim backend and the common codecs it needs), not from the generic
# non-PIC objects. Only the hooked libc entry points are exported.
I2CSHIM_SO   := $(HOSTDIR)/libducoi2cshim.so
I2CSHIM_SRCS := tools/i2cshim/i2cshim.c master/bus_sim.c common/simbus_proto.c \
                common/duco_proto.c common/duco_crc8.c

HOST_PROGS += $(I2CSHIM_SO)

$(I2CSHIM_SO): $(I2CSHIM_SRCS) master/bus.h common/simbus_proto.h common/duco_proto.h $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Imaster -fPIC -shared -fvisibility=hidden \
		-o $@ $(I2CSHIM_SRCS) -ldl
