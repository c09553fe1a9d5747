# tools/pool/: ducopool, the local Duino-Coin-compatible pool (TCP + REST).
# Links libmicrohttpd and cJSON through pkg-config, DUCO-S1 from common/.
POOL_SRCS := tools/pool/ducopool.c tools/pool/pool_cfg.c tools/pool/pool_rng.c \
             tools/pool/pool_acct.c tools/pool/pool_tcp.c tools/pool/pool_http.c \
             tools/pool/pool_log.c
POOL_OBJS := $(POOL_SRCS:%.c=$(HOSTDIR)/obj/%.o)
POOL_PKGS := libmicrohttpd libcjson

$(HOSTDIR)/obj/tools/pool/%.o: EXTRA_CFLAGS += $(shell pkg-config --cflags $(POOL_PKGS))

$(HOSTDIR)/ducopool: $(POOL_OBJS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $(POOL_OBJS) $(COMMON_LIB) \
		$(shell pkg-config --libs $(POOL_PKGS)) -lm

HOST_PROGS += $(HOSTDIR)/ducopool

# make bench: pool throughput and latency-profile fidelity, one JSON line.
.PHONY: bench-pool
bench-pool: $(HOSTDIR)/ducopool
	@tools/pool/bench.py
BENCH_TARGETS += bench-pool
