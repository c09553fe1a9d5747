# master/: ducomaster, the Raspberry Pi daemon.
# Everything except main.c goes into $(MASTER_LIB) so the tests in
# test/master/ link exactly the code the daemon runs.
MASTER_SRCS := $(filter-out master/main.c,$(wildcard master/*.c))
MASTER_OBJS := $(MASTER_SRCS:%.c=$(HOSTDIR)/obj/%.o)
MASTER_LIB  := $(HOSTDIR)/libducomaster.a
MASTER_CURL_LIBS := $(or $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null),-lcurl)
MASTER_LIBS := $(MASTER_LIB) $(HOST_LIB_LIBS) $(MASTER_CURL_LIBS) $(HTTP_LIBS)

$(HOSTDIR)/obj/master/%.o: EXTRA_CFLAGS += -Imaster $(HOST_LIB_CFLAGS)

# The dashboard page, embedded (web.c includes the generated header).
$(GENDIR)/dashboard_html.h: master/dashboard.html scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh dashboard_html $< > $@.tmp && mv $@.tmp $@
$(HOSTDIR)/obj/master/web.o: $(GENDIR)/dashboard_html.h

$(MASTER_LIB): $(MASTER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(HOSTDIR)/ducomaster: $(HOSTDIR)/obj/master/main.o $(MASTER_LIB) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(MASTER_LIBS)
	@echo "ducomaster: built $(HTTP_NOTICE)"

INSTALL_PROGS += $(HOSTDIR)/ducomaster
MAN_PAGES     += master/ducomaster.8 master/ducomaster.json.5

# The main job: a simulated rig, or the real one with CONFIG=<config file>.
DURATION ?= 0
.PHONY: run
CONFIG ?=
RUN_ARGS ?=
run: $(HOSTDIR)/ducomaster
	scripts/ducorig-run --duration $(DURATION) $(if $(CONFIG),--config $(CONFIG)) $(RUN_ARGS)
