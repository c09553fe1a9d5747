/*
 * test_resolve.c - name resolution on the event loop (lib/resolve.c):
 * numeric addresses without a query, "localhost" from the hosts file, a
 * name that fails against a name server that refuses (a closed loopback
 * port, so no query leaves the machine), every address of a name with both
 * families alternating (a hosts file of our own, CARES_HOSTS), cancellation,
 * and host:port splitting. TAP on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "evloop.h"
#include "resolve.h"
#include "tap.h"

struct answer {
	int calls, rc;
	struct resolve_addrs addrs;
};

static void on_answer(void *arg, int rc, const struct resolve_addrs *addrs)
{
	struct answer *a = arg;

	a->calls++;
	a->rc = rc;
	if (addrs)
		a->addrs = *addrs;
}

/* A UDP port on loopback that nobody listens on (bound, then closed). */
static int closed_udp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int wait_answer(struct evloop *el, struct answer *a, int64_t limit_us)
{
	int64_t end = evloop_now_us() + limit_us;

	while (!a->calls && evloop_now_us() < end)
		evloop_run_once(el, 100000);
	return a->calls;
}

/* Look name up with r; *a holds the answer whether it came at once (the
 * hosts file) or through the callback. resolve_start's return value. */
static int lookup(struct evloop *el, struct resolver *r, const char *name, struct answer *a)
{
	struct resolve_addrs now;
	struct resolve_req *req = NULL;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = resolve_start(r, name, "2811", &now, on_answer, a, &req);
	if (rc == 0)
		wait_answer(el, a, 10000000);
	else if (rc == 1)
		*a = (struct answer){ .calls = 1, .rc = 0, .addrs = now };
	return rc;
}

static void test_split(void)
{
	char h[64], p[8];

	tap_ok(resolve_split("127.0.0.1:2811", h, sizeof(h), p, sizeof(p)) == 0 &&
	       !strcmp(h, "127.0.0.1") && !strcmp(p, "2811"), "split host:port");
	tap_ok(resolve_split("[::1]:99", h, sizeof(h), p, sizeof(p)) == 0 &&
	       !strcmp(h, "::1") && !strcmp(p, "99"), "split [v6]:port");
	tap_ok(resolve_split("nocolon", h, sizeof(h), p, sizeof(p)) == -EINVAL &&
	       resolve_split(":1", h, sizeof(h), p, sizeof(p)) == -EINVAL &&
	       resolve_split("host:", h, sizeof(h), p, sizeof(p)) == -EINVAL,
	       "split refuses a missing host or port");
}

int main(void)
{
	struct evloop *el = evloop_new();
	struct resolve_req *req = NULL;
	struct resolve_addrs now;
	struct answer a = { 0 }, c = { 0 };
	char servers[64];
	struct resolve_opts refusing = { .servers = servers, .timeout_ms = 300, .tries = 1 };
	struct resolver *sys, *bad;
	int rc;

	test_split();
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", closed_udp_port());
	sys = resolver_new(el, NULL);
	bad = resolver_new(el, &refusing);
	tap_ok(sys && bad, "resolvers created");
	if (!sys || !bad)
		return tap_done();

	rc = resolve_start(bad, "192.0.2.7", "2811", &now, on_answer, &a, &req);
	tap_ok(rc == 1 && !req && now.n == 1 && now.a[0].sa.ss_family == AF_INET &&
	       ntohs(((struct sockaddr_in *)&now.a[0].sa)->sin_port) == 2811,
	       "numeric IPv4 answered without a query");
	rc = resolve_start(bad, "::1", "80", &now, on_answer, &a, &req);
	tap_ok(rc == 1 && !req && now.n == 1 && now.a[0].sa.ss_family == AF_INET6,
	       "numeric IPv6 too");
	tap_ok(resolve_start(bad, "x", "99999", &now, on_answer, &a, &req) == -EINVAL,
	       "a port out of range is refused");

	/* localhost comes from the hosts file, whatever the name servers. */
	rc = lookup(el, sys, "localhost", &a);
	tap_ok(a.calls == 1 && a.rc == 0 && a.addrs.n >= 1 &&
	       (a.addrs.a[0].sa.ss_family == AF_INET || a.addrs.a[0].sa.ss_family == AF_INET6),
	       "localhost resolves (start %d, answer %d, %d address(es))", rc, a.rc, a.addrs.n);

	/* Every address, the families alternating: an IPv6 one without a
	 * route costs one connect attempt, whatever the order in the file. */
	{
		char path[] = "/tmp/ducorig-hosts.XXXXXX", text[4][64];
		int fd = mkstemp(path), alt = 1, seen = 0;
		static const char hosts[] = "::1 dual.ducorig-test\n::2 dual.ducorig-test\n"
					    "::3 dual.ducorig-test\n127.0.0.1 dual.ducorig-test\n"
					    "127.0.0.2 dual.ducorig-test\n";

		if (fd >= 0 && write(fd, hosts, sizeof(hosts) - 1) == (ssize_t)sizeof(hosts) - 1)
			setenv("CARES_HOSTS", path, 1);
		rc = lookup(el, sys, "dual.ducorig-test", &a);
		for (int i = 0; i < a.addrs.n && i < 4; i++)
			resolve_addr_text(&a.addrs.a[i], text[i], sizeof(text[i]));
		for (int i = 1; i < a.addrs.n && i < 4; i++)
			alt &= a.addrs.a[i].sa.ss_family != a.addrs.a[i - 1].sa.ss_family;
		for (int i = 0; i < a.addrs.n; i++)
			seen += a.addrs.a[i].sa.ss_family == AF_INET6;
		tap_ok(a.rc == 0 && a.addrs.n == 5 && seen == 3 && alt &&
		       a.addrs.a[4].sa.ss_family == AF_INET6,
		       "a name with 3 IPv6 and 2 IPv4 addresses: all 5, the families alternating "
		       "while both last (start %d, rc %d, n %d: %s %s %s %s ...)", rc, a.rc, a.addrs.n, a.addrs.n > 0 ? text[0] : "-",
		       a.addrs.n > 1 ? text[1] : "-", a.addrs.n > 2 ? text[2] : "-",
		       a.addrs.n > 3 ? text[3] : "-");
		unsetenv("CARES_HOSTS");
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
	}

	/* A name the refusing server cannot answer fails within its time-out. */
	memset(&a, 0, sizeof(a));
	rc = resolve_start(bad, "pool.ducorig-test.invalid", "2811", &now, on_answer, &a, &req);
	if (rc == 0) {
		int64_t t0 = evloop_now_us();

		wait_answer(el, &a, 10000000);
		tap_ok(a.calls == 1 && a.rc < 0, "unknown name fails through the callback "
		       "(%s after %lld ms)", strerror(-a.rc), (long long)(evloop_now_us() - t0) / 1000);
	} else {
		tap_ok(rc < 0, "unknown name fails at once (%s)", strerror(-rc));
	}

	/* A cancelled request never calls back, even when its answer comes. */
	rc = resolve_start(bad, "other.ducorig-test.invalid", "2811", &now, on_answer, &c, &req);
	resolve_cancel(req);
	for (int i = 0; i < 20; i++)
		evloop_run_once(el, 50000);
	tap_ok(rc <= 0 && c.calls == 0, "cancelled request: no callback");

	/* Freeing the resolver answers what is pending with -ECANCELED. */
	memset(&a, 0, sizeof(a));
	rc = resolve_start(bad, "third.ducorig-test.invalid", "2811", &now, on_answer, &a, &req);
	resolver_free(bad);
	tap_ok(rc != 0 || (a.calls == 1 && a.rc == -ECANCELED),
	       "freeing the resolver answers a pending request (%d, %d)", a.calls, a.rc);
	resolver_free(sys);
	evloop_free(el);
	return tap_done();
}
