# test/lib-host/: tests of the host library (lib/) that need no simulator:
#  - test_evloop: timers, file events, hang-up reports, table growth and the
#    guard against delivering a closed fd's event to the new owner of its number.
#  - test_resolve: name resolution on the loop (numeric, localhost, a name that
#    fails against a refusing loopback name server, cancellation).
#  - test_slave_io_steps: slave_io hands its waits back (-EAGAIN and a time)
#    instead of spinning, on the firmware's slave state machine and a fake clock.
#  - test_options: the option table and JSON config loader (every row type,
#    bounds, nan/inf, strict files, the command line, --help).
#  - test_joblog: the job-log writer and reader round trip (escaping, null for
#    non-finite numbers) and the report's sums, means, JSON and table.
#  - test_poolwire: the pool's job line and the DUCOID text.
LIBHOST_TESTS := $(HOSTDIR)/test/test_evloop $(HOSTDIR)/test/test_resolve \
                 $(HOSTDIR)/test/test_slave_io_steps \
                 $(HOSTDIR)/test/test_options $(HOSTDIR)/test/test_joblog \
                 $(HOSTDIR)/test/test_poolwire

$(HOSTDIR)/obj/test/lib-host/%.o: EXTRA_CFLAGS += -Itest $(HOST_LIB_CFLAGS)

$(HOSTDIR)/test/test_evloop: $(HOSTDIR)/obj/test/lib-host/test_evloop.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

$(HOSTDIR)/test/test_resolve: $(HOSTDIR)/obj/test/lib-host/test_resolve.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

# test_slave_io_steps, test_options, test_joblog, test_poolwire: one object
# each, the library and common/.
$(HOSTDIR)/test/test_slave_io_steps $(HOSTDIR)/test/test_options \
$(HOSTDIR)/test/test_joblog $(HOSTDIR)/test/test_poolwire: $(HOSTDIR)/test/test_%: \
		$(HOSTDIR)/obj/test/lib-host/test_%.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(HOST_LIB_LIBS)

TEST_PROGS += $(LIBHOST_TESTS)
UNIT_TESTS += $(LIBHOST_TESTS)
