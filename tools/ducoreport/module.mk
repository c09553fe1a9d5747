# tools/ducoreport/: ducoreport, the offline performance report, regression
# check and charts, built on the host library's job-log reader and report
# (lib/joblog, lib/report). PNG charts go through cairo, which is optional
# (ducoreport is a Pi tool, and a Pi may lack it): CAIRO=auto (the default)
# uses it when $(PKG_CONFIG) finds it and says so when not, CAIRO=yes
# insists, CAIRO=no builds without. Without it `--png` exits 2 and names
# the package.
CAIRO ?= auto
ifeq ($(CAIRO),no)
DUCOREPORT_CAIRO := no
else
DUCOREPORT_CAIRO := $(shell $(PKG_CONFIG) --exists cairo 2>/dev/null && echo yes || echo no)
ifeq ($(CAIRO)$(DUCOREPORT_CAIRO),yesno)
$(error CAIRO=yes but $(PKG_CONFIG) does not find cairo: apt-get install libcairo2-dev)
endif
ifeq ($(CAIRO)$(DUCOREPORT_CAIRO),autono)
$(info ducoreport: building without PNG charts (cairo not found; apt-get install libcairo2-dev))
endif
endif

DUCOREPORT_OBJS := $(HOSTDIR)/obj/tools/ducoreport/ducoreport.o
ifeq ($(DUCOREPORT_CAIRO),yes)
DUCOREPORT_OBJS += $(HOSTDIR)/obj/tools/ducoreport/chart_png.o
DUCOREPORT_CAIRO_CFLAGS := -DDUCOREPORT_CAIRO=1 $(shell $(PKG_CONFIG) --cflags cairo)
DUCOREPORT_CAIRO_LIBS := $(shell $(PKG_CONFIG) --libs cairo)
endif
# The choice in a file rewritten when it changes (at parse time: the
# Makefile's .SECONDARY would let a missing stamp go unmade), so switching
# CAIRO rebuilds the objects that test it.
DUCOREPORT_CFG := $(HOSTDIR)/obj/tools/ducoreport/cairo.choice
$(shell mkdir -p $(dir $(DUCOREPORT_CFG)) && { echo $(DUCOREPORT_CAIRO) | \
	cmp -s - $(DUCOREPORT_CFG) || echo $(DUCOREPORT_CAIRO) >$(DUCOREPORT_CFG); })

$(DUCOREPORT_OBJS): EXTRA_CFLAGS += $(HOST_LIB_CFLAGS) $(DUCOREPORT_CAIRO_CFLAGS)
$(DUCOREPORT_OBJS): $(DUCOREPORT_CFG)

$(HOSTDIR)/ducoreport: $(DUCOREPORT_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(DUCOREPORT_OBJS) $(HOST_LIB_LIBS) $(DUCOREPORT_CAIRO_LIBS)

INSTALL_PROGS += $(HOSTDIR)/ducoreport
MAN_PAGES     += tools/ducoreport/ducoreport.1
