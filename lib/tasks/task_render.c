/*
 * task_render.c - a choice rendered into a candidate's source and compile
 * flags: each {{NAME}} of the task's template and cflags replaced by the
 * chosen option's text.  It checks nothing the loader checked already.
 */
#include <ctype.h>
#include <string.h>

#include "task.h"
#include "task_int.h"

/* Replace every {{NAME}} in text by the chosen option of NAME. */
static void
substitute(struct sbuf *b, const struct tttd_task *t, const int *choice, const char *text)
{
	const char *p = text, *q;

	while ((q = strstr(p, "{{")) != NULL) {
		const char *end = strstr(q + 2, "}}");
		char name[256];
		size_t n;
		int d;

		if (!end)
			break;
		n = (size_t)(end - q - 2);
		sb_add(b, p, (size_t)(q - p));
		if (n < sizeof(name)) {
			memcpy(name, q + 2, n);
			name[n] = '\0';
			d = tttd_task_decision_index(t, name);
		} else {
			d = -1;
		}
		/* Load checked the names; an unknown one is left as written. */
		if (d >= 0 && choice[d] >= 0 && (size_t)choice[d] < t->dec[d].nopt)
			sb_puts(b, t->dec[d].opt[choice[d]]);
		else
			sb_add(b, q, (size_t)(end + 2 - q));
		p = end + 2;
	}
	sb_puts(b, p);
}

static const char *
opt_text(const struct tttd_task *t, const int *choice, size_t d)
{
	if (choice[d] < 0 || (size_t)choice[d] >= t->dec[d].nopt)
		return "?";
	return t->dec[d].opt[choice[d]];
}

char *
tttd_task_render(const struct tttd_task *t, const int *choice)
{
	struct sbuf b = { 0 };
	size_t d;

	sb_puts(&b, "/* tttd: task ");
	sb_puts(&b, t->name);
	sb_puts(&b, ", decisions:");
	for (d = 0; d < t->ndec; d++) {
		sb_puts(&b, " ");
		sb_puts(&b, t->dec[d].name);
		sb_puts(&b, "=");
		sb_puts(&b, opt_text(t, choice, d));
	}
	sb_puts(&b, " */\n");
	for (d = 0; d < t->ndec; d++) {
		const char *o = opt_text(t, choice, d);

		sb_puts(&b, "#define ");
		sb_puts(&b, t->dec[d].name);
		if (*o) {
			sb_puts(&b, " ");
			sb_puts(&b, o);
		}
		sb_puts(&b, "\n");
		if (tttd_task_is_ident(o)) {
			sb_puts(&b, "#define ");
			sb_puts(&b, t->dec[d].name);
			sb_puts(&b, "_");
			sb_puts(&b, o);
			sb_puts(&b, " 1\n");
		}
	}
	substitute(&b, t, choice, t->template_text);
	return sb_take(&b);
}

char *
tttd_task_render_cflags(const struct tttd_task *t, const int *choice)
{
	struct sbuf b = { 0 };
	char *s, *r, *w;
	int space = 0;

	substitute(&b, t, choice, t->cflags);
	s = sb_take(&b);
	/* Empty options leave runs of blanks: collapse them, trim the ends. */
	for (r = w = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
	return s;
}
