# test/lib/: helpers the tests share, one per language: ducotest.py
# (Python; frames through common/ as build/host/libducocommon.so), tap.sh
# (shell), and for C tests the TAP macros of test/tap.h and bus_rig.c, a
# struct bus over an in-process ducosim rig of model slaves (the
# simulator's slave code as a test's bus). Nothing here is a test itself.
BUS_RIG_OBJ    := $(HOSTDIR)/obj/test/lib/bus_rig.o
BUS_RIG_CFLAGS := -Itest/lib -Isim/ducosim

$(HOSTDIR)/obj/test/lib/%.o: EXTRA_CFLAGS += $(HOST_LIB_CFLAGS) $(BUS_RIG_CFLAGS)

# ducotest.py loads the protocol code from here.
TEST_DEPS += $(COMMON_SO)
