# test/report/: ducoreport on a hand-computed job log.
TEST_SCRIPTS += test/report/test_report.sh
TEST_DEPS += $(HOSTDIR)/ducoreport
