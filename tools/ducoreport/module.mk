# tools/ducoreport/: ducoreport, the offline job-log report and chart.
$(HOSTDIR)/ducoreport: $(HOSTDIR)/obj/tools/ducoreport/ducoreport.o
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ -lcjson

HOST_PROGS += $(HOSTDIR)/ducoreport
