/*
 * ducopool.c - a local Duino-Coin-compatible pool: start-up, the one event
 * loop, signals and the stats dumps.
 *
 * One thread: poll() over a signalfd, the TCP listener and connections
 * (pool_tcp) and libmicrohttpd's epoll fd (pool_http). Assumes Linux
 * (signalfd, accept4, MHD's epoll mode). Binds only the addresses given,
 * 127.0.0.1 by default. stdout carries just the lines scripts parse: first
 * `listening on HOST:PORT`, then `http on HOST:PORT` when --http is set, then
 * one stats JSON object per line on SIGUSR1 and at exit. Exit status: 0 after
 * a clean stop, 1 on a start-up failure, 2 on bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mlog.h"
#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_http.h"
#include "pool_rng.h"
#include "pool_tcp.h"

static int64_t ducopool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static int64_t ducopool_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	struct pool_cfg cfg;
	struct pool_acct acct;
	struct pool_rng rng;
	struct pool_tcp *tcp = NULL;
	struct pool_http *http = NULL;
	struct pollfd *pfd = NULL;
	char err[256], host[64], http_host[64];
	int64_t start, end_ms, next_stats;
	sigset_t mask;
	int sfd = -1, lfd, hfd, rc, status = 1, running = 1;
	uint64_t seed;

	pool_cfg_defaults(&cfg);
	if (pool_cfg_parse(&cfg, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "ducopool: %s\n", err);
		return 2;
	}
	if (cfg.help) {
		pool_cfg_usage(stdout, "ducopool");
		return 0;
	}
	if (cfg.tiers_file[0] && pool_cfg_load_tiers(&cfg, cfg.tiers_file, err, sizeof(err))) {
		fprintf(stderr, "ducopool: --tiers %s\n", err);
		return 2;
	}
	/* --verbose: connections and verdicts; otherwise warnings only */
	mlog_set_ident("ducopool");
	mlog_open(NULL, cfg.verbose ? MLOG_INFO : MLOG_WARN);
	seed = cfg.seed_given ? cfg.seed
			      : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	pool_rng_seed(&rng, seed);
	start = ducopool_now_ms();
	pool_acct_init(&acct, &cfg, seed, start);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		fprintf(stderr, "ducopool: signalfd: %s\n", strerror(errno));
		goto out;
	}

	lfd = ducopool_listen(cfg.listen, host, sizeof(host));
	if (lfd < 0) {
		fprintf(stderr, "ducopool: --listen %s: %s\n", cfg.listen, strerror(-lfd));
		goto out;
	}
	tcp = pool_tcp_new(&cfg, &acct, &rng, lfd, start);
	if (!tcp) {
		close(lfd);
		fprintf(stderr, "ducopool: out of memory\n");
		goto out;
	}
	if (cfg.http[0]) {
		hfd = ducopool_listen(cfg.http, http_host, sizeof(http_host));
		if (hfd < 0) {
			fprintf(stderr, "ducopool: --http %s: %s\n", cfg.http, strerror(-hfd));
			goto out;
		}
		rc = pool_http_start(&http, &cfg, &acct, hfd, host, pool_tcp_port(tcp));
		if (rc) {
			fprintf(stderr, "ducopool: http: %s\n", strerror(-rc));
			goto out;
		}
	}
	printf("listening on %s:%u\n", host, (unsigned)pool_tcp_port(tcp));
	if (http)
		printf("http on %s:%u\n", http_host, (unsigned)pool_http_port(http));
	fflush(stdout);

	end_ms = cfg.duration_s > 0 ? start + (int64_t)(cfg.duration_s * 1000.0) : INT64_MAX;
	next_stats = cfg.stats_file[0] ? start + (int64_t)(cfg.stats_interval_s * 1000.0)
				       : INT64_MAX;
	while (running) {
		int cap = 2 + pool_tcp_poll_count(tcp), n, used;
		struct pollfd *p = realloc(pfd, (size_t)cap * sizeof(*p));
		int64_t now = ducopool_now_ms(), wake, wait;

		if (!p) {
			fprintf(stderr, "ducopool: out of memory\n");
			goto out;
		}
		pfd = p;
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = http ? pool_http_fd(http) : -1, .events = POLLIN };
		used = pool_tcp_prepare(tcp, pfd + 2, cap - 2);
		wake = ducopool_min(pool_tcp_deadline(tcp), ducopool_min(end_ms, next_stats));
		if (http) {
			int64_t t = pool_http_timeout(http);

			if (t >= 0)
				wake = ducopool_min(wake, now + t);
		}
		wait = wake == INT64_MAX ? -1 : wake <= now ? 0 : wake - now;
		if (wait > 60000)
			wait = 60000;   /* also ages out /miners rows now and then */
		n = poll(pfd, (nfds_t)(2 + used), (int)wait);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "ducopool: poll: %s\n", strerror(errno));
			goto out;
		}
		now = ducopool_now_ms();
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					ducopool_dump(&cfg, &acct, 1);
				else
					running = 0;
			}
		}
		pool_tcp_dispatch(tcp, pfd + 2, n > 0 ? used : 0, now);
		if (http)
			pool_http_run(http, now);
		pool_acct_expire(&acct, now);
		if (now >= next_stats) {
			ducopool_dump(&cfg, &acct, 0);
			next_stats = now + (int64_t)(cfg.stats_interval_s * 1000.0);
		}
		if (now >= end_ms)
			running = 0;
	}
	mlog_info("stopping");
	ducopool_dump(&cfg, &acct, 1);
	status = 0;
out:
	pool_http_stop(http);
	pool_tcp_free(tcp);
	pool_acct_free(&acct);
	free(pfd);
	if (sfd >= 0)
		close(sfd);
	return status;
}
