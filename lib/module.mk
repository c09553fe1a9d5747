# lib/: libducohost, the host library every host program builds on: the bus
# and its backends, slave_io, the event loop, name resolution (c-ares), the
# clock, logging, the option table and JSON config loader, JSON output,
# the job log, the pool's job line (poolwire), the REST client (libcurl),
# the earnings arithmetic and a read-only HTTP server (lib/http). It depends
# on common/ only (the one-way rule in docs/architecture.md).
# lib/http: on libmicrohttpd when HTTP=yes, or HTTP=auto (the default) and
# $(PKG_CONFIG) finds it; otherwise lib/http_none.c, the same functions
# without a server (a Pi built without libmicrohttpd-dev still builds
# ducomaster, which then refuses --http naming the package).
HTTP ?= auto
HTTP_PC_FOUND := $(shell $(PKG_CONFIG) --exists libmicrohttpd 2>/dev/null && echo yes)
ifeq ($(HTTP),auto)
HTTP_ON := $(HTTP_PC_FOUND)
else ifeq ($(HTTP),yes)
HTTP_ON := yes
ifneq ($(HTTP_PC_FOUND),yes)
$(error HTTP=yes: $(PKG_CONFIG) finds no libmicrohttpd (Debian: apt-get install libmicrohttpd-dev))
endif
else ifeq ($(HTTP),no)
HTTP_ON :=
else
$(error HTTP=$(HTTP): must be auto, yes or no)
endif
HTTP_NOTICE := $(if $(HTTP_ON),with the HTTP server (libmicrohttpd $(shell $(PKG_CONFIG) --modversion libmicrohttpd 2>/dev/null)),without the HTTP server (HTTP=$(HTTP)$(if $(filter auto,$(HTTP)), and $(PKG_CONFIG) finds no libmicrohttpd: apt-get install libmicrohttpd-dev)))
HOST_LIB_SRCS := $(filter-out $(if $(HTTP_ON),lib/http_none.c,lib/http.c),$(wildcard lib/*.c))
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

$(HOSTDIR)/obj/lib/%.o $(HOSTDIR)/so-obj/lib/%.o: EXTRA_CFLAGS += $(HOST_LIB_CFLAGS)
# Only a program that serves HTTP (ducomaster) links libmicrohttpd: the
# others never pull lib/http's object out of the archive.
HTTP_LIBS := $(if $(HTTP_ON),$(or $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null),-lmicrohttpd))
$(HOSTDIR)/obj/lib/http.o $(HOSTDIR)/so-obj/lib/http.o: EXTRA_CFLAGS += $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)

# The archive holds http.o or http_none.o: a change of HTTP_ON rebuilds it.
HTTP_STAMP := $(HOSTDIR)/http-$(if $(HTTP_ON),on,off).stamp
$(HTTP_STAMP):
	@mkdir -p $(@D) && rm -f $(HOSTDIR)/http-*.stamp && touch $@

$(HOST_LIB): $(HOST_LIB_OBJS) $(HTTP_STAMP)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(HOST_LIB_OBJS)

# The same two libraries for shared objects other programs load
# (libducoi2cshim.so): under SANITIZE from $(HOSTDIR)/so-obj/ (Makefile).
ifneq ($(SANITIZE),)
SO_HOST_LIB   := $(HOSTDIR)/so-obj/libducohost.a
SO_COMMON_LIB := $(HOSTDIR)/so-obj/libducocommon.a
$(SO_HOST_LIB): $(HOST_LIB_SRCS:%.c=$(HOSTDIR)/so-obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(SO_COMMON_LIB): $(COMMON_HOST_SRCS:%.c=$(HOSTDIR)/so-obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
else
SO_HOST_LIB   := $(HOST_LIB)
SO_COMMON_LIB := $(COMMON_LIB)
endif
