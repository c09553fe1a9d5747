# common/: portable C shared by the firmware and the host side.
# COMMON_SRCS is what the firmware compiles per board (twi.c includes
# common/slave.c itself, so its events inline into the interrupt handler);
# the host library $(COMMON_LIB) adds the slave state machine, which the
# simulator's model slaves and the tests run.
COMMON_SRCS := common/duco_sha1.c common/duco_s1.c common/duco_crc8.c \
               common/duco_proto.c common/simbus_proto.c
COMMON_HOST_SRCS := $(COMMON_SRCS) common/slave.c
COMMON_LIB  := $(HOSTDIR)/libducocommon.a
COMMON_OBJS := $(COMMON_HOST_SRCS:%.c=$(HOSTDIR)/obj/%.o)

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# The same objects as a shared library, so the Python tests encode and
# decode frames with this code (ctypes, test/lib/ducotest.py) instead of a
# copy of the protocol. Under SANITIZE from objects of its own (Makefile).
COMMON_SO := $(HOSTDIR)/libducocommon.so
COMMON_SO_OBJS := $(COMMON_HOST_SRCS:%.c=$(SO_OBJ)/%.o)
$(COMMON_SO): $(COMMON_SO_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared $(SO_LDFLAGS) -o $@ $^

# CRC-8 table: generated from duco_crc8_bitwise by a build-machine program,
# so the constants exist nowhere in the tree (test/unit checks the result).
# It runs on the build machine, so CC_FOR_BUILD compiles it (not a cross CC).
$(HOSTDIR)/scripts/gen-crc8-table: scripts/gen-crc8-table.c common/duco_crc8.h $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	$(CC_FOR_BUILD) -std=gnu11 $(CWARN) -Icommon -o $@ $<

$(GENDIR)/duco_crc8_table.h: $(HOSTDIR)/scripts/gen-crc8-table
	@mkdir -p $(@D)
	$< > $@.tmp && mv $@.tmp $@

GEN_HEADERS += $(GENDIR)/duco_crc8_table.h

# Board ids and names for C: generated from the records of boards.mk as make
# read them, so the board list lives only there (and is regenerated when it
# changes).
$(GENDIR)/duco_boards.h: boards.mk scripts/gen-boards-h.sh
	@mkdir -p $(@D)
	scripts/gen-boards-h.sh $(foreach b,$(BOARDS),$(b)=$($(b).ID)) > $@.tmp && mv $@.tmp $@

GEN_HEADERS += $(GENDIR)/duco_boards.h
