/*
 * tests/pipeline/gemm_streamk.cu - kernels/gemm's stream-K schedule (HSK),
 * checked on the CPU: gemm_tma's own hs_init, hs_next and hsk_part_after,
 * compiled as host code by nvcc (gemm_streamk.sh builds this once per HSK
 * value), over many (tiles, clusters, k-tiles) triples including the bench
 * shapes' ones.  For each it asserts what the kernel's correctness rests on:
 * every (tile, k-tile) is run by exactly one cluster; a segment that starts
 * past k = 0 is its cluster's first (a writer publishes before it can wait on
 * anything) and each cluster publishes at most one (one workspace slot); the
 * parts a head waits for are exactly the parts written for its tile, all by
 * higher clusters (waits point one way: no cycle); and without stream-K the
 * walk is the old one (tile cid, then + ncl).  It also prints, for the bench
 * shapes, the k-tiles of the busiest cluster with and without stream-K.
 * Exit 1 on the first failure, naming the triple.
 */
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../../kernels/gemm/kernel.cu"

static int fails;

#define FAIL(...)                                                                        \
	do {                                                                             \
		if (fails++ < 10) {                                                      \
			printf("FAIL HSK=%d ntile %ld ncl %ld KT %d: ", HSK, ntile, ncl, KT); \
			printf(__VA_ARGS__);                                             \
			printf("\n");                                                    \
		}                                                                        \
	} while (0)

/* One schedule; @return the k-tiles of the busiest cluster. */
static long
check(long ntile, long ncl, int KT, int sk)
{
	std::vector<int> runs((size_t)(ntile * KT), 0);
	std::vector<long> writer_of_tile((size_t)ntile, -1), nparts((size_t)ntile, 0);
	std::vector<std::vector<long>> parts((size_t)ntile);
	long most = 0;

	for (long cid = 0; cid < ncl; cid++) {
		struct hsched h;
		long ct, n = 0, work = 0, nexp = cid;
		int k0, k1, published = 0;

		hs_init(&h, ntile, ncl, cid, KT, sk);
		while (hs_next(&h, ntile, ncl, KT, &ct, &k0, &k1)) {
			if (ct < 0 || ct >= ntile || k0 < 0 || k1 > KT || k0 >= k1) {
				FAIL("cluster %ld: bad segment tile %ld [%d, %d)", cid, ct, k0, k1);
				return 0;
			}
			for (int k = k0; k < k1; k++)
				runs[(size_t)(ct * KT + k)]++;
			work += k1 - k0;
			if (!(HSK > 0 && sk)) { /* the old walk */
				if (ct != nexp || k0 != 0 || k1 != KT)
					FAIL("cluster %ld: segment %ld is tile %ld [%d, %d), want tile %ld whole", cid,
					     n, ct, k0, k1, nexp);
				nexp += ncl;
			}
			if (k0 > 0) {
				if (n != 0)
					FAIL("cluster %ld: a part (tile %ld from k %d) as segment %ld, not its first",
					     cid, ct, k0, n);
				if (published++)
					FAIL("cluster %ld publishes twice", cid);
				parts[(size_t)ct].push_back(cid);
			} else if (k1 < KT) {
				long c, prev = cid;

				if (writer_of_tile[(size_t)ct] >= 0)
					FAIL("tile %ld has two heads", ct);
				writer_of_tile[(size_t)ct] = cid;
				for (c = hsk_part_after(&h, cid, ct, KT, ncl); c >= 0;
				     c = hsk_part_after(&h, c, ct, KT, ncl)) {
					if (c <= prev)
						FAIL("head %ld of tile %ld waits on cluster %ld after %ld", cid, ct, c,
						     prev);
					prev = c;
					nparts[(size_t)ct]++;
				}
			}
			n++;
		}
		if (!(HSK > 0 && sk) && nexp < ntile)
			FAIL("cluster %ld stopped before tile %ld", cid, nexp);
		most = work > most ? work : most;
	}
	for (long i = 0; i < ntile * KT; i++)
		if (runs[(size_t)i] != 1) {
			FAIL("tile %ld k-tile %ld run %d times", i / KT, i % KT, runs[(size_t)i]);
			break;
		}
	for (long t = 0; t < ntile; t++) {
		long head = writer_of_tile[(size_t)t];
		size_t np = parts[(size_t)t].size();

		if (head < 0 && np)
			FAIL("tile %ld: %zu parts and no head", t, np);
		if (head >= 0 && (np == 0 || (long)np != nparts[(size_t)t]))
			FAIL("tile %ld: head %ld waits for %ld parts, %zu written", t, head, nparts[(size_t)t], np);
		for (size_t j = 0; j < np; j++) /* written in cluster order: check they follow the head */
			if (parts[(size_t)t][j] <= head)
				FAIL("tile %ld: part from cluster %ld at or below head %ld", t, parts[(size_t)t][j], head);
		/* The same clusters the head enumerates (both ascending). */
		if (head >= 0) {
			struct hsched h;
			size_t j = 0;

			hs_init(&h, ntile, ncl, head, KT, sk);
			for (long c = hsk_part_after(&h, head, t, KT, ncl); c >= 0; c = hsk_part_after(&h, c, t, KT, ncl), j++)
				if (j >= np || parts[(size_t)t][j] != c)
					FAIL("tile %ld: head waits on cluster %ld, not a writer", t, c);
		}
	}
	return most;
}

int
main(void)
{
	static const long ncls[] = { 1, 2, 3, 5, 7, 16, 33, 60, 65, 66, 131, 132 };
	static const int kts[] = { 1, 2, 3, 8, 9, 64 };
	long n = 0;

	for (long ncl : ncls)
		for (int KT : kts)
			for (long ntile = ncl; ntile <= 4 * ncl + 7; ntile++) {
				check(ntile, ncl, KT, 1);
				check(ntile, ncl, KT, 0);
				n += 2;
			}
	/* The bench shapes on 132 SMs: 4096^3 and 8192^3 at 256 x 128 (HCL 2 and 1), 128 x 256. */
	static const long bench[][3] = { { 256, 66, 64 }, { 512, 132, 64 }, { 1024, 66, 128 }, { 2048, 132, 128 } };
	for (auto &b : bench) {
		long dp = check(b[0], b[1], (int)b[2], 0), skw = check(b[0], b[1], (int)b[2], 1);

		printf("HSK=%d tiles %ld clusters %ld KT %ld: busiest cluster %ld k-tiles (data-parallel %ld, %.3f)\n",
		       HSK, b[0], b[1], b[2], skw, dp, (double)skw / dp);
		n += 2;
	}
	printf("%ld schedules, %d failures\n", n, fails);
	return fails != 0;
}
