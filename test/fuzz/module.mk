# test/fuzz/: fuzz harnesses for the parsers in common/.
# `make test` runs them under a deterministic driver; `make fuzz` runs them
# under libFuzzer with ASan for FUZZ_SECONDS each (needs clang).
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := test/fuzz/fuzz_frames.c

$(HOSTDIR)/test/fuzz_frames: $(HOSTDIR)/obj/test/fuzz/fuzz_frames.o \
		$(HOSTDIR)/obj/test/fuzz/fuzz_driver.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_PROGS += $(HOSTDIR)/test/fuzz_frames
UNIT_TESTS += $(HOSTDIR)/test/fuzz_frames

.PHONY: fuzz
fuzz: $(MAKEFILE_DEPS) $(GEN_HEADERS)
	@mkdir -p $(HOSTDIR)/fuzz
	@for h in $(FUZZ_HARNESSES); do \
		b=$(HOSTDIR)/fuzz/$$(basename $$h .c); \
		clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -I$(GENDIR) -o $$b $$h $(COMMON_SRCS) || exit 1; \
		mkdir -p $$b.corpus; \
		$$b -max_total_time=$(FUZZ_SECONDS) $$b.corpus || exit 1; \
	done
