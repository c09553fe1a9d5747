# lib/: libducohost, the host library every host program builds on: the bus
# and its backends, slave_io, the event loop, name resolution (c-ares), the
# clock, logging, the option table and JSON config loader, JSON output,
# the job log, the pool's job line (poolwire), the REST client (libcurl) and
# the earnings arithmetic. It depends on common/ only (the one-way rule in
# docs/architecture.md).
HOST_LIB_SRCS := $(wildcard lib/*.c)
HOST_LIB_OBJS := $(HOST_LIB_SRCS:%.c=$(HOSTDIR)/obj/%.o)
HOST_LIB      := $(HOSTDIR)/libducohost.a
# What a program linking $(HOST_LIB) needs after it.
# cJSON and c-ares through $(PKG_CONFIG) (a cross build's finds the target's);
# libi2c has no .pc file. Asked once, quietly: a tree without the packages
# still parses, and deps-check-build names them.
HOST_LIB_PKGS := libcjson libcares
HOST_LIB_PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(HOST_LIB_PKGS) 2>/dev/null)
HOST_LIB_PC_LIBS   := $(or $(shell $(PKG_CONFIG) --libs $(HOST_LIB_PKGS) 2>/dev/null),-lcjson -lcares)
HOST_LIB_LIBS := $(HOST_LIB) $(COMMON_LIB) $(HOST_LIB_PC_LIBS) -li2c -lm
HOST_LIB_CFLAGS := -Ilib $(HOST_LIB_PC_CFLAGS)
# lib/rest (the REST client) needs libcurl: programs that use it add this
# after HOST_LIB_LIBS; the others never pull rest.o out of the archive.
HOST_LIB_CURL_LIBS := $(or $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null),-lcurl)

$(HOSTDIR)/obj/lib/%.o: EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)

$(HOST_LIB): $(HOST_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
