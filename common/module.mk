# common/: portable C shared by the firmware, the master and the tools.
# Exports COMMON_SRCS (the firmware compiles them per board) and the host
# library $(COMMON_LIB).
COMMON_SRCS := common/duco_sha1.c common/duco_s1.c common/duco_crc8.c \
               common/duco_proto.c common/simbus_proto.c
COMMON_LIB  := $(HOSTDIR)/libducocommon.a
COMMON_OBJS := $(COMMON_SRCS:%.c=$(HOSTDIR)/obj/%.o)

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
