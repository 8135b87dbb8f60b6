/** The Fréchet distance's float64 linear algebra against cases with closed forms. */
import { describe, expect, it } from "vitest";
import { featureStatistics, frechetDistance, symmetricEigen, traceSqrtProduct } from "../src/evaluate/frechet.js";
import { InitRandom } from "../src/nn/module.js";

/** A random orthogonal n×n matrix: Gram–Schmidt on Gaussian columns. */
function randomOrthogonal(n: number, random: InitRandom): Float64Array {
  const q = Float64Array.from(random.normal(n * n));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * n + j] * q[i * n + k];
      for (let i = 0; i < n; i++) q[i * n + j] -= dot * q[i * n + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j] ** 2;
    for (let i = 0; i < n; i++) q[i * n + j] /= Math.sqrt(norm);
  }
  return q;
}

/** Q diag(values) Qᵀ. */
function withEigen(q: Float64Array, values: number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += q[i * n + k] * values[k] * q[j * n + k];
      out[i * n + j] = sum;
    }
  }
  return out;
}

function statistics(mean: number[], covariance: Float64Array) {
  return { dim: mean.length, count: 100, mean: Float64Array.from(mean), covariance };
}

describe("symmetricEigen", () => {
  it("reconstructs a random symmetric 30×30 matrix from orthonormal eigenvectors (|error| ≤ 1e-12)", () => {
    const n = 30;
    const random = new InitRandom(7);
    const b = random.normal(n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j] + b[j * n + i];
    const { values, vectors } = symmetricEigen(a, n);
    let worstReconstruction = 0;
    let worstOrthogonality = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          sum += vectors[i * n + k] * values[k] * vectors[j * n + k];
          dot += vectors[k * n + i] * vectors[k * n + j];
        }
        worstReconstruction = Math.max(worstReconstruction, Math.abs(sum - a[i * n + j]));
        worstOrthogonality = Math.max(worstOrthogonality, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(worstReconstruction).toBeLessThan(1e-12);
    expect(worstOrthogonality).toBeLessThan(1e-12);
  });

  it("finds the known eigenvalues of Q diag(λ) Qᵀ", () => {
    const expected = [5, 3.5, 2, 1, 0.25, 0, -1];
    const a = withEigen(randomOrthogonal(expected.length, new InitRandom(3)), expected);
    const values = [...symmetricEigen(a, expected.length).values].sort((x, y) => y - x);
    values.forEach((v, i) => {
      expect(Math.abs(v - expected[i])).toBeLessThan(1e-12);
    });
  });
});

describe("traceSqrtProduct and frechetDistance", () => {
  it("matches the 2×2 closed form tr √M = √(tr M + 2 √det M) for non-commuting covariances", () => {
    const s1 = Float64Array.from([2, 0.6, 0.6, 1]);
    const s2 = Float64Array.from([0.5, -0.2, -0.2, 3]);
    const m = [2 * 0.5 + 0.6 * -0.2, 2 * -0.2 + 0.6 * 3, 0.6 * 0.5 + 1 * -0.2, 0.6 * -0.2 + 1 * 3];
    const det = m[0] * m[3] - m[1] * m[2];
    const expected = Math.sqrt(m[0] + m[3] + 2 * Math.sqrt(det));
    expect(Math.abs(traceSqrtProduct(s1, s2, 2) - expected)).toBeLessThan(1e-12);
    // d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁Σ₂)
    const d = frechetDistance(statistics([1, 2], s1), statistics([0, 0], s2));
    expect(Math.abs(d - (5 + 3 + 3.5 - 2 * expected))).toBeLessThan(1e-12);
  });

  it("equals ‖μ₁ − μ₂‖² + Σ (√a − √b)² for covariances sharing eigenvectors (20 dimensions)", () => {
    const n = 20;
    const random = new InitRandom(11);
    const q = randomOrthogonal(n, random);
    const a = Array.from({ length: n }, () => 0.1 + 3 * random.next());
    const b = Array.from({ length: n }, () => 0.1 + 3 * random.next());
    const mu1 = Array.from({ length: n }, () => random.next());
    const mu2 = Array.from({ length: n }, () => random.next());
    let expected = 0;
    for (let i = 0; i < n; i++) expected += (mu1[i] - mu2[i]) ** 2 + (Math.sqrt(a[i]) - Math.sqrt(b[i])) ** 2;
    const d = frechetDistance(statistics(mu1, withEigen(q, a)), statistics(mu2, withEigen(q, b)));
    expect(Math.abs(d - expected) / expected).toBeLessThan(1e-10);
  });

  // With 10 samples of 20 features, 11 eigenvalues of Σ₁^½ Σ₂ Σ₁^½ are zero in exact arithmetic; their square
  // roots turn rounding of ~1e-16 into ~1e-8 each, so these hold to 1e-6.
  it("is zero between a rank-deficient set and itself (10 samples of 20 features)", () => {
    const random = new InitRandom(5);
    const features = Float64Array.from(random.normal(10 * 20));
    const stats = featureStatistics(features, 20);
    expect(frechetDistance(stats, stats)).toBeLessThan(1e-6);
    // …and grows as the square of a shift of the mean: +0.5 on each of 20 features adds 20 · 0.25 = 5.
    const shifted = featureStatistics(
      features.map((v) => v + 0.5),
      20,
    );
    expect(Math.abs(frechetDistance(shifted, stats) - 5)).toBeLessThan(1e-6);
  });

  it("featureStatistics gives the mean and the unbiased covariance of the chosen rows", () => {
    // Rows 0, 2, 3 of a 4 × 2 set: (1, 2), (3, 0), (5, 4); row 1 is left out.
    const features = [1, 2, 100, -100, 3, 0, 5, 4];
    const { mean, covariance, count } = featureStatistics(features, 2, [0, 2, 3]);
    expect(count).toBe(3);
    expect([...mean]).toEqual([3, 2]);
    // Σ (x − x̄)(y − ȳ) / (n − 1): xx = (4 + 0 + 4) / 2, xy = (0 + 0 + 4) / 2, yy = (0 + 4 + 4) / 2
    expect([...covariance]).toEqual([4, 2, 2, 4]);
  });
});
