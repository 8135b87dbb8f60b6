/**
 * The Fréchet distance between two Gaussians fitted to feature sets (Heusel et al. 2017, eq. 6; Dowson & Landau
 * 1982), in float64 on the CPU:
 *
 *   d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)
 *
 * tr (Σ₁ Σ₂)^½ is the sum of the square roots of the eigenvalues of Σ₁ Σ₂, which are those of the symmetric
 * positive semi-definite S Σ₂ S with S = Σ₁^½: two symmetric eigendecompositions (cyclic Jacobi), no
 * non-symmetric square root. Eigenvalues below zero (rounding, or a rank-deficient covariance when there are
 * fewer samples than features) are taken as zero.
 */

/** Mean [dim] and covariance [dim × dim] (row-major, unbiased: divided by n − 1) of n feature rows. */
export interface FeatureStatistics {
  dim: number;
  count: number;
  mean: Float64Array;
  covariance: Float64Array;
}

/** Statistics of the rows `rows` (all when omitted) of features [n, dim]. */
export function featureStatistics(features: ArrayLike<number>, dim: number, rows?: readonly number[]): FeatureStatistics {
  const selected = rows ?? Array.from({ length: features.length / dim }, (_, i) => i);
  const count = selected.length;
  if (count < 2) throw new Error(`featureStatistics: need at least 2 feature rows, got ${count}`);
  const mean = new Float64Array(dim);
  for (const r of selected) for (let i = 0; i < dim; i++) mean[i] += features[r * dim + i];
  for (let i = 0; i < dim; i++) mean[i] /= count;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (const r of selected) {
    for (let i = 0; i < dim; i++) centred[i] = features[r * dim + i] - mean[i];
    for (let i = 0; i < dim; i++) {
      const ci = centred[i];
      for (let j = i; j < dim; j++) covariance[i * dim + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = covariance[i * dim + j] / (count - 1);
      covariance[i * dim + j] = value;
      covariance[j * dim + i] = value;
    }
  }
  return { dim, count, mean, covariance };
}

/**
 * Eigenvalues and eigenvectors of a symmetric n×n matrix (row-major; only its symmetric part is used) by the
 * cyclic Jacobi method: rotations zero each off-diagonal element in turn until the off-diagonal norm is below
 * 1e-15 of the matrix norm. Returns the eigenvalues and the eigenvectors as the columns of `vectors`
 * (A = V diag(λ) Vᵀ).
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (matrix.length !== n * n) throw new Error(`symmetricEigen: a ${n}×${n} matrix needs ${n * n} values, got ${matrix.length}`);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  const tolerance = 1e-30 * total;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    if (off <= tolerance) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1), in its stable form.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** The square root of a symmetric positive semi-definite matrix (negative eigenvalues taken as zero). */
function symmetricSqrt(matrix: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * root;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

/** tr (Σ₁ Σ₂)^½ for symmetric positive semi-definite Σ₁, Σ₂ (n×n, row-major). */
export function traceSqrtProduct(sigma1: Float64Array, sigma2: Float64Array, n: number): number {
  const root1 = symmetricSqrt(sigma1, n);
  const { values } = symmetricEigen(multiply(multiply(root1, sigma2, n), root1, n), n);
  let trace = 0;
  for (const value of values) trace += Math.sqrt(Math.max(value, 0));
  return trace;
}

/** The squared Fréchet distance d² between N(μ₁, Σ₁) and N(μ₂, Σ₂) (see the module comment). */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: feature dimensions differ (${a.dim} and ${b.dim})`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.covariance[i * n + i] + b.covariance[i * n + i];
  // Rounding can leave a distance between equal distributions a hair below zero.
  return Math.max(0, meanTerm + traces - 2 * traceSqrtProduct(a.covariance, b.covariance, n));
}
