/*
 * bench_bus.c - what each slave_io operation costs on a bus, in wall time.
 *
 * Against a real-time ducosim the reply to a transfer comes when its
 * simulated bus time has passed, so the mean wall time per call is the bus
 * time of its transactions plus the backend's own overhead; against a fast
 * ducosim it is the overhead alone. Run by test/master-bus/bench.sh over the
 * sim backend and over the i2cdev backend through the LD_PRELOAD stand-in.
 * Prints one JSON line: mean microseconds per call of each operation.
 * Assumes a slave at --addr (default 0x08) that nothing else drives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cJSON.h>

#include "bus.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "jsonout.h"
#include "slave_io.h"

static double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *label = "bus";
	uint8_t addr = 0x08;
	int n = 200;
	struct duco_identity id;
	struct duco_result res;
	struct duco_job job = { .job_id = 1, .start_nonce = 0, .end_nonce = 1000 };
	struct slave_io s;
	struct bus b;
	double t0, poll1, poll2, ident, send, result;
	cJSON *out;
	int rc = 0, i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--bus") == 0)
			spec = argv[i + 1];
		else if (strcmp(argv[i], "--label") == 0)
			label = argv[i + 1];
		else if (strcmp(argv[i], "--addr") == 0)
			addr = (uint8_t)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--count") == 0)
			n = atoi(argv[i + 1]);
	}
	if (spec == NULL || n <= 0) {
		fprintf(stderr, "usage: bench_bus --bus SPEC [--label L] [--addr A] [--count N]\n");
		return 2;
	}
	rc = bus_open(&b, spec);
	if (rc < 0) {
		fprintf(stderr, "bench_bus: %s: %s\n", spec, strerror(-rc));
		return 1;
	}
	slave_io_init(&s, &b, addr);
	memcpy(job.last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51d", 40);
	duco_hex_to_bin("d0beba883d7e8cd119ea2b0e09b78f60f29e0968", job.expected, 20);

	t0 = bench_now_us();
	/* -EAGAIN (the slave had not taken the last frame): asked again at once,
	 * so a refusal costs what it costs on the bus. */
	for (i = 0; i < n && rc >= 0; i++)
		while ((rc = slave_io_identify(&s, &id)) == -EAGAIN)
			;
	ident = (bench_now_us() - t0) / n;

	t0 = bench_now_us();
	for (i = 0; i < n && rc >= 0; i++)
		rc = slave_io_poll(&s, 0);
	poll1 = (bench_now_us() - t0) / n;

	t0 = bench_now_us();
	for (i = 0; i < n && rc >= 0; i++)
		rc = slave_io_poll(&s, 1);
	poll2 = (bench_now_us() - t0) / n;

	/* JOB frames (73 bytes) with their confirming status read. */
	t0 = bench_now_us();
	for (i = 0; i < n && rc >= 0; i++) {
		job.job_id = (uint16_t)i;
		while ((rc = slave_io_send_job(&s, &job)) == -EAGAIN)
			;
	}
	send = (bench_now_us() - t0) / n;

	/* Let the last job finish, then time the 15-byte result read. */
	for (i = 0; i < 100000 && rc >= 0; i++) {
		rc = slave_io_poll(&s, 1);
		if (rc >= 0 && DUCO_STATUS_STATE(rc) == DUCO_ST_DONE)
			break;
	}
	t0 = bench_now_us();
	for (i = 0; i < n && rc >= 0; i++)
		rc = slave_io_read_result(&s, job.job_id, &res);
	result = (bench_now_us() - t0) / n;
	if (rc >= 0 && (res.nonce != 50 || !res.found))
		rc = -EPROTO;
	bus_close(&b);
	if (rc < 0) {
		fprintf(stderr, "bench_bus: %s: %s\n", spec, strerror(-rc));
		return 1;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "bench", "master-bus");
	cJSON_AddStringToObject(out, "backend", label);
	jsonout_num(out, "calls", n, JSONOUT_EXACT);
	jsonout_num(out, "poll1_us", poll1, 1);
	jsonout_num(out, "poll2_us", poll2, 1);
	jsonout_num(out, "identify_us", ident, 1);
	jsonout_num(out, "send_job_us", send, 1);
	jsonout_num(out, "read_result_us", result, 1);
	jsonout_num(out, "retries", s.st.crc_retries + s.st.nack_retries, JSONOUT_EXACT);
	rc = out ? jsonout_fprint(stdout, out) : -ENOMEM;
	cJSON_Delete(out);
	return rc ? 1 : 0;
}
