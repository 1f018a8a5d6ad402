/*
 * test_candidate.c - the typed view of a candidate record (candidate.h):
 * each key read with its type, an absent key a clear bit of has, a key of
 * the wrong type a set bit of bad (never a value), and a record that is not
 * a candidate said to be one by nothing; every status of docs/schema.md a
 * value of its own and back, and any other status TTTD_ST_OTHER.
 */
#include <string.h>

#include "candidate.h"
#include "schema.h" /* defines: tttd_schema_find */
#include "test.h"

static void
check_full(void)
{
	struct tttd_rec r;
	struct tttd_cand c;

	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "candidate");
	tttd_rec_set_str(&r, "id", "abc");
	tttd_rec_set_str(&r, "parent", "root");
	tttd_rec_set_str(&r, "task", "matmul");
	tttd_rec_set_str(&r, "status", "ok");
	tttd_rec_set_str(&r, "group", "g1");
	tttd_rec_set_int(&r, "step", 7);
	tttd_rec_set_double(&r, "time_ns", 1500.5);
	tttd_rec_set_int(&r, "ref_ns", 3001); /* an int where a double is read */
	tttd_rec_set_double(&r, "speedup", 2.0);
	tttd_rec_set_bin(&r, "object", "\x7f"
				       "ELF",
			 4);
	tttd_cand_read(&c, &r);
	T_CHECK("a candidate", c.candidate);
	T_CHECK("id", c.id && strcmp(c.id, "abc") == 0);
	T_CHECK("parent", c.parent && strcmp(c.parent, "root") == 0);
	T_CHECK("task", c.task && strcmp(c.task, "matmul") == 0);
	T_CHECK("status is ok", c.st == TTTD_ST_OK && strcmp(c.status, "ok") == 0);
	T_CHECK("not a parent record", !c.parent_kind);
	T_CHECK("group", c.group && strcmp(c.group, "g1") == 0);
	T_CHECK("step", c.step == 7 && c.has & TTTD_CAND_STEP);
	T_NEAR("time_ns", c.time_ns, 1500.5, 0);
	T_NEAR("ref_ns from an int", c.ref_ns, 3001, 0);
	T_NEAR("speedup", c.speedup, 2.0, 0);
	T_CHECK("object present", c.has & TTTD_CAND_OBJECT);
	T_CHECK("absent keys: no bits, NULL", !(c.has & (TTTD_CAND_SOURCE | TTTD_CAND_TARGET)) &&
						      !c.source && !c.target && !c.reason);
	T_CHECK("nothing of the wrong type", c.bad == 0);
	tttd_cand_release(&c);
	T_CHECK("release clears", !c.id && !c.task && c.has == 0);
	tttd_cand_release(&c); /* twice: a zeroed struct */
	tttd_rec_release(&r);
}

static void
check_wrong_types(void)
{
	struct tttd_rec r;
	struct tttd_cand c;

	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "metrics");
	tttd_rec_set_int(&r, "target", 3);
	tttd_rec_set_int(&r, "status", 1);
	tttd_rec_set_str(&r, "time_ns", "fast");
	tttd_rec_set_str(&r, "step", "7");
	tttd_cand_read(&c, &r);
	T_CHECK("not a candidate", !c.candidate);
	T_CHECK("target: bad, no value", c.bad & TTTD_CAND_TARGET && !c.target &&
						 !(c.has & TTTD_CAND_TARGET));
	T_CHECK("status: bad, other, no string", c.bad & TTTD_CAND_STATUS &&
							 c.st == TTTD_ST_OTHER && !c.status);
	T_CHECK("time_ns: bad, 0", c.bad & TTTD_CAND_TIME_NS && c.time_ns == 0);
	T_CHECK("step: bad, 0", c.bad & TTTD_CAND_STEP && c.step == 0);
	T_CHECK("id: absent, not bad", !(c.bad & TTTD_CAND_ID) && !(c.has & TTTD_CAND_ID));
	tttd_cand_release(&c);
	tttd_rec_release(&r);
}

/* A parent record of tttd-select: its kind, rank, seed and policy; no status. */
static void
check_parent(void)
{
	struct tttd_rec r;
	struct tttd_cand c;

	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "parent");
	tttd_rec_set_int(&r, "rank", 3);
	tttd_rec_set_int(&r, "seed", -5);
	tttd_rec_set_str(&r, "policy", "mlp-1");
	tttd_cand_read(&c, &r);
	T_CHECK("a parent, not a candidate", c.parent_kind && !c.candidate);
	T_CHECK("rank", c.has & TTTD_CAND_RANK && c.rank == 3);
	T_CHECK("seed", c.has & TTTD_CAND_SEED && c.seed == -5);
	T_CHECK("policy", c.has & TTTD_CAND_POLICY && strcmp(c.policy, "mlp-1") == 0);
	T_CHECK("no status: NONE", c.st == TTTD_ST_NONE && !(c.has & TTTD_CAND_STATUS));
	tttd_cand_release(&c);
	tttd_rec_set_str(&r, "rank", "first");
	tttd_cand_read(&c, &r);
	T_CHECK("rank of the wrong type: bad, 0", c.bad & TTTD_CAND_RANK && c.rank == 0);
	tttd_cand_release(&c);
	tttd_rec_release(&r);
}

/*
 * The status values and the schema's list of status strings (lib/records/schema.c,
 * which test_schema keeps beside docs/schema.md) name the same statuses:
 * every word of the list but its glue ("or a failure") has a value that
 * names it back, no two the same, and every value is in the list.
 */
static void
check_status(void)
{
	const struct tttd_schema_key *k = tttd_schema_find("status");
	const char *p = k ? k->meaning : "";
	int seen[TTTD_ST_OTHER + 1] = { 0 }, all = 1, distinct = 1, covered = 1, i;
	struct tttd_rec r;
	struct tttd_cand c;

	while (*p) {
		char w[64];
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		enum tttd_status st;

		if (!n) {
			p++;
			continue;
		}
		snprintf(w, sizeof(w), "%.*s", (int)n, p);
		p += n;
		if (!strcmp(w, "or") || !strcmp(w, "a") || !strcmp(w, "failure"))
			continue;
		st = tttd_status_of(w);
		if (st == TTTD_ST_OTHER || strcmp(tttd_status_name(st), w) != 0) {
			fprintf(stderr, "  schema status '%s' has no value\n", w);
			all = 0;
		} else if (seen[st]++) {
			distinct = 0;
		}
	}
	T_CHECK("every schema status has a value that names it back", k && all);
	T_CHECK("no two share a value", distinct);
	for (i = TTTD_ST_NONE + 1; i < TTTD_ST_OTHER; i++)
		if (!seen[i]) {
			fprintf(stderr, "  value %d ('%s') is not in the schema\n", i,
				tttd_status_name((enum tttd_status)i));
			covered = 0;
		}
	T_CHECK("every value is a schema status", covered);
	T_CHECK("an unknown status: OTHER", tttd_status_of("OK") == TTTD_ST_OTHER &&
						    tttd_status_of("") == TTTD_ST_OTHER);
	T_CHECK("no string: NONE", tttd_status_of(NULL) == TTTD_ST_NONE);
	T_CHECK("NONE and OTHER have no name",
		!tttd_status_name(TTTD_ST_NONE) && !tttd_status_name(TTTD_ST_OTHER));
	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "candidate");
	tttd_rec_set_str(&r, "status", "exploded");
	tttd_cand_read(&c, &r);
	T_CHECK("an unknown status on a record: OTHER, string kept",
		c.st == TTTD_ST_OTHER && strcmp(c.status, "exploded") == 0);
	tttd_cand_release(&c);
	tttd_rec_release(&r);
}

/* The search's cost under each objective: what score, select and screen rank by. */
static void
check_cost(void)
{
	struct tttd_cand c;
	struct tttd_rec r;
	char why[200] = "";
	double cost = -1;

	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "candidate");
	tttd_rec_set_str(&r, "status", "ok");
	tttd_rec_set_double(&r, "time_ns", 2500);
	tttd_cand_read(&c, &r);
	T_CHECK("time: microseconds", tttd_cand_cost(&c, TTTD_OBJ_TIME, &cost, why, sizeof(why)) == 1 &&
					      cost == 2.5);
	T_CHECK("baseline without a ratio: an error naming it",
		tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == -1 &&
			strstr(why, "'baseline_ratio'") && strstr(why, "--paired"));
	tttd_cand_release(&c);
	tttd_rec_set_double(&r, "baseline_ratio", 1.25);
	tttd_cand_read(&c, &r);
	T_CHECK("baseline: the time over the baseline's",
		tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == 1 && cost == 0.8);
	tttd_cand_release(&c);
	tttd_rec_set_double(&r, "baseline_ratio", 0);
	tttd_cand_read(&c, &r);
	T_CHECK("a ratio of 0: refused", tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == -1 &&
						 strstr(why, "positive and finite") && cost == 0);
	tttd_cand_release(&c);
	tttd_rec_set_double(&r, "baseline_ratio", 1e-320); /* 1 / x is infinite */
	tttd_cand_read(&c, &r);
	T_CHECK("a ratio whose cost overflows: refused",
		tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == -1);
	tttd_cand_release(&c);
	tttd_rec_set_str(&r, "baseline_ratio", "1.2");
	tttd_cand_read(&c, &r);
	T_CHECK("a ratio of the wrong type: missing",
		c.bad & TTTD_CAND_BASELINE_RATIO &&
			tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == -1);
	tttd_cand_release(&c);
	tttd_rec_set_str(&r, "status", "wrong");
	tttd_rec_del(&r, "time_ns");
	tttd_cand_read(&c, &r);
	T_CHECK("a failure has no cost, under either objective",
		tttd_cand_cost(&c, TTTD_OBJ_TIME, &cost, why, sizeof(why)) == 0 && cost == 0 &&
			tttd_cand_cost(&c, TTTD_OBJ_BASELINE, &cost, why, sizeof(why)) == 0);
	tttd_cand_release(&c);
	T_CHECK("names in enum order", strcmp(tttd_objective_names[TTTD_OBJ_TIME], "time") == 0 &&
					       strcmp(tttd_objective_names[TTTD_OBJ_BASELINE], "baseline") == 0 &&
					       !tttd_objective_names[2]);
	tttd_rec_release(&r);
}

int
main(void)
{
	check_full();
	check_wrong_types();
	check_parent();
	check_status();
	check_cost();
	return T_DONE();
}
