/*
 * test_report.c - what users read: tttd_task_set_bench_shapes (--shape),
 * tttd_format_ns, a run folder written here (two step files, a confirmed
 * best, its A/B) loaded and summarised by lib/report/report.c (evaluations,
 * failures by kind, best so far and where it was found, the run's
 * reference, the confirmed kernel's search-time figures), its SVG and HTML,
 * and the results index (lib/report/results.c): add, the same run again, best with
 * and without the key it needs, the C header.  Run from the repo root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "rec.h"
#include "report.h"
#include "results.h"
#include "stream.h"
#include "task.h"
#include "test.h"

static void
test_shapes(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e;

	T_CHECK("load matmul", tttd_task_load(&t, "kernels/matmul", &e) == TTTD_OK);
	if (!t)
		return;
	T_CHECK("two shapes", tttd_task_set_bench_shapes(t, "64x32x16,7x8x9", &e) == TTTD_OK);
	T_CHECK("n", t->nbench == 2);
	T_CHECK("dims", t->bench[0].dim[0] == 64 && t->bench[0].dim[2] == 16 && t->bench[1].dim[1] == 8);
	T_CHECK("no inputs settings", tttd_shape_inputs(t, &t->bench[1]) == NULL);
	T_CHECK("too few dims", tttd_task_set_bench_shapes(t, "64x32", &e) == TTTD_EINVAL);
	T_CHECK("names the dims", strstr(e.msg, "MxNxK") != NULL);
	T_CHECK("unchanged on error", t->nbench == 2 && t->bench[0].dim[0] == 64);
	T_CHECK("zero", tttd_task_set_bench_shapes(t, "0x1x1", &e) == TTTD_EINVAL);
	T_CHECK("junk", tttd_task_set_bench_shapes(t, "4x4x4q", &e) == TTTD_EINVAL);
	T_CHECK("empty", tttd_task_set_bench_shapes(t, "", &e) == TTTD_EINVAL);
	T_CHECK("empty shape", tttd_task_set_bench_shapes(t, "4x4x4,,", &e) == TTTD_EINVAL);
	T_CHECK("huge", tttd_task_set_bench_shapes(t, "99999999999999x1x1", &e) == TTTD_EINVAL);
	tttd_task_free(t);
}

static void
test_format(void)
{
	char b[32];

	tttd_format_ns(1234567, b, sizeof(b));
	T_CHECK("ms", strcmp(b, "1.235 ms") == 0);
	tttd_format_ns(812345, b, sizeof(b));
	T_CHECK("us", strcmp(b, "812.3 us") == 0);
	tttd_format_ns(4560, b, sizeof(b));
	T_CHECK("small us", strcmp(b, "4.56 us") == 0);
	tttd_format_ns(0, b, sizeof(b));
	T_CHECK("none", strcmp(b, "-") == 0);
}

/* One candidate record as JSON, into a stream. */
static void
put(struct tttd_writer *w, const char *json)
{
	struct tttd_rec r;
	struct tttd_error e;

	tttd_rec_init(&r);
	if (tttd_rec_from_json(&r, json, strlen(json), &e) < 0)
		fprintf(stderr, "bad fixture %s: %s\n", json, e.msg);
	if (!tttd_rec_has(&r, "v"))
		tttd_rec_set_int(&r, "v", 1);
	tttd_writer_write(w, &r, &e);
	tttd_rec_release(&r);
}

#define CAND(id, status, t)                                                                        \
	"{\"kind\":\"candidate\",\"id\":\"" id "\",\"task\":\"matmul\",\"status\":\"" status "\"," \
	"\"time_ns\":" t ",\"ref_ns\":1000.0,\"device\":\"CPU X\",\"source\":\"int k;\\n\","       \
	"\"decisions\":{\"A\":\"x\",\"B\":\"-O3\"},\"timing\":[{\"shape\":[4,5,6],"                \
	"\"median_ns\":" t ",\"ci_lo_ns\":1,\"ci_hi_ns\":2,\"n\":7}]}"

static void
write_run(const char *dir)
{
	struct tttd_writer *w;
	struct tttd_error e;
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "mkdir -p %s/steps %s/best", dir, dir);
	T_CHECK("mkdir", system(p) == 0);
	snprintf(p, sizeof(p), "%s/config", dir);
	f = fopen(p, "w");
	fputs("task=matmul\nseed=1\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/steps/000000.mp", dir);
	tttd_writer_open(&w, p, 0, &e);
	put(w, "{\"kind\":\"parent\",\"id\":\"p\"}");
	put(w, CAND("a", "ok", "500.0"));
	put(w, CAND("b", "wrong", "0"));
	put(w, CAND("c", "ok", "300.0"));
	tttd_writer_close(w, &e);
	snprintf(p, sizeof(p), "%s/steps/000001.mp", dir);
	tttd_writer_open(&w, p, 0, &e);
	put(w, CAND("d", "timeout", "0"));
	put(w, CAND("e", "ok", "250.0"));
	put(w, CAND("f", "ok", "400.0"));
	tttd_writer_close(w, &e);
	/* The A/B: e and c re-measured; c came out faster, so c is the confirmed best. */
	snprintf(p, sizeof(p), "%s/best/confirm.jsonl", dir);
	f = fopen(p, "w");
	fputs("{\"kind\":\"candidate\",\"id\":\"e\",\"status\":\"ok\",\"time_ns\":270.0,\"ref_ns\":990.0,"
	      "\"speedup\":3.6667}\n"
	      "{\"kind\":\"candidate\",\"id\":\"c\",\"status\":\"ok\",\"time_ns\":260.0,\"ref_ns\":1010.0,"
	      "\"speedup\":3.8846}\n",
	      f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/best/record.json", dir);
	f = fopen(p, "w");
	fputs("{\"kind\":\"candidate\",\"id\":\"c\",\"task\":\"matmul\",\"status\":\"ok\",\n"
	      " \"time_ns\":260.0,\"ref_ns\":1010.0,\"speedup\":3.8846,\"device\":\"CPU X\",\n"
	      " \"target\":\"cpu\",\"cflags\":\"-O3\",\"source\":\"#define A x\\n#define A_x 1\\nint k;\\n\",\n"
	      " \"decisions\":{\"A\":\"x\",\"B\":\"-O3\"},\n"
	      " \"timing\":[{\"shape\":[4,5,6],\"median_ns\":260.0,\"ci_lo_ns\":250,\"ci_hi_ns\":270,\"n\":40,\n"
	      "   \"baseline_ns\":300.0,\"baseline_ratio\":1.1538,\"baseline_ratio_ci\":[1.1,1.2]}]}\n",
	      f);
	fclose(f);
}

static void
test_run(const char *dir)
{
	struct tttd_run *run = NULL;
	struct tttd_error e;
	struct tttd_env env = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	write_run(dir);
	T_CHECK("load", tttd_run_load(&run, dir, &e) == TTTD_OK);
	if (!run)
		fprintf(stderr, "%s\n", e.msg);
	if (!run)
		return;
	T_CHECK("task", run->task && strcmp(run->task, "matmul") == 0);
	T_CHECK("evaluations: candidates only", run->neval == 6 && run->nok == 4);
	T_CHECK("steps", run->nsteps == 2 && run->steps[1].first_eval == 4);
	T_CHECK("failures", run->nfail == 2 && run->fail[0].n == 1);
	T_CHECK("best", run->best_eval == 5 && run->best_step == 1 && run->eval_ns[4] == 250);
	T_CHECK("best so far after step 0", run->steps[0].best_so_far_ns == 300 &&
						    run->steps[0].best_so_far_eval == 3);
	T_CHECK("run reference", run->ref_ns == 1000);
	T_CHECK("confirmed", run->have_confirmed && run->nab == 2 && run->confirmed_ab == 2);
	T_CHECK("the confirmed kernel's search time", run->ab[1].search_ns == 300 && run->ab[1].eval == 3 &&
							      run->ab[1].step == 0);

	env.cpu = "CPU X";
	env.cc = "cc 1.0";
	env.commit = "abc";
	env.date = "2026-01-01T00:00:00Z";
	env.version = "0.1.0";
	f = open_memstream(&buf, &len);
	tttd_report_md(run, &env, f);
	fclose(f);
	T_CHECK("md: confirmed time", strstr(buf, "| best time (geomean of per-shape medians) | 0.26 us, re-measured") != NULL);
	T_CHECK("md: found", strstr(buf, "| found | evaluation 3 of 6 (step 0), timed 0.30 us then |") != NULL);
	T_CHECK("md: A/B", strstr(buf, "| c (best) | 0.30 us (evaluation 3) | 0.26 us | 1.01 us | 3.88x |") != NULL);
	T_CHECK("md: run reference", strstr(buf, "| the run's reference (measured once, first step) | 1.00 us: 3.85x |") != NULL);
	T_CHECK("md: machine", strstr(buf, "| CPU | CPU X |") && strstr(buf, "| tttd | 0.1.0, commit abc |"));
	T_CHECK("md: no GPU", strstr(buf, "| GPU | none found |") != NULL);
	/* A shape timed beside a baseline (--paired) shows it and the ratio's interval. */
	T_CHECK("md: baseline columns",
		strstr(buf, "| shape | median | 95% CI of the median | n | baseline | baseline / this [95% CI] |") != NULL);
	T_CHECK("md: baseline and ratio interval",
		strstr(buf, "| 4x5x6 | 0.26 us | 0.25 us - 0.27 us | 40 | 0.30 us | 1.154 [1.100, 1.200] |") != NULL);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	tttd_report_html(run, &env, f);
	fclose(f);
	T_CHECK("html: title", strstr(buf, "<title>tttd: matmul (") != NULL);
	T_CHECK("html: svg inline", strstr(buf, "<svg") && strstr(buf, "</svg>"));
	T_CHECK("html: source escaped", strstr(buf, "#define A x") != NULL);
	T_CHECK("html: shape row", strstr(buf, "<td>4x5x6</td>") != NULL);
	T_CHECK("html: baseline ratio", strstr(buf, "<td class=\"n\">1.154 [1.100, 1.200]</td>") != NULL);
	T_CHECK("html: ends", strstr(buf, "</html>") != NULL);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	T_CHECK("summary", tttd_report_summary(run, &env, f, &e) == TTTD_OK);
	fclose(f);
	T_CHECK("summary: found at", strstr(buf, "\"best_found_at_evaluation\": 5") != NULL);
	T_CHECK("summary: failures", strstr(buf, "\"timeout\": 1") != NULL);
	free(buf);
	T_CHECK("write", tttd_report_write(run, &env, dir, &e) == TTTD_OK);
	tttd_run_free(run);
	T_CHECK("no such run", tttd_run_load(&run, "/nonexistent/run", &e) == TTTD_ENOENT);
}

static void
test_results(const char *dir)
{
	char db_path[512], *h, *path;
	struct tttd_results *db = NULL;
	struct tttd_results_query q = { "matmul", NULL, NULL, NULL };
	struct tttd_result r;
	struct tttd_error e;
	struct tttd_env env = { 0 };
	struct tttd_rec rec;
	char *text;
	size_t len;

	snprintf(db_path, sizeof(db_path), "%s/db/results.db", dir);
	T_CHECK("open missing, no create", tttd_results_open(&db, db_path, 0, &e) == TTTD_ENOENT);
	T_CHECK("create", tttd_results_open(&db, db_path, 1, &e) == TTTD_OK);
	if (!db)
		return;
	path = xasprintf("%s/best/record.json", dir);
	T_CHECK("read record", tttd_read_file(path, &text, &len) == 0);
	tttd_rec_init(&rec);
	T_CHECK("parse record", tttd_rec_from_json(&rec, text, len, &e) == TTTD_OK);
	env.version = "0.1.0";
	env.commit = "abc";
	env.date = "2026-01-01T00:00:00Z";
	T_CHECK("shape key", (h = tttd_results_shape_key(&rec)) && strcmp(h, "4x5x6") == 0);
	free(h);
	T_CHECK("add", tttd_results_add(db, &rec, "/runs/one", &env, &e) == TTTD_OK);
	T_CHECK("add again", tttd_results_add(db, &rec, "/runs/one", &env, &e) == TTTD_OK);
	T_CHECK("best", tttd_results_best(db, &q, &r, &e) == 1);
	T_CHECK("best row", r.time_ns == 260 && strcmp(r.shape, "4x5x6") == 0 && strcmp(r.device, "CPU X") == 0);
	h = tttd_result_header(&r);
	T_CHECK("header defines", strstr(h, "#define A x\n#define A_x 1\n#define B -O3\n") != NULL);
	T_CHECK("header guard", strstr(h, "#ifndef TTTD_BEST_MATMUL_H") != NULL);
	free(h);
	tttd_result_release(&r);
	/* Another device: best must ask which. */
	tttd_rec_set_str(&rec, "device", "GPU Y");
	tttd_rec_set_double(&rec, "time_ns", 5);
	T_CHECK("add other device", tttd_results_add(db, &rec, "/runs/two", &env, &e) == TTTD_OK);
	T_CHECK("ambiguous", tttd_results_best(db, &q, &r, &e) == TTTD_EINVAL);
	T_CHECK("names --device", strstr(e.msg, "--device") && strstr(e.msg, "'CPU X'") && strstr(e.msg, "'GPU Y'"));
	q.device = "GPU Y";
	T_CHECK("best on GPU Y", tttd_results_best(db, &q, &r, &e) == 1 && r.time_ns == 5);
	tttd_result_release(&r);
	q.task = "nosuch";
	T_CHECK("none", tttd_results_best(db, &q, &r, &e) == 0);
	tttd_rec_del(&rec, "timing");
	T_CHECK("no timing refused", tttd_results_add(db, &rec, "/runs/three", &env, &e) == TTTD_EFORMAT);
	tttd_rec_release(&rec);
	free(text);
	free(path);
	tttd_results_close(db);
}

int
main(void)
{
	char dir[] = "/tmp/tttd-test-report.XXXXXX", cmd[600];

	test_shapes();
	test_format();
	if (!mkdtemp(dir))
		return 1;
	test_run(dir);
	test_results(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return T_DONE();
}
