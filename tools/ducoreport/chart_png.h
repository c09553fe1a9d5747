/*
 * chart_png.h - ducoreport's PNG charts (cairo; built only with it, see
 * module.mk). The charts are lib/report's, drawn through its canvas.
 */
#ifndef CHART_PNG_H
#define CHART_PNG_H

#include "report.h"

/* Write chart c (board: index for REPORT_CHART_BOARD) as PNG. 0 or -errno. */
int chart_png(const char *path, struct report_run *run, enum report_chart c, int board);

#endif
