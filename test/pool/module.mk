# test/pool/: ducopool conformance tests, python3 clients on loopback that
# start their own pool on port 0 and stop it by pid; faults.py: the pool
# under resource faults (out of fds).
TEST_SCRIPTS += test/pool/conformance.py test/pool/http_stats.py test/pool/faults.py
TEST_DEPS    += $(HOSTDIR)/ducopool

# make bench: the reward divisor's calibration point (343 H/s under the seed
# waits earns about 12 DUCO/day), measured over REST; one JSON line.
.PHONY: bench-earn
bench-earn: $(HOSTDIR)/ducopool
	@test/pool/bench_earn.py
BENCH_TARGETS += bench-earn
