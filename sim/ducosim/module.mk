# sim/ducosim/: ducosim, the simulated rig (real firmware in simavr + host
# model slaves on one simulated I2C bus), and libducosim.a, the bus model
# the firmware-in-simulator tests and the benchmark link against.
# simavr 1.6 from libsimavr-dev; its headers are included as system headers
# so our strict warnings apply to our code only; Debian's libelf has no .so
# link, hence -l:libelf.so.1.

SIMAVR_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags simavr 2>/dev/null))
SIMAVR_LIBS   := $(or $(shell $(PKG_CONFIG) --libs simavr 2>/dev/null),-lsimavr) -l:libelf.so.1 -lm

DUCOSIM_LIB  := $(HOSTDIR)/libducosim.a
DUCOSIM_SRCS := sim/ducosim/sim_avr.c sim/ducosim/sim_rig.c sim/ducosim/sim_duco.c \
                sim/ducosim/sim_server.c sim/ducosim/sim_model.c sim/ducosim/sim_boards.c
DUCOSIM_OBJS := $(DUCOSIM_SRCS:%.c=$(HOSTDIR)/obj/%.o)

$(HOSTDIR)/obj/sim/ducosim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS) $(HOST_LIB_CFLAGS) -Isim/ducosim
$(HOSTDIR)/obj/sim/ducosim/ducosim.o $(DUCOSIM_OBJS): | deps-check-sim

$(DUCOSIM_LIB): $(DUCOSIM_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(HOSTDIR)/ducosim: $(HOSTDIR)/obj/sim/ducosim/ducosim.o $(DUCOSIM_LIB) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $< $(DUCOSIM_LIB) $(HOST_LIB_LIBS) $(SIMAVR_LIBS)

DEV_PROGS += $(HOSTDIR)/ducosim
DEV_MAN_PAGES += sim/ducosim/ducosim.1
