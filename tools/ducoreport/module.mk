# tools/ducoreport/: ducoreport, the offline job-log report and chart, built
# on the host library's job-log reader and report (lib/joblog, lib/report).
DUCOREPORT_OBJS := $(HOSTDIR)/obj/tools/ducoreport/ducoreport.o

$(DUCOREPORT_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(HOSTDIR)/ducoreport: $(DUCOREPORT_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(DUCOREPORT_OBJS) $(HOST_LIB_LIBS)

INSTALL_PROGS += $(HOSTDIR)/ducoreport
MAN_PAGES     += tools/ducoreport/ducoreport.1
