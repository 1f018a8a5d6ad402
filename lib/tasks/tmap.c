/*
 * tmap.c - resolve and check a task's tensor map at a shape (tmap.h).  The
 * limits are those of cuTensorMapEncodeTiled for a 2-D, non-interleaved map
 * (CUDA driver API reference); they are checked here so that the message
 * names the task line and the rule.
 */
#include "tmap.h"

int
tttd_tmap_resolve(const struct tttd_task *t, const struct tttd_tmap_spec *m,
		  const struct tttd_shape *s, const int *choice, struct tttd_tmap_geom *g,
		  struct tttd_error *e)
{
	long rows = tttd_task_eval(t, m->rows, s, choice);
	long cols = tttd_task_eval(t, m->cols, s, choice);
	long ld = m->ld ? tttd_task_eval(t, m->ld, s, choice) : cols;
	long off = m->off ? tttd_task_eval(t, m->off, s, choice) : 0;
	long br = tttd_task_eval(t, m->box_rows, s, choice);
	long bc = tttd_task_eval(t, m->box_cols, s, choice);
	long sw = m->swizzle ? tttd_task_eval(t, m->swizzle, s, choice) : 0;
	long count = tttd_task_eval_shape(t, t->buf[m->buf].count, s);
	uint64_t es = tttd_dtype_size(t->buf[m->buf].dtype);

	if (rows < 1 || cols < 1 || rows > 0xffffffffL || cols > 0xffffffffL)
		return tttd_error_set(e, TTTD_EINVAL, "tensor map '%s' (task line %d): %ld x %ld elements",
				      m->name, m->line, rows, cols);
	if (ld < cols || off < 0)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): ld %ld, offset %ld for %ld columns",
				      m->name, m->line, ld, off, cols);
	if ((uint64_t)ld * es % 16 || (uint64_t)ld * es >= (1ull << 40))
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): row stride %llu bytes is not a "
				      "multiple of 16 below 2^40",
				      m->name, m->line, (unsigned long long)((uint64_t)ld * es));
	if ((uint64_t)off * es % 16)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): offset %ld elements is not 16-byte "
				      "aligned",
				      m->name, m->line, off);
	if ((__int128)off + (__int128)(rows - 1) * ld + cols > count)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): %ld x %ld (ld %ld, offset %ld) "
				      "reaches past buffer '%s' (count %ld)",
				      m->name, m->line, rows, cols, ld, off, t->buf[m->buf].name, count);
	if (br < 1 || br > 256 || bc < 1 || bc > 256 || (uint64_t)bc * es % 16)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): box %ld x %ld (1..256 each, "
				      "a row a multiple of 16 bytes)",
				      m->name, m->line, br, bc);
	if (sw != 0 && sw != 32 && sw != 64 && sw != 128)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): swizzle %ld (0, 32, 64 or 128)",
				      m->name, m->line, sw);
	if (sw && (uint64_t)bc * es > (uint64_t)sw)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): a box row of %llu bytes exceeds "
				      "the %ld-byte swizzle",
				      m->name, m->line,
				      (unsigned long long)((uint64_t)bc * es), sw);
	g->buf = m->buf;
	g->dtype = t->buf[m->buf].dtype;
	g->esize = es;
	g->rows = (uint64_t)rows;
	g->cols = (uint64_t)cols;
	g->ld_bytes = (uint64_t)ld * es;
	g->off_bytes = (uint64_t)off * es;
	g->box_rows = (uint32_t)br;
	g->box_cols = (uint32_t)bc;
	g->swizzle = (int)sw;
	return TTTD_OK;
}
