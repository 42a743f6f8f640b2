// Least squares for the soak's samples: small enough to write out (three unknowns at most, solved
// from the normal equations), which keeps the benchmark free of a numeric package.

/** Solves A x = b for a small square A by Gaussian elimination with partial pivoting; null if singular. */
function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r][c] / M[c][c];
      for (let j = c; j <= n; j++) M[r][j] -= k * M[c][j];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

/**
 * y ~ x0 + sum_k coef_k * xs_k over the rows; returns { coef: [intercept, ...], r2 } or null when
 * the regressors do not vary independently (e.g. a run too short to have both phases).
 */
export function linearFit(rows, y, xs) {
  const X = rows.map((r) => [1, ...xs.map((f) => f(r))]);
  const Y = rows.map(y);
  const k = X[0].length;
  const XtX = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) =>
    X.reduce((s, row) => s + row[i] * row[j], 0)));
  const XtY = Array.from({ length: k }, (_, i) => X.reduce((s, row, n) => s + row[i] * Y[n], 0));
  const coef = solve(XtX, XtY);
  if (!coef) return null;
  const mean = Y.reduce((s, v) => s + v, 0) / Y.length;
  let ssr = 0;
  let sst = 0;
  X.forEach((row, n) => {
    const pred = row.reduce((s, v, i) => s + v * coef[i], 0);
    ssr += (Y[n] - pred) ** 2;
    sst += (Y[n] - mean) ** 2;
  });
  return { coef, r2: sst > 0 ? 1 - ssr / sst : 1 };
}
