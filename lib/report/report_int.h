/*
 * report_int.h - what the files of the report module share and nothing else
 * includes: report.c (summary.json, the HTML page, report.md),
 * report_load.c (reading the run directory) and report_svg.c (the plot)
 * read records and write text the same way.
 */
#ifndef TTTD_REPORT_INT_H
#define TTTD_REPORT_INT_H

#include <stdio.h>

#include "rec.h"

/* Write s to f with &, <, > and " escaped (HTML and SVG text); NULL writes nothing. */
void tttd_report_html_escape(FILE *f, const char *s);

#endif
