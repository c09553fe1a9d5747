/*
 * table.h - the live status table on a terminal: one row per board from the
 * rig's snapshot (master/status.h), redrawn in place, at most 80 columns
 * wide: state letter, address, bus, mark (ok / slow / FAULTY / OFFLINE),
 * age of the last share, shares, reject %, reported and measured H/s, CRC
 * and retry rates per 1000 transfers; a board in state D shows its step of
 * D instead of its rates. Below the rows each board's health (two to a
 * line). A legend of the state letters closes it.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stdio.h>
#include "status.h"

#define TABLE_WIDTH 80

/* Home, clear, draw. f must be a terminal (ANSI codes). */
void table_draw(FILE *f, const struct status_snap *st);
/* One row into buf (at most TABLE_WIDTH characters and a NUL). */
void table_row(char *buf, size_t cap, const struct status_board *b);
/* A board's health entry (at most 39 characters; two share a line below
 * the rows): Vcc, die temperature, its uptime and reset cause, "-" for a
 * reading it does not have, or "health n/a" / "health pending". */
void table_health(char *buf, size_t cap, const struct status_board *b);

#endif
