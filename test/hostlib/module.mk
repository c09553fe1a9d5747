# test/hostlib/: unit tests of lib/ (libducohost) that need no bus, pool or
# simulator: the option table and JSON config loader, the job-log writer and
# reader, the report.
HOSTLIB_TESTS := $(HOSTDIR)/test/test_options $(HOSTDIR)/test/test_joblog

$(HOSTDIR)/obj/test/hostlib/%.o: EXTRA_CFLAGS += -Itest $(HOST_LIB_CFLAGS)

$(HOSTDIR)/test/test_%: $(HOSTDIR)/obj/test/hostlib/test_%.o $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(HOST_LIB_LIBS)

TEST_PROGS += $(HOSTLIB_TESTS)
