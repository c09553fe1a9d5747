# tools/ducoctl: the rig tool (scan, identify, set-addr, reset, job), linked
# against the master's bus layer objects so it behaves exactly like the daemon.
DUCOCTL          := $(HOSTDIR)/ducoctl
DUCOCTL_BUS_OBJS := $(addprefix $(HOSTDIR)/obj/master/,bus.o bus_sim.o bus_i2cdev.o slave_io.o)
DUCOCTL_OBJS     := $(HOSTDIR)/obj/tools/ducoctl/ducoctl.o

HOST_PROGS += $(DUCOCTL)

$(DUCOCTL_OBJS): EXTRA_CFLAGS += -Imaster

$(DUCOCTL): $(DUCOCTL_OBJS) $(DUCOCTL_BUS_OBJS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ -li2c
