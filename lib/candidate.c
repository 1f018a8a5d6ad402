/*
 * candidate.c - a choice of a task made into a candidate record: its
 * rendered source and flags, its id (a hash of what makes it run), its
 * decisions and the keys docs/schema.md gives a generated candidate.
 */
#include <stdlib.h>

#include "hash.h"
#include "rec.h"
#include "task.h"
#include "task_int.h"

void
tttd_task_candidate_rec(const struct tttd_task *t, const int *choice, int64_t step,
			const char *parent, const char *group, const void *pdec, size_t pdec_len,
			struct tttd_rec *out)
{
	char *source = tttd_task_render(t, choice);

	tttd_task_candidate_rec_src(t, choice, source, step, parent, group, pdec, pdec_len, out);
	free(source);
}

void
tttd_task_candidate_rec_src(const struct tttd_task *t, const int *choice, const char *source,
			    int64_t step, const char *parent, const char *group, const void *pdec,
			    size_t pdec_len, struct tttd_rec *out)
{
	const char **names = xmalloc((t->ndec + 1) * sizeof(char *));
	const char **texts = xmalloc((t->ndec + 1) * sizeof(char *));
	char id[33], *cflags = tttd_task_render_cflags(t, choice);
	size_t d;

	tttd_task_candidate_id(t, source, cflags, choice, id);
	for (d = 0; d < t->ndec; d++) {
		names[d] = t->dec[d].name;
		texts[d] = t->dec[d].opt[choice[d]];
	}
	tttd_rec_clear(out);
	tttd_rec_set_int(out, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(out, "kind", "candidate");
	tttd_rec_set_str(out, "id", id);
	tttd_rec_set_str(out, "task", t->name);
	tttd_rec_set_str(out, "target", t->target);
	tttd_rec_set_int(out, "step", step);
	tttd_rec_set_str(out, "parent", parent);
	tttd_rec_set_str(out, "group", group);
	tttd_rec_set_strmap(out, "decisions", names, texts, t->ndec);
	if (pdec)
		tttd_rec_set_raw(out, "parent_decisions", pdec, pdec_len);
	else
		tttd_rec_set_strmap(out, "parent_decisions", NULL, NULL, 0);
	tttd_rec_set_str(out, "source", source);
	tttd_rec_set_str(out, "cflags", cflags);
	free(cflags);
	free(names);
	free(texts);
}

void
tttd_task_candidate_id(const struct tttd_task *t, const char *source, const char *cflags,
		       const int *choice, char id[33])
{
	struct tttd_sha256 s;
	size_t d;

	tttd_sha256_init(&s);
	tttd_sha256_field(&s, t->name);
	tttd_sha256_field(&s, t->target);
	tttd_sha256_field(&s, cflags);
	tttd_sha256_field(&s, source);
	for (d = 0; d < t->ndec; d++) {
		char *kv = xasprintf("%s=%s", t->dec[d].name, t->dec[d].opt[choice[d]]);

		tttd_sha256_field(&s, kv);
		free(kv);
	}
	tttd_sha256_id(&s, id);
}
