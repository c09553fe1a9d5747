# test/pool/: ducopool conformance tests, python3 clients on loopback that
# start their own pool on port 0 and stop it by pid.
TEST_SCRIPTS += test/pool/conformance.py test/pool/http_stats.py
TEST_DEPS    += $(HOSTDIR)/ducopool
