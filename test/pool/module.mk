# test/pool/: ducopool conformance tests, python3 clients on loopback that
# start their own pool on port 0 and stop it by pid; faults.py: the pool
# under resource faults (out of fds).
TEST_SCRIPTS += test/pool/conformance.py test/pool/http_stats.py test/pool/faults.py
TEST_DEPS    += $(HOSTDIR)/ducopool
