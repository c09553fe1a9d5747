# tools/report/: ducoreport, the offline job-log report and chart.
$(HOSTDIR)/ducoreport: $(HOSTDIR)/obj/tools/report/ducoreport.o
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ -lcjson

HOST_PROGS += $(HOSTDIR)/ducoreport
