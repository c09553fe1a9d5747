# sim/ducopool/: ducopool, the local Duino-Coin-compatible pool (TCP + REST).
# Links libmicrohttpd and cJSON through pkg-config, DUCO-S1 from common/.
POOL_SRCS := $(wildcard sim/ducopool/*.c)
POOL_OBJS := $(POOL_SRCS:%.c=$(HOSTDIR)/obj/%.o)
POOL_PKGS := libmicrohttpd libcjson

$(HOSTDIR)/obj/sim/ducopool/%.o: EXTRA_CFLAGS += $(shell pkg-config --cflags $(POOL_PKGS)) $(HOST_LIB_CFLAGS)

$(HOSTDIR)/ducopool: $(POOL_OBJS) $(HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(POOL_OBJS) $(HOST_LIB_LIBS) \
		$(shell pkg-config --libs $(POOL_PKGS))

HOST_PROGS += $(HOSTDIR)/ducopool

# make bench: pool throughput and latency-profile fidelity, one JSON line.
.PHONY: bench-pool
bench-pool: $(HOSTDIR)/ducopool
	@test/pool/bench_pool.py
BENCH_TARGETS += bench-pool
