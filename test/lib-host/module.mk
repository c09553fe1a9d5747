# test/lib-host/: tests of the host library (lib/) that need no simulator:
#  - test_evloop: timers, file events, hang-up reports, table growth and the
#    guard against delivering a closed fd's event to the new owner of its number.
#  - test_resolve: name resolution on the loop (numeric, localhost, a name that
#    fails against a refusing loopback name server, cancellation).
#  - test_slave_io_steps: slave_io hands its waits back (-EAGAIN and a time)
#    instead of spinning, on the firmware's slave state machine and a fake clock.
#  - test_slave_io_queue: slave_io's job-queue calls (protocol version 2) and
#    their version-1 fallback, against ducosim's model slaves in-process
#    (test/lib/bus_rig) on a fake clock.
#  - test_options: the option table and JSON config loader (every row type,
#    bounds, nan/inf, strict files, the command line, --help).
#  - test_joblog: the job-log writer and reader round trip (escaping, null for
#    non-finite numbers) and the report's sums, means, JSON and table.
#  - test_poolwire: the pool's job line and the DUCOID text.
#  - test_earn: DUCO/day windows against hand-computed figures, every bad
#    REST answer, the Kolka estimate and its calibration, the wallet's rules.
LIBHOST_TESTS := $(HOSTDIR)/test/test_evloop $(HOSTDIR)/test/test_resolve \
                 $(HOSTDIR)/test/test_slave_io_steps \
                 $(HOSTDIR)/test/test_options $(HOSTDIR)/test/test_joblog \
                 $(HOSTDIR)/test/test_poolwire $(HOSTDIR)/test/test_earn

$(HOSTDIR)/obj/test/lib-host/%.o: EXTRA_CFLAGS += -Itest $(HOST_LIB_CFLAGS)

$(HOSTDIR)/test/test_evloop: $(HOSTDIR)/obj/test/lib-host/test_evloop.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

$(HOSTDIR)/test/test_resolve: $(HOSTDIR)/obj/test/lib-host/test_resolve.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

# test_slave_io_steps, test_options, test_joblog, test_poolwire, test_earn: one
# object each, the library and common/.
$(HOSTDIR)/test/test_slave_io_steps $(HOSTDIR)/test/test_options \
$(HOSTDIR)/test/test_joblog $(HOSTDIR)/test/test_poolwire $(HOSTDIR)/test/test_earn: \
		$(HOSTDIR)/test/test_%: \
		$(HOSTDIR)/obj/test/lib-host/test_%.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(HOST_LIB_LIBS)

# test_slave_io_queue: the model slaves of the simulator's library (so not
# a test-unit test; paths spelled out: test/lib and sim/ are read later).
$(HOSTDIR)/obj/test/lib-host/test_slave_io_queue.o: EXTRA_CFLAGS += -Itest/lib -Isim/ducosim
$(HOSTDIR)/test/test_slave_io_queue: $(HOSTDIR)/obj/test/lib-host/test_slave_io_queue.o \
		$(HOSTDIR)/obj/test/lib/bus_rig.o $(HOSTDIR)/libducosim.a $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIB_LIBS)

TEST_PROGS += $(LIBHOST_TESTS) $(HOSTDIR)/test/test_slave_io_queue
UNIT_TESTS += $(LIBHOST_TESTS)
