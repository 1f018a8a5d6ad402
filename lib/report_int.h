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

/* A number key of r (NULL r, absent or not a number: 0). */
double tttd_report_get_d(const struct tttd_rec *r, const char *key);
/* A string key of r as a new NUL-terminated copy (caller frees); NULL if none. */
char *tttd_report_get_s(const struct tttd_rec *r, const char *key);
/* Write s to f with &, <, > and " escaped (HTML and SVG text); NULL writes nothing. */
void tttd_report_html_escape(FILE *f, const char *s);

#endif
