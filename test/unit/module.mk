# test/unit/: host unit tests of common/ (known answers, codecs, properties).
COMMON_TESTS := $(HOSTDIR)/test/test_common

$(HOSTDIR)/test/test_common: $(HOSTDIR)/obj/test/unit/test_common.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_PROGS += $(COMMON_TESTS)
UNIT_TESTS += $(COMMON_TESTS)
