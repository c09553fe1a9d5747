/*
 * board.c - one AVR and the turns its workers take on it.
 * Assumes one thread (the rig's event loop) and that a worker owns the board
 * from the moment it sends its job until it has read the result or dropped
 * the job; while it owns it, only that worker talks to the AVR.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "board.h"
#include "poolwire.h"
#include "miner.h"

void board_init(struct board *b, struct bus *bus, uint8_t addr)
{
	memset(b, 0, sizeof(*b));
	slave_io_init(&b->io, bus, addr);
	snprintf(b->name, sizeof(b->name), "%.40s:0x%02x", bus ? bus->spec : "?", addr);
	b->threads = 1;
}

void board_identified(struct board *b)
{
	uint32_t h = 2166136261u;

	poolwire_ducoid(b->ident.ducoid, b->ducoid);
	/*
	 * The wallet groups results with the same 6th field as one miner with
	 * threads. FNV-1a of the chip id: the same board keeps its id across
	 * restarts, and two boards of a rig practically never share one.
	 */
	for (const char *p = b->ducoid; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(b->group_id, sizeof(b->group_id), "%lu", (unsigned long)h);
}

const char *board_group_sent(const struct board *b)
{
	return b->threads > 1 ? b->group_id : NULL;
}

int board_add_worker(struct board *b, struct miner *w)
{
	if (b->nworkers == BOARD_MAX_WORKERS)
		return -ENOSPC;
	b->workers[b->nworkers++] = w;
	return 0;
}

int board_take(struct board *b, struct miner *w)
{
	if (b->owner && b->owner != w)
		return 0;
	b->owner = w;
	return 1;
}

/* Waiting for the AVR: a job in J, or the speed test before connecting. */
static int board_wants(const struct miner *w)
{
	return (w->state == MINER_J && w->fd >= 0) ||
	       (w->state == MINER_D && w->dsub == MINER_D_CALIBRATE);
}

int board_queue(struct board *b, struct miner *w)
{
	/* Only behind a job that really runs: an owner still in J has sent
	 * nothing yet, and a job queued on an idle board would run first. */
	if (!b->io_ready || slave_io_slots(&b->io) < 2 || !b->owner || b->owner == w ||
	    b->owner->state != MINER_K || (b->queued && b->queued != w))
		return 0;
	b->queued = w;
	return 1;
}

struct miner *board_release(struct board *b, struct miner *w)
{
	struct miner *next = NULL;

	if (b->queued == w) {
		b->queued = NULL;
		return NULL;
	}
	if (b->owner != w)
		return NULL;
	b->owner = NULL;
	if (b->queued) {
		/* The board started the queued job when the running one ended. */
		b->owner = b->queued;
		b->queued = NULL;
		return b->owner;
	}
	/* The oldest job first: its pool connection has waited longest. */
	for (int i = 0; i < b->nworkers; i++) {
		struct miner *c = b->workers[i];

		if (c == w || c == b->owner || !board_wants(c))
			continue;
		if (!next || (c->state == MINER_J && (next->state != MINER_J || c->t_job < next->t_job)))
			next = c;
	}
	if (next && next->state == MINER_J)
		b->owner = next;
	return next;
}

int board_waiting(const struct board *b)
{
	int n = 0;

	for (int i = 0; i < b->nworkers; i++)
		if (b->workers[i] != b->owner && board_wants(b->workers[i]))
			n++;
	return n;
}

int board_auto_threads(double rate, double target, double spare, int cap)
{
	double per = target * (1.0 + spare);
	int k = per > 0 ? (int)(rate / per) : 1;

	if (k > cap)
		k = cap;
	return k < 1 ? 1 : k;
}
