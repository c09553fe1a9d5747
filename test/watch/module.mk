# test/watch/: ducowatch end to end against ducopool's REST side (mining
# clients make the balances and miner lists) and a scripted REST server in
# the test (known balance sequences, every bad answer, 429s, the request
# rate over a long run of fast ticks), and the single keys under a
# pseudo-terminal.
TEST_SCRIPTS += test/watch/test_ducowatch.py
TEST_DEPS    += $(HOSTDIR)/ducowatch $(HOSTDIR)/ducopool
