/*
 * puct.c - the PUCT archive: replay of rollouts, end-of-step pruning and
 * lineage-disjoint greedy selection (TTT-Discover's PUCTSampler; formulas
 * and deviations in puct.h).
 *
 * Every state ever seen lives in one array, indexed in the order it was
 * added (roots first); in_archive says whether it is still selectable.  The
 * array order is therefore the archive's insertion order, which breaks rank
 * ties the way a stable sort over the paper's archive list would.  An
 * open-addressing table maps ids to indices.
 *
 * It does not read records, and it does not decide what a value is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "puct.h"

#define NONE ((size_t)-1)

struct state {
	char *id;
	size_t parent; /* NONE for a root */
	double value;
	double m; /* best direct child value; valid when has_m */
	int has_m;
	int64_t n; /* rollouts from this state or below */
	unsigned char root, in_archive;
};

struct tttd_puct {
	struct tttd_puct_opts o;
	struct state *s;
	size_t ns, cap;
	size_t *ht;    /* index + 1 of a state, 0 = empty slot */
	size_t htcap;  /* a power of 2, kept at least twice ns */
	int64_t total; /* T */
	int64_t step;  /* the step being replayed, -1 before the first rollout */
	int dirty;     /* rollouts since the last end_step */
	size_t narchive;
};

/* A snapshot of the derived quantities of every state (ranks, P, Q, score). */
struct snap {
	int64_t *rank; /* -1 when not in the archive */
	double *prior, *q, *score;
	double scale;
};

void
tttd_puct_opts_default(struct tttd_puct_opts *o)
{
	o->groups = 64;
	o->max_archive = 1000;
	o->topk = 2;
	o->c = 1.0;
	o->root_value = -1e6;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static size_t
lookup(const struct tttd_puct *p, const char *id)
{
	size_t mask = p->htcap - 1;

	for (size_t i = hash_str(id) & mask;; i = (i + 1) & mask) {
		if (p->ht[i] == 0)
			return NONE;
		if (strcmp(p->s[p->ht[i] - 1].id, id) == 0)
			return p->ht[i] - 1;
	}
}

static void
ht_put(size_t *ht, size_t htcap, const char *id, size_t idx)
{
	size_t i = hash_str(id) & (htcap - 1);

	while (ht[i] != 0)
		i = (i + 1) & (htcap - 1);
	ht[i] = idx + 1;
}

static size_t
add_state(struct tttd_puct *p, const char *id, size_t parent, double value, int root)
{
	struct state *st;

	if (2 * (p->ns + 1) > p->htcap) {
		size_t ncap = p->htcap ? 2 * p->htcap : 64;
		size_t *nht = xcalloc(ncap, sizeof(*nht));

		for (size_t i = 0; i < p->ns; i++)
			ht_put(nht, ncap, p->s[i].id, i);
		free(p->ht);
		p->ht = nht;
		p->htcap = ncap;
	}
	XGROW(p->s, p->cap, p->ns + 1);
	st = &p->s[p->ns];
	memset(st, 0, sizeof(*st));
	st->id = xstrdup(id);
	st->parent = parent;
	st->value = value;
	st->root = root;
	st->in_archive = 1;
	ht_put(p->ht, p->htcap, id, p->ns);
	p->narchive++;
	return p->ns++;
}

struct tttd_puct *
tttd_puct_new(const char *task, const struct tttd_puct_opts *o, struct tttd_error *e)
{
	struct tttd_puct *p;

	if (o->groups == 0 || o->topk == 0 || o->max_archive < 1 || !task) {
		tttd_error_set(e, TTTD_EINVAL, "puct: groups, topk and max_archive must be positive");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->o = *o;
	p->step = -1;
	for (size_t i = 0; i < o->groups; i++) {
		struct tttd_sha256 h;
		char num[32], id[TTTD_ID_LEN + 1];

		/* docs/internals.md: root state id = sha256 of fields "root", task, "<i>" */
		snprintf(num, sizeof(num), "%zu", i);
		tttd_sha256_init(&h);
		tttd_sha256_field(&h, "root");
		tttd_sha256_field(&h, task);
		tttd_sha256_field(&h, num);
		tttd_sha256_id(&h, id);
		add_state(p, id, NONE, o->root_value, 1);
	}
	return p;
}

void
tttd_puct_free(struct tttd_puct *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ns; i++)
		free(p->s[i].id);
	free(p->s);
	free(p->ht);
	free(p);
}

int
tttd_puct_add(struct tttd_puct *p, const struct tttd_puct_cand *c, struct tttd_error *e)
{
	size_t par;

	TTTD_RETURN_IF(!c->id || !c->id[0], e, TTTD_EINVAL, "candidate without an id");
	TTTD_RETURN_IF(c->step < p->step, e, TTTD_EFORMAT,
		       "candidate '%s': step %lld after step %lld (the archive must be in step order)",
		       c->id, (long long)c->step, (long long)p->step);
	par = c->parent ? lookup(p, c->parent) : NONE;
	TTTD_RETURN_IF(par == NONE, e, TTTD_EFORMAT,
		       "candidate '%s': unknown parent '%s' (not a root of this task and --groups, "
		       "nor an earlier candidate)",
		       c->id, c->parent ? c->parent : "");
	if (c->step > p->step) {
		tttd_puct_end_step(p);
		p->step = c->step;
	}
	p->dirty = 1;

	/* Visits go to the parent and every ancestor, failed or not. */
	p->total++;
	for (size_t a = par; a != NONE; a = p->s[a].parent)
		p->s[a].n++;
	if (!c->ok)
		return 0;
	/*
	 * Only the direct parent's best child value moves.  Deviation: the
	 * paper drops a duplicate before it reaches the archive; tttd still
	 * lets it raise m(parent), since expanding the parent did yield it.
	 */
	if (!p->s[par].has_m || c->value > p->s[par].m) {
		p->s[par].m = c->value;
		p->s[par].has_m = 1;
	}
	/*
	 * Exact-duplicate dedup by id.  Deviation: an id pruned earlier is
	 * not re-admitted (the paper would, under its new parent); one state
	 * per id keeps every lineage a single chain.
	 */
	if (lookup(p, c->id) != NONE)
		return 0;
	add_state(p, c->id, par, c->value, 0);
	return 1;
}

/* Sort keys for qsort; the state array rides in a file-scope pointer. */
static const struct state *sort_s;
static const double *sort_score;

/* value descending, then archive (index) order */
static int
cmp_value(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_s[i].value != sort_s[j].value)
		return sort_s[i].value > sort_s[j].value ? -1 : 1;
	return (i > j) - (i < j);
}

/* parent, then value descending, then index */
static int
cmp_parent_value(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_s[i].parent != sort_s[j].parent)
		return sort_s[i].parent < sort_s[j].parent ? -1 : 1;
	return cmp_value(a, b);
}

/* score descending, value descending, id ascending (determinism) */
static int
cmp_score(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_score[i] != sort_score[j])
		return sort_score[i] > sort_score[j] ? -1 : 1;
	if (sort_s[i].value != sort_s[j].value)
		return sort_s[i].value > sort_s[j].value ? -1 : 1;
	return strcmp(sort_s[i].id, sort_s[j].id);
}

/* The archive's states in index order; caller frees.  *k gets the count. */
static size_t *
archive_list(const struct tttd_puct *p, size_t *k)
{
	size_t *v = xmalloc((p->narchive ? p->narchive : 1) * sizeof(*v));

	*k = 0;
	for (size_t i = 0; i < p->ns; i++)
		if (p->s[i].in_archive)
			v[(*k)++] = i;
	return v;
}

void
tttd_puct_end_step(struct tttd_puct *p)
{
	size_t k, *v, run = 0;

	if (!p->dirty)
		return;
	p->dirty = 0;
	v = archive_list(p, &k);
	sort_s = p->s;

	/* 1. At most topk children per parent, over the whole archive. */
	qsort(v, k, sizeof(*v), cmp_parent_value);
	for (size_t i = 0; i < k; i++) {
		struct state *st = &p->s[v[i]];

		if (st->root)
			continue;
		run = (i > 0 && p->s[v[i - 1]].parent == st->parent && !p->s[v[i - 1]].root)
			      ? run + 1
			      : 0;
		if (run >= p->o.topk) {
			st->in_archive = 0;
			p->narchive--;
		}
	}

	/* 2. The cap: the roots, then the best others by value. */
	if (p->narchive > p->o.max_archive) {
		size_t room = p->o.max_archive > p->o.groups ? p->o.max_archive - p->o.groups : 0;
		size_t kept = 0;

		free(v);
		v = archive_list(p, &k);
		qsort(v, k, sizeof(*v), cmp_value);
		for (size_t i = 0; i < k; i++) {
			struct state *st = &p->s[v[i]];

			if (st->root)
				continue;
			if (kept < room) {
				kept++;
			} else {
				st->in_archive = 0;
				p->narchive--;
			}
		}
	}
	free(v);
}

static double
q_of(const struct state *st)
{
	/* Q = best direct child value once expanded; a never-expanded state is its value */
	return st->n > 0 && st->has_m ? st->m : st->value;
}

static void
snap_take(const struct tttd_puct *p, struct snap *sn)
{
	size_t k, *v;
	double lo = INFINITY, hi = -INFINITY, norm;
	int nonroot = 0;

	sn->rank = xmalloc(p->ns * sizeof(*sn->rank));
	sn->prior = xcalloc(p->ns, sizeof(*sn->prior));
	sn->q = xmalloc(p->ns * sizeof(*sn->q));
	sn->score = xmalloc(p->ns * sizeof(*sn->score));
	v = archive_list(p, &k);
	sort_s = p->s;
	qsort(v, k, sizeof(*v), cmp_value);
	for (size_t i = 0; i < p->ns; i++) {
		sn->rank[i] = -1;
		sn->q[i] = q_of(&p->s[i]);
		sn->score[i] = NAN;
	}
	for (size_t i = 0; i < k; i++) {
		const struct state *st = &p->s[v[i]];

		sn->rank[v[i]] = (int64_t)i;
		if (!st->root) {
			nonroot = 1;
			lo = fmin(lo, st->value);
			hi = fmax(hi, st->value);
		}
	}
	if (!nonroot) /* no child yet: the range over every state (the roots) */
		for (size_t i = 0; i < k; i++) {
			lo = fmin(lo, p->s[v[i]].value);
			hi = fmax(hi, p->s[v[i]].value);
		}
	sn->scale = k ? hi - lo : 0;
	if (!(sn->scale >= 1e-6))
		sn->scale = 1e-6;
	/* sum_j (N - rank_j) over ranks 0..N-1 = N (N + 1) / 2 */
	norm = (double)k * (double)(k + 1) / 2;
	for (size_t i = 0; i < k; i++) {
		size_t s = v[i];

		sn->prior[s] = ((double)k - (double)i) / norm;
		sn->score[s] = sn->q[s] + p->o.c * sn->scale * sn->prior[s] *
						  sqrt(1.0 + (double)p->total) /
						  (1.0 + (double)p->s[s].n);
	}
	free(v);
}

static void
snap_release(struct snap *sn)
{
	free(sn->rank);
	free(sn->prior);
	free(sn->q);
	free(sn->score);
}

static void
fill_info(const struct tttd_puct *p, const struct snap *sn, size_t i, struct tttd_puct_info *out)
{
	const struct state *st = &p->s[i];

	out->state = i;
	out->id = st->id;
	out->value = st->value;
	out->q = sn->q[i];
	out->prior = sn->prior[i];
	out->score = sn->score[i];
	out->m = st->has_m ? st->m : NAN;
	out->visits = st->n;
	out->rank = sn->rank[i];
	out->root = st->root;
	out->in_archive = st->in_archive;
	out->parent = st->parent;
}

size_t
tttd_puct_select(struct tttd_puct *p, struct tttd_puct_info *out, size_t max)
{
	struct snap sn;
	size_t k, *v, got = 0;
	unsigned char *picked, *above; /* above: picked or an ancestor of a pick */

	tttd_puct_end_step(p);
	snap_take(p, &sn);
	v = archive_list(p, &k);
	sort_s = p->s;
	sort_score = sn.score;
	qsort(v, k, sizeof(*v), cmp_score);
	picked = xcalloc(p->ns, 1);
	above = xcalloc(p->ns, 1);
	for (size_t i = 0; i < k && got < max; i++) {
		size_t s = v[i], a;

		if (above[s]) /* s is a pick or an ancestor of one */
			continue;
		for (a = p->s[s].parent; a != NONE; a = p->s[a].parent)
			if (picked[a]) /* s descends from a pick */
				break;
		if (a != NONE)
			continue;
		picked[s] = 1;
		for (a = s; a != NONE; a = p->s[a].parent)
			above[a] = 1;
		fill_info(p, &sn, s, &out[got++]);
	}
	free(picked);
	free(above);
	free(v);
	snap_release(&sn);
	return got;
}

int
tttd_puct_info(struct tttd_puct *p, const char *id, struct tttd_puct_info *out)
{
	struct snap sn;
	size_t i = lookup(p, id);

	if (i == NONE)
		return 0;
	snap_take(p, &sn);
	fill_info(p, &sn, i, out);
	snap_release(&sn);
	return 1;
}

int64_t
tttd_puct_total(const struct tttd_puct *p)
{
	return p->total;
}

size_t
tttd_puct_size(const struct tttd_puct *p)
{
	return p->narchive;
}

double
tttd_puct_scale(const struct tttd_puct *p)
{
	struct snap sn;
	double s;

	snap_take(p, &sn);
	s = sn.scale;
	snap_release(&sn);
	return s;
}

int64_t
tttd_puct_last_step(const struct tttd_puct *p)
{
	return p->step;
}

const char *
tttd_puct_root_id(const struct tttd_puct *p, size_t i)
{
	return i < p->o.groups ? p->s[i].id : NULL;
}
