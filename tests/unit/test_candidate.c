/*
 * test_candidate.c - the typed view of a candidate record (candidate.h):
 * each key read with its type, an absent key a clear bit of has, a key of
 * the wrong type a set bit of bad (never a value), and a record that is not
 * a candidate said to be one by nothing.
 */
#include <string.h>

#include "candidate.h"
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
	T_CHECK("status is ok", tttd_cand_status_is(&c, "ok") && !tttd_cand_status_is(&c, "o"));
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
	T_CHECK("status: bad, matches nothing", c.bad & TTTD_CAND_STATUS &&
							!tttd_cand_status_is(&c, "ok"));
	T_CHECK("time_ns: bad, 0", c.bad & TTTD_CAND_TIME_NS && c.time_ns == 0);
	T_CHECK("step: bad, 0", c.bad & TTTD_CAND_STEP && c.step == 0);
	T_CHECK("id: absent, not bad", !(c.bad & TTTD_CAND_ID) && !(c.has & TTTD_CAND_ID));
	tttd_cand_release(&c);
	tttd_rec_release(&r);
}

int
main(void)
{
	check_full();
	check_wrong_types();
	return T_DONE();
}
