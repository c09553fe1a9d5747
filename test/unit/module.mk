# test/unit/: host unit tests of common/ (known answers, codecs, properties).
UNIT_TESTS := $(HOSTDIR)/test/test_common

$(HOSTDIR)/test/test_common: $(HOSTDIR)/obj/test/unit/test_common.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_PROGS += $(UNIT_TESTS)
