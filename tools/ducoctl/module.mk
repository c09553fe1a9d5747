# tools/ducoctl: the rig tool (scan, identify, set-addr, reset, job, monitor),
# built on the host library's bus layer, so it behaves exactly like the daemon.
DUCOCTL      := $(HOSTDIR)/ducoctl
DUCOCTL_OBJS := $(HOSTDIR)/obj/tools/ducoctl/ducoctl.o

INSTALL_PROGS += $(DUCOCTL)
MAN_PAGES     += tools/ducoctl/ducoctl.1

$(DUCOCTL_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(DUCOCTL): $(DUCOCTL_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(DUCOCTL_OBJS) $(HOST_LIB_LIBS)
