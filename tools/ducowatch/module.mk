# tools/ducowatch/: ducowatch, earnings over the REST API (perf, miners,
# top-avr), built on the host library's REST client and earnings arithmetic
# (lib/rest, lib/earn) and its event loop.
DUCOWATCH      := $(HOSTDIR)/ducowatch
DUCOWATCH_OBJS := $(HOSTDIR)/obj/tools/ducowatch/ducowatch.o

$(DUCOWATCH_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(DUCOWATCH): $(DUCOWATCH_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(DUCOWATCH_OBJS) $(HOST_LIB_LIBS) $(HOST_LIB_CURL_LIBS)

INSTALL_PROGS += $(DUCOWATCH)
MAN_PAGES     += tools/ducowatch/ducowatch.1
