/*
 * tap.h - TAP output for ducorig's C test programs, the one C TAP helper.
 *
 * Header-only so every test binary stays a single link; it needs only
 * <stdio.h>, so it serves host programs and the AVR test images alike (an
 * image points stdout at its output register). scripts/run-tests.sh counts
 * the "ok" / "not ok" lines; tap_done() prints the plan and makes the exit
 * status non-zero when any check failed, so a crash or an early exit still
 * shows. tap_relay() takes in the TAP of a child (a simulated image): its
 * results are renumbered into this program's count.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 0), unused))
static int tap_vok(int cond, const char *fmt, va_list ap)
{
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

__attribute__((format(printf, 1, 2), unused))
static void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * One line of a child's TAP: "ok N - text" / "not ok N - text" count as
 * ours (renumbered, directives such as "# SKIP" kept), comments pass, the
 * child's plan is dropped (ours comes from tap_done), anything else is
 * shown as a comment so it cannot be taken for a result.
 */
__attribute__((unused))
static void tap_relay(const char *line)
{
	int cond;

	if (!strncmp(line, "ok", 2) && (line[2] == ' ' || !line[2])) {
		cond = 1;
		line += 2;
	} else if (!strncmp(line, "not ok", 6) && (line[6] == ' ' || !line[6])) {
		cond = 0;
		line += 6;
	} else {
		if (!strncmp(line, "1..", 3))
			return;
		printf(line[0] == '#' ? "%s\n" : "# %s\n", line);
		fflush(stdout);
		return;
	}
	while (*line == ' ')
		line++;
	while (*line >= '0' && *line <= '9')
		line++;
	while (*line == ' ')
		line++;
	if (line[0] == '-' && (line[1] == ' ' || !line[1]))
		line += line[1] ? 2 : 1;
	tap_ok(cond, "%s", line);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
