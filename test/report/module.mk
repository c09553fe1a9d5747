# test/report/: ducoreport on hand-computed job logs: the timing table and
# chart (test_report.sh); every KPI, window, percentile and regression
# verdict of the performance report, and hostile logs (test_report_kpis.py).
TEST_SCRIPTS += test/report/test_report.sh test/report/test_report_kpis.py
TEST_DEPS += $(HOSTDIR)/ducoreport
