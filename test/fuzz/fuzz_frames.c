/*
 * fuzz_frames.c - fuzz harness for every decoder in common/: write frames
 * (as the slave sees them), read frames (as the master sees them) and the
 * sim-bus headers.
 *
 * Built two ways: with clang -fsanitize=fuzzer for open-ended runs
 * (`make fuzz`), and with the normal compiler plus the deterministic driver
 * in fuzz_driver.c as a regression test in `make test`. Invariants checked:
 * no decoder reads past its input (ASan / the driver's guard bytes), and
 * whatever a checker accepts re-encodes to the very same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duco_proto.h"
#include "simbus_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t n = size > 255 ? 255 : (uint8_t)size;
	uint8_t buf[DUCO_MAX_READ_FRAME > DUCO_MAX_WRITE_FRAME ?
		    DUCO_MAX_READ_FRAME : DUCO_MAX_WRITE_FRAME];

	if (duco_frame_check(data, n) == DUCO_OK && data[0] == DUCO_CMD_JOB) {
		struct duco_job job;

		duco_decode_job(data, &job);
		if (duco_encode_job(buf, &job) != n || memcmp(buf, data, n))
			abort();        /* accepted job frame must round-trip */
	}
	if (size >= 1) {
		struct duco_result r;
		struct duco_identity id;

		if (duco_decode_result(data, n, &r) == DUCO_OK) {
			uint8_t body[DUCO_RESULT_BODY];

			duco_encode_result_body(body, &r);
			if (memcmp(body, data + DUCO_READ_HEAD, sizeof body))
				abort();
		}
		if (duco_decode_identity(data, n, &id) == DUCO_OK) {
			uint8_t body[DUCO_IDENTITY_BODY];

			duco_encode_identity_body(body, &id);
			if (memcmp(body, data + DUCO_READ_HEAD, sizeof body))
				abort();
		}
	}
	if (size >= SIMBUS_HDR_SIZE) {
		struct simbus_req q;
		struct simbus_rsp s;

		if (simbus_decode_req(data, &q) == 0 &&
		    (q.wlen > SIMBUS_MAX_DATA || q.rlen > SIMBUS_MAX_DATA))
			abort();
		if (simbus_decode_rsp(data, &s) == 0 && s.rlen > SIMBUS_MAX_DATA)
			abort();
	}
	return 0;
}
