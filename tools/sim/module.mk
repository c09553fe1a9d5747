# tools/sim/: ducosim, the simulated rig (real firmware in simavr + host
# model slaves on one simulated I2C bus), and libducosim.a, the bus model
# the firmware-in-simulator tests and the benchmark link against.
# simavr 1.6 from libsimavr-dev; its headers are included as system headers
# so our strict warnings apply to our code only; Debian's libelf has no .so
# link, hence -l:libelf.so.1.

SIMAVR_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags simavr 2>/dev/null))
SIMAVR_LIBS   := $(or $(shell pkg-config --libs simavr 2>/dev/null),-lsimavr) -l:libelf.so.1 -lm

DUCOSIM_LIB  := $(HOSTDIR)/libducosim.a
DUCOSIM_SRCS := tools/sim/sim_avr.c tools/sim/sim_rig.c tools/sim/sim_duco.c \
                tools/sim/sim_server.c tools/sim/sim_model.c
DUCOSIM_OBJS := $(DUCOSIM_SRCS:%.c=$(HOSTDIR)/obj/%.o) \
                $(HOSTDIR)/obj/firmware-avr/slave.o

$(HOSTDIR)/obj/tools/sim/%.o: EXTRA_CFLAGS += $(SIMAVR_CFLAGS) -Ifirmware-avr -Itools/sim
$(HOSTDIR)/obj/firmware-avr/slave.o: EXTRA_CFLAGS += -Ifirmware-avr

$(DUCOSIM_LIB): $(DUCOSIM_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(HOSTDIR)/ducosim: $(HOSTDIR)/obj/tools/sim/ducosim.o $(DUCOSIM_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ $(SIMAVR_LIBS)

HOST_PROGS += $(HOSTDIR)/ducosim
