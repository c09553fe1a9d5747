# sim/ducopool/: ducopool, the local Duino-Coin-compatible pool (TCP + REST).
# Links libmicrohttpd and cJSON through pkg-config, DUCO-S1 from common/.
POOL_SRCS := $(wildcard sim/ducopool/*.c)
POOL_OBJS := $(POOL_SRCS:%.c=$(HOSTDIR)/obj/%.o)
POOL_PKGS := libmicrohttpd libcjson

POOL_PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(POOL_PKGS) 2>/dev/null)
POOL_PC_LIBS   := $(or $(shell $(PKG_CONFIG) --libs $(POOL_PKGS) 2>/dev/null),-lmicrohttpd -lcjson)

$(HOSTDIR)/obj/sim/ducopool/%.o: EXTRA_CFLAGS += $(POOL_PC_CFLAGS) $(HOST_LIB_CFLAGS)
$(POOL_OBJS): | deps-check-sim

$(HOSTDIR)/ducopool: $(POOL_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(POOL_OBJS) $(HOST_LIB_LIBS) \
		$(POOL_PC_LIBS)

DEV_PROGS += $(HOSTDIR)/ducopool
DEV_MAN_PAGES += sim/ducopool/ducopool.1

# make bench: pool throughput and latency-profile fidelity, one JSON line.
.PHONY: bench-pool
bench-pool: $(HOSTDIR)/ducopool
	@test/pool/bench_pool.py
BENCH_TARGETS += bench-pool
