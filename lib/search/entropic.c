/*
 * entropic.c - adaptive-beta entropic advantages, the mean baseline and
 * constant-group dropping, as in TTT-Discover's compute_advantages
 * (reference/ttt-discover.md 2.1, 2.2), with the KL target capped for
 * groups smaller than 4 (entropic.h, TTTD_ENTROPIC_SMALL_GROUP).
 *
 * It does not read rewards from records or decide what a reward is: that is
 * tttd-score's job.  It never prints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entropic.h"

static double
max_of(const double *r, size_t k)
{
	double m = r[0];

	for (size_t i = 1; i < k; i++)
		if (r[i] > m)
			m = r[i];
	return m;
}

double
tttd_entropic_kl(const double *r, size_t k, double beta)
{
	double m, lse = 0, kl = 0;

	if (k < 2)
		return 0;
	m = max_of(r, k);
	/* log sum_j exp(beta (r_j - m)): every term <= 1 and the max is 1, so no overflow */
	for (size_t i = 0; i < k; i++)
		lse += exp(beta * (r[i] - m));
	lse = log(lse);
	for (size_t i = 0; i < k; i++) {
		double lq = beta * (r[i] - m) - lse; /* log q_i, finite even when q_i underflows */
		kl += exp(lq) * (lq + log((double)k));
	}
	return kl;
}

double
tttd_entropic_target(size_t k)
{
	double cap;

	if (k < 2)
		return 0;
	cap = TTTD_ENTROPIC_SMALL_GROUP * log((double)k);
	return cap < TTTD_ENTROPIC_DELTA ? cap : TTTD_ENTROPIC_DELTA;
}

double
tttd_entropic_beta(const double *r, size_t k, double delta)
{
	double lo = 0, hi = 1;

	if (k < 2)
		return 0;
	if (tttd_entropic_kl(r, k, hi) < delta) {
		while (tttd_entropic_kl(r, k, hi) < delta && hi < TTTD_ENTROPIC_BETA_CAP)
			hi *= 2;
		/*
		 * The cap was hit without reaching delta (constant rewards, or
		 * a spread too small to tilt): best effort, as in the paper.
		 * Bisecting would return hi unchanged anyway.
		 */
		if (tttd_entropic_kl(r, k, hi) < delta)
			return hi;
	}
	for (int it = 0; it < TTTD_ENTROPIC_BISECT; it++) {
		double mid = 0.5 * (lo + hi);

		if (tttd_entropic_kl(r, k, mid) < delta)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

void
tttd_entropic_advantages(const double *r, size_t k, double beta, double *adv)
{
	double m, sum = 0;

	if (k == 0)
		return;
	m = max_of(r, k);
	for (size_t i = 0; i < k; i++) {
		adv[i] = exp(beta * (r[i] - m)); /* e_i, kept in adv until the end */
		sum += adv[i];
	}
	for (size_t i = 0; i < k; i++) {
		double e = adv[i];
		double z = k == 1 ? e : (sum - e) / (double)(k - 1);

		adv[i] = e / (z + 1e-12) - 1;
	}
}

void
tttd_mean_baseline(const double *r, size_t k, double *adv)
{
	double mean = 0;

	if (k == 0)
		return;
	for (size_t i = 0; i < k; i++)
		mean += r[i];
	mean /= (double)k;
	for (size_t i = 0; i < k; i++)
		adv[i] = r[i] - mean;
}

int
tttd_advantages_batch(const double *r, const size_t *grp, size_t n, size_t ngroups,
		      enum tttd_estimator est, double *adv, double *beta,
		      unsigned char *dropped, struct tttd_error *e)
{
	size_t *start, *member;
	unsigned char *constant;
	double *gr, *ga;
	size_t kept = 0, nconst = 0;

	TTTD_RETURN_IF(est != TTTD_EST_ENTROPIC && est != TTTD_EST_MEAN, e, TTTD_EINVAL,
		       "unknown advantage estimator %d", (int)est);
	for (size_t i = 0; i < n; i++)
		TTTD_RETURN_IF(grp[i] >= ngroups, e, TTTD_EINVAL,
			       "item %zu: group label %zu out of range (%zu groups)", i, grp[i],
			       ngroups);
	if (n == 0)
		return 0;

	/* Counting sort of item indices by group: member[start[g]..start[g+1]). */
	start = xcalloc(ngroups + 1, sizeof(*start));
	member = xmalloc(n * sizeof(*member));
	constant = xcalloc(ngroups, 1);
	gr = xmalloc(n * sizeof(*gr));
	ga = xmalloc(n * sizeof(*ga));
	for (size_t i = 0; i < n; i++)
		start[grp[i] + 1]++;
	for (size_t g = 0; g < ngroups; g++)
		start[g + 1] += start[g];
	{
		size_t *fill = xmalloc(ngroups * sizeof(*fill));

		memcpy(fill, start, ngroups * sizeof(*fill));
		for (size_t i = 0; i < n; i++)
			member[fill[grp[i]]++] = i;
		free(fill);
	}

	for (size_t g = 0; g < ngroups; g++) {
		size_t a = start[g], b = start[g + 1];

		if (a == b)
			continue; /* a label with no items: not a group */
		constant[g] = 1;
		for (size_t j = a + 1; j < b; j++)
			if (r[member[j]] != r[member[a]])
				constant[g] = 0;
		nconst += constant[g];
	}
	/* Every non-empty group constant: keep the group of item 0 (paper 2.2). */
	if (nconst > 0) {
		size_t nonempty = 0;

		for (size_t g = 0; g < ngroups; g++)
			nonempty += start[g] != start[g + 1];
		if (nconst == nonempty)
			constant[grp[0]] = 0;
	}

	for (size_t g = 0; g < ngroups; g++) {
		size_t a = start[g], b = start[g + 1], k = b - a;
		double bt = NAN;

		if (k == 0)
			continue;
		if (constant[g]) {
			for (size_t j = a; j < b; j++) {
				adv[member[j]] = NAN;
				if (beta)
					beta[member[j]] = NAN;
				dropped[member[j]] = 1;
			}
			continue;
		}
		kept++;
		for (size_t j = a; j < b; j++)
			gr[j - a] = r[member[j]];
		if (est == TTTD_EST_ENTROPIC) {
			bt = tttd_entropic_beta(gr, k, tttd_entropic_target(k));
			tttd_entropic_advantages(gr, k, bt, ga);
		} else {
			tttd_mean_baseline(gr, k, ga);
		}
		for (size_t j = a; j < b; j++) {
			adv[member[j]] = ga[j - a];
			if (beta)
				beta[member[j]] = bt;
			dropped[member[j]] = 0;
		}
	}
	free(start);
	free(member);
	free(constant);
	free(gr);
	free(ga);
	return (int)kept;
}
