# test/watch/: ducowatch end to end against ducopool's REST side (mining
# clients make the balances and miner lists) and a scripted REST server in
# the test (known balance sequences, every bad answer, 429s, the request
# rate over a long run of fast ticks), and the single keys under a
# pseudo-terminal; and miners' Board column against a running ducomaster
# on the simulated rig (test_ducowatch_rig.py: matched by grouping id, by
# the rig's one board, by DUCOID; ambiguous, unmatched, no status).
TEST_SCRIPTS += test/watch/test_ducowatch.py test/watch/test_ducowatch_rig.py
TEST_DEPS    += $(HOSTDIR)/ducowatch $(HOSTDIR)/ducopool $(HOSTDIR)/ducomaster \
		$(HOSTDIR)/ducosim $(BUILD)/avr-nano/firmware.elf
