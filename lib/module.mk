# lib/: libducohost, the host library every host program builds on: the bus
# and its backends, slave_io, the event loop, name resolution (c-ares), the clock, logging, the option
# table and JSON config loader, JSON output and the job log. It depends on
# common/ only (the one-way rule in docs/architecture.md).
HOST_LIB_SRCS := $(wildcard lib/*.c)
HOST_LIB_OBJS := $(HOST_LIB_SRCS:%.c=$(HOSTDIR)/obj/%.o)
HOST_LIB      := $(HOSTDIR)/libducohost.a
# What a program linking $(HOST_LIB) needs after it.
HOST_LIB_LIBS := $(HOST_LIB) $(COMMON_LIB) -lcjson -lcares -li2c -lm
HOST_LIB_CFLAGS := -Ilib -I/usr/include/cjson

$(HOSTDIR)/obj/lib/%.o: EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(HOST_LIB): $(HOST_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
