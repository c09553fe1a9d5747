/*
 * ducopool.c - a local Duino-Coin-compatible pool: start-up, the one event
 * loop, signals and the stats dumps.
 *
 * One thread around the shared event loop (lib/evloop.h): a signalfd, the
 * TCP listener and connections (pool_tcp), libmicrohttpd's epoll fd
 * (pool_http), and timers for the stats file and --duration. Assumes Linux
 * (signalfd, accept4, MHD's epoll mode). Binds only the addresses given,
 * 127.0.0.1 by default. stdout carries just the lines scripts parse: first
 * `listening on HOST:PORT`, then `http on HOST:PORT` when --http is set, then
 * one stats JSON object per line on SIGUSR1 and at exit. Exit status: 0 after
 * a clean stop, 1 on a start-up failure, 2 on bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "mclock.h"
#include "mlog.h"
#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_http.h"
#include "pool_rng.h"
#include "pool_tcp.h"

struct ducopool {
	struct pool_cfg cfg;
	struct pool_acct acct;
};

static int64_t ducopool_now_ms(void)
{
	return mclock_now_us(NULL) / 1000;
}

/* A bound, listening, non-blocking IPv4 socket, or -errno. */
static int ducopool_listen(const char *addr, char *host, size_t hostlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint16_t port;
	int fd, one = 1, rc;

	if (pool_cfg_split_addr(addr, host, hostlen, &port))
		return -EINVAL;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, hostlen, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* The stats JSON: one line on stdout (when asked) and the --stats file. */
static void ducopool_dump(const struct pool_cfg *cfg, const struct pool_acct *acct,
			  int to_stdout)
{
	cJSON *root = pool_acct_stats_json(acct, ducopool_now_ms());
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	if (!text)
		return;
	if (to_stdout) {
		printf("%s\n", text);
		fflush(stdout);
	}
	if (cfg->stats_file[0]) {
		char tmp[POOL_CFG_TEXT_LEN + 8];
		FILE *f;

		/* Write then rename, so a reader never sees half a file. */
		snprintf(tmp, sizeof(tmp), "%s.tmp", cfg->stats_file);
		f = fopen(tmp, "w");
		if (f) {
			int bad = fprintf(f, "%s\n", text) < 0;

			bad |= fclose(f) != 0;
			if (bad || rename(tmp, cfg->stats_file))
				unlink(tmp);
		}
	}
	free(text);
}

static void ducopool_on_signal(struct evloop *el, int fd, int mask, void *arg)
{
	struct ducopool *p = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			ducopool_dump(&p->cfg, &p->acct, 1);
		else
			evloop_stop(el);
	}
}

static int64_t ducopool_on_stats(struct evloop *el, long long id, void *arg)
{
	struct ducopool *p = arg;

	ducopool_dump(&p->cfg, &p->acct, 0);
	return (int64_t)(p->cfg.stats_interval_s * 1e6);
}

static int64_t ducopool_on_duration(struct evloop *el, long long id, void *arg)
{
	evloop_stop(el);
	return -1;
}

/* Every wake-up (at least once a minute): age out the /miners rows. */
static void ducopool_before_sleep(struct evloop *el, void *arg)
{
	struct ducopool *p = arg;

	pool_acct_expire(&p->acct, ducopool_now_ms());
}

int main(int argc, char **argv)
{
	static struct ducopool p;
	struct pool_rng rng;
	struct pool_tcp *tcp = NULL;
	struct pool_http *http = NULL;
	struct evloop *el = NULL;
	char err[256], host[64], http_host[64];
	int64_t start;
	sigset_t mask;
	int sfd = -1, lfd, hfd, rc, status = 1;
	uint64_t seed;

	pool_cfg_defaults(&p.cfg);
	if (pool_cfg_parse(&p.cfg, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "ducopool: %s\n", err);
		return 2;
	}
	if (p.cfg.help) {
		pool_cfg_usage(stdout, "ducopool");
		return 0;
	}
	if (p.cfg.tiers_file[0] && pool_cfg_load_tiers(&p.cfg, p.cfg.tiers_file, err, sizeof(err))) {
		fprintf(stderr, "ducopool: --tiers %s\n", err);
		return 2;
	}
	if (pool_cfg_tier_exact(&p.cfg, p.cfg.default_tier) < 0) {
		fprintf(stderr, "ducopool: --default-tier: no tier called '%s'\n",
			p.cfg.default_tier);
		return 2;
	}
	/* --verbose: connections and verdicts; otherwise warnings only */
	mlog_set_ident("ducopool");
	mlog_open(NULL, p.cfg.verbose ? MLOG_INFO : MLOG_WARN);
	seed = p.cfg.seed_given ? p.cfg.seed
			      : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	pool_rng_seed(&rng, seed);
	start = ducopool_now_ms();
	pool_acct_init(&p.acct, &p.cfg, seed, start);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	el = evloop_new();
	if (!el) {
		fprintf(stderr, "ducopool: event loop: %s\n", strerror(errno));
		goto out;
	}
	if (sigprocmask(SIG_BLOCK, &mask, NULL) ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    evloop_add_file(el, sfd, EVLOOP_READABLE, ducopool_on_signal, &p) < 0) {
		fprintf(stderr, "ducopool: signalfd: %s\n", strerror(errno));
		goto out;
	}

	lfd = ducopool_listen(p.cfg.listen, host, sizeof(host));
	if (lfd < 0) {
		fprintf(stderr, "ducopool: --listen %s: %s\n", p.cfg.listen, strerror(-lfd));
		goto out;
	}
	tcp = pool_tcp_new(&p.cfg, &p.acct, &rng, lfd, el);
	if (!tcp) {
		close(lfd);
		fprintf(stderr, "ducopool: out of memory\n");
		goto out;
	}
	if (p.cfg.http[0]) {
		hfd = ducopool_listen(p.cfg.http, http_host, sizeof(http_host));
		if (hfd < 0) {
			fprintf(stderr, "ducopool: --http %s: %s\n", p.cfg.http, strerror(-hfd));
			goto out;
		}
		rc = pool_http_start(&http, &p.cfg, &p.acct, hfd, host, pool_tcp_port(tcp), el);
		if (rc) {
			fprintf(stderr, "ducopool: http: %s\n", strerror(-rc));
			goto out;
		}
	}
	printf("listening on %s:%u\n", host, (unsigned)pool_tcp_port(tcp));
	if (http)
		printf("http on %s:%u\n", http_host, (unsigned)pool_http_port(http));
	fflush(stdout);

	if (p.cfg.duration_s > 0)
		evloop_add_timer(el, (int64_t)(p.cfg.duration_s * 1e6), ducopool_on_duration, &p);
	if (p.cfg.stats_file[0])
		evloop_add_timer(el, (int64_t)(p.cfg.stats_interval_s * 1e6), ducopool_on_stats, &p);
	evloop_set_before_sleep(el, ducopool_before_sleep, &p);
	rc = evloop_run(el);
	if (rc < 0) {
		fprintf(stderr, "ducopool: event loop: %s\n", strerror(-rc));
		goto out;
	}
	mlog_info("stopping");
	ducopool_dump(&p.cfg, &p.acct, 1);
	status = 0;
out:
	pool_http_stop(http);
	pool_tcp_free(tcp);
	pool_acct_free(&p.acct);
	if (sfd >= 0)
		close(sfd);
	evloop_free(el);
	return status;
}
