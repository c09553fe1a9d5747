# test/lib-host/: tests of the host library (lib/) that need no simulator:
#  - test_evloop: timers, file events, hang-up reports, table growth and the
#    guard against delivering a closed fd's event to the new owner of its number.
#  - test_resolve: name resolution on the loop (numeric, localhost, a name that
#    fails against a refusing loopback name server, cancellation).
LIBHOST_TESTS := $(HOSTDIR)/test/test_evloop $(HOSTDIR)/test/test_resolve

$(HOSTDIR)/obj/test/lib-host/%.o: EXTRA_CFLAGS += -Itest $(HOST_LIB_CFLAGS)

$(HOSTDIR)/test/test_evloop: $(HOSTDIR)/obj/test/lib-host/test_evloop.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

$(HOSTDIR)/test/test_resolve: $(HOSTDIR)/obj/test/lib-host/test_resolve.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

TEST_PROGS += $(LIBHOST_TESTS)
