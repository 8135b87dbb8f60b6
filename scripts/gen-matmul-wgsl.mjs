// Writes the unrolled 16×16-block kernels of shaders/matmul.wgsl and the quad kernel of shaders/matmul_quad.wgsl
// (the text between each file's GENERATED markers).
//
//   node scripts/gen-matmul-wgsl.mjs          rewrite the file
//   node scripts/gen-matmul-wgsl.mjs --check  exit 1 if the file is not what this script writes
//
// Why generated: as for scripts/gen-conv2d-wgsl.mjs, SwiftShader (the CPU adapter) keeps a private array indexed
// by a loop variable in memory and copies the accumulators at every loop iteration, so a 16×16 block is written
// out: one `let` per loaded value, one FMA per accumulator and k, constant indices, and (packed kernel) 4 k per
// loop iteration. The kernels' math and layouts are described in the files' comments.
import { markers, runGenerator } from "./generated-section.mjs";

const { begin: BEGIN, end: END } = markers("scripts/gen-matmul-wgsl.mjs");
const TILE = 16;
const BLOCKS = TILE / 4;
/** k per loop iteration of the packed kernel (the packs pad K to a multiple of it: src/ops/matmul/kernels.ts). */
const UNROLL = 4;
const XYZW = "xyzw";

/** acc[r·4 + j] holds C[row0 + r, col0 + 4j .. 4j + 3]. */
const accAt = (r, j) => `acc[${r * BLOCKS + j}]`;

/** The invocation's 16×16 tile of C (jobs numbered column tiles first, then row tiles, then batches). */
function tileOrigin(TM = TILE, TN = TILE) {
  return [
    "  let job = gid.x + gid.y * groups.x * WG;",
    `  let tilesN = (p.N + ${TN - 1}u) / ${TN}u;`,
    `  let tilesM = (p.M + ${TM - 1}u) / ${TM}u;`,
    "  let b = job / (tilesN * tilesM);",
    "  if (b >= p.batch) { return; }",
    `  let row0 = job / tilesN % tilesM * ${TM}u;`,
    `  let col0 = job % tilesN * ${TN}u;`,
  ];
}

function storeTile(TM = TILE, TN = TILE) {
  const lines = ["  let cBase = b * p.M * p.N;"];
  for (let r = 0; r < TM; r++) {
    const row = [];
    for (let j = 0; j < TN / 4; j++) row.push(`store_row(cBase, row0 + ${r}u, col0 + ${4 * j}u, acc[${(r * TN) / 4 + j}]);`);
    lines.push(`  ${row.join(" ")}`);
  }
  return lines;
}

/** matmul_16x16: A and B read through their strides, one k per loop iteration. */
function strided() {
  const lines = [
    "@compute @workgroup_size(WG)",
    "fn matmul_16x16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {",
    ...tileOrigin(),
    "  let aBase = b * p.aStrides.x;",
    "  let bBase = b * p.bStrides.x;",
    "  // Edge invocations clamp to valid rows / columns; their extra results are not stored.",
  ];
  for (let r = 0; r < TILE; r++) lines.push(`  let a${r} = aBase + min(row0 + ${r}u, p.M - 1u) * p.aStrides.y;`);
  for (let c = 0; c < TILE; c++) lines.push(`  let b${c} = bBase + min(col0 + ${c}u, p.N - 1u) * p.bStrides.z;`);
  lines.push(
    `  var acc: array<vec4<f32>, ${TILE * BLOCKS}>;`,
    "  for (var k = 0u; k < p.K; k++) {",
    "    let ak = k * p.aStrides.z;",
    "    let bk = k * p.bStrides.y;",
  );
  for (let j = 0; j < BLOCKS; j++) {
    const cols = [0, 1, 2, 3].map((i) => `B[b${4 * j + i} + bk]`).join(", ");
    lines.push(`    let bv${j} = vec4<f32>(${cols});`);
  }
  for (let r = 0; r < TILE; r++) lines.push(`    let av${r} = vec4<f32>(A[a${r} + ak]);`);
  for (let r = 0; r < TILE; r++) {
    const row = [];
    for (let j = 0; j < BLOCKS; j++) row.push(`${accAt(r, j)} = fma(av${r}, bv${j}, ${accAt(r, j)});`);
    lines.push(`    ${row.join(" ")}`);
  }
  lines.push("  }", ...storeTile(), "}");
  return lines.join("\n");
}

/**
 * The FMAs of one k for a block: acc[r·TN/4 + j] += (row r of A: component r & 3 of the vec4 a[r >> 2], splat) ×
 * (the vec4 b[j] of 4 columns of B), for TM rows and b.length column vectors.
 */
function blockFmas(a, b, TM) {
  const lines = [];
  for (let r = 0; r < TM; r++) {
    const av = `vec4<f32>(${a[r >> 2]}.${XYZW[r & 3]})`;
    const row = [];
    for (let j = 0; j < b.length; j++) row.push(`acc[${r * b.length + j}] = fma(${av}, ${b[j]}, acc[${r * b.length + j}]);`);
    lines.push(`    ${row.join(" ")}`);
  }
  return lines;
}

/**
 * A quad lane's k step once it has read its own vectors a(0 .. TM/8 − 1) of A and b(0 .. TN/8 − 1) of B: it gets
 * the other halves from its partners as a(TM/8 ..) (quadSwapX) and b(TN/8 ..) (quadSwapY), then the block's FMAs.
 */
function quadShared(a, b, TM, TN) {
  const AM = TM / 8;
  const BN = TN / 8;
  const lines = [];
  for (let j = 0; j < AM; j++) lines.push(`    let ${a(AM + j)} = quadSwapX(${a(j)});`);
  for (let j = 0; j < BN; j++) lines.push(`    let ${b(BN + j)} = quadSwapY(${b(j)});`);
  const all = (name, count) => Array.from({ length: count }, (_, j) => name(j));
  return [...lines, ...blockFmas(all(a, 2 * AM), all(b, 2 * BN), TM)];
}

/** matmul_packed_{TM}x{TN}: A and B as vec4 panels (matmul_pack), UNROLL k per loop iteration. */
function packed(TM, TN) {
  const BM = TM / 4;
  const BN = TN / 4;
  const lines = [
    "@compute @workgroup_size(WG)",
    `fn matmul_packed_${TM}x${TN}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    ...tileOrigin(TM, TN),
    `  // The panels hold whole ${TM}-row / ${TN}-column tiles (the pack repeats the last row / column) and K`,
    `  // padded with zeros to a multiple of ${UNROLL}.`,
    `  let blocksM = tilesM * ${BM}u;`,
    `  let blocksN = tilesN * ${BN}u;`,
    "  var aAt = b * p.aStrides.x + row0 / 4u;",
    "  var bAt = b * p.bStrides.x + col0 / 4u;",
    `  var acc: array<vec4<f32>, ${BM * TN}>;`,
    `  for (var k = 0u; k < p.K; k += ${UNROLL}u) {`,
  ];
  for (let u = 0; u < UNROLL; u++) {
    const at = (base, stride, j) => [base, u ? `${u}u * ${stride}` : "", j ? `${j}u` : ""].filter(Boolean).join(" + ");
    for (let j = 0; j < BN; j++) lines.push(`    let b${u}_${j} = packedB[${at("bAt", "blocksN", j)}];`);
    for (let j = 0; j < BM; j++) lines.push(`    let a${u}_${j} = packedA[${at("aAt", "blocksM", j)}];`);
    const names = (prefix, count) => Array.from({ length: count }, (_, j) => `${prefix}${u}_${j}`);
    lines.push(...blockFmas(names("a", BM), names("b", BN), TM));
  }
  lines.push(`    aAt += ${UNROLL}u * blocksM;`, `    bAt += ${UNROLL}u * blocksN;`, "  }", ...storeTile(TM, TN), "}");
  return lines.join("\n");
}

/** The quad kernels' block: quad job = invocation / 4 (clamped), lane (qr, qc) = (lane >> 1, lane & 1). */
function quadOrigin(TM, TN) {
  return [
    "  let invocation = gid.x + gid.y * groups.x * WG;",
    `  let tilesN = (p.N + ${2 * TN - 1}u) / ${2 * TN}u;`,
    `  let tilesM = (p.M + ${2 * TM - 1}u) / ${2 * TM}u;`,
    "  // No early return before the last quad operation (they need the quad's 4 lanes): a quad past the last block",
    "  // computes the last one again and stores nothing.",
    "  let jobs = tilesN * tilesM * p.batch;",
    "  let job = min(invocation / 4u, jobs - 1u);",
    "  let b = job / (tilesN * tilesM);",
    `  let row0 = job / tilesN % tilesM * ${2 * TM}u;`,
    `  let col0 = job % tilesN * ${2 * TN}u;`,
    "  let lane = lane_id & 3u;",
    "  let qr = lane >> 1u;",
    "  let qc = lane & 1u;",
  ];
}

/** The quad kernels' stores: accumulator row r < TM/2 is the lane's own row half, the rest its partner's. */
function quadStores(TM, TN) {
  const BN = TN / 8;
  const lines = [
    "  if (invocation / 4u >= jobs) { return; }",
    "  let cBase = b * p.M * p.N;",
    `  let rowOwn = row0 + qr * ${TM}u + qc * ${TM / 2}u;`,
    `  let rowOther = row0 + qr * ${TM}u + (1u - qc) * ${TM / 2}u;`,
    `  let colOwn = col0 + qc * ${TN}u + qr * ${TN / 2}u;`,
    `  let colOther = col0 + qc * ${TN}u + (1u - qr) * ${TN / 2}u;`,
  ];
  for (let r = 0; r < TM; r++) {
    const row = r < TM / 2 ? `rowOwn + ${r}u` : `rowOther + ${r - TM / 2}u`;
    const stores = [];
    for (let j = 0; j < TN / 4; j++) {
      const col = j < BN ? `colOwn + ${4 * j}u` : `colOther + ${4 * (j - BN)}u`;
      stores.push(`store_row(cBase, ${row}, ${col}, acc[${(r * TN) / 4 + j}]);`);
    }
    lines.push(`  ${stores.join(" ")}`);
  }
  return lines;
}

/**
 * matmul_quad_{TM}x{TN}: a quad (4 invocations) computes a 2TM×2TN block of C, each lane a TM×TN block of it: lane
 * (qr, qc) = (lane >> 1, lane & 1) owns rows qr·TM .. + TM and columns qc·TN .. + TN of the block. Per k it reads
 * half of its rows of A (the half qc) and half of its columns of B (the half qr) and gets the other halves from the
 * lane beside it (quadSwapX: same qr, other qc) and the lane below it (quadSwapY: same qc, other qr). Its
 * accumulator row r < TM/2 is then block row qr·TM + qc·TM/2 + r and row TM/2 + r is qr·TM + (1 − qc)·TM/2 + r
 * (likewise for columns), which the stores undo.
 *
 * Each operand comes as vec4 panels (4 rows of A / columns of B per k: matmul_pack's layout, or a matrix stored
 * so), or, with A_ROWS / B_ROWS, as rows of vec4s along k (A stored [M, K], B stored [N, K]; K a multiple of 4):
 * the lane reads one vec4 (4 k) from each of its own rows / columns per loop iteration and regroups them into
 * the panels' vec4s (4 rows / columns per k) in registers, which costs nothing on a CPU adapter (a vec4 is 4
 * separate SIMD registers there). Either way a lane reads the same number of vec4s per k.
 */
function quad(TM, TN) {
  const AM = TM / 8;
  const BN = TN / 8;
  const lines = [
    "@compute @workgroup_size(WG)",
    `fn matmul_quad_${TM}x${TN}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(subgroup_invocation_id) lane_id: u32) {`,
    ...quadOrigin(TM, TN),
    "  // Panels: where the lane's own vec4s of k = 0 are (aStrides.x / bStrides.x: the panels' batch strides in vec4s).",
    `  let blocksM = tilesM * ${TM / 2}u;`,
    `  let blocksN = tilesN * ${TN / 2}u;`,
    `  var aAt = b * p.aStrides.x + (row0 + qr * ${TM}u + qc * ${TM / 2}u) / 4u;`,
    `  var bAt = b * p.bStrides.x + (col0 + qc * ${TN}u + qr * ${TN / 2}u) / 4u;`,
    "  // Rows: where the lane's own rows of A and columns of B start, in vec4s (strides as the strided kernels', in",
    "  // floats, all multiples of 4); edge lanes clamp them (their extra results are not stored).",
  ];
  for (let r = 0; r < TM / 2; r++) {
    lines.push(`  let aRow${r} = (b * p.aStrides.x + min(row0 + qr * ${TM}u + qc * ${TM / 2}u + ${r}u, p.M - 1u) * p.aStrides.y) / 4u;`);
  }
  for (let c = 0; c < TN / 2; c++) {
    lines.push(`  let bCol${c} = (b * p.bStrides.x + min(col0 + qc * ${TN}u + qr * ${TN / 2}u + ${c}u, p.N - 1u) * p.bStrides.z) / 4u;`);
  }
  lines.push(`  var acc: array<vec4<f32>, ${(TM * TN) / 4}>;`, `  for (var k = 0u; k < p.K; k += ${UNROLL}u) {`);
  // The operand's own vec4s a{u}_{j} (k + u, 4 lines from 4j), read as panels or regrouped from rows.
  const load = (name, count, flag, panels, at, stride, rowAt) => {
    const vars = [];
    for (let u = 0; u < UNROLL; u++) for (let j = 0; j < count; j++) vars.push(`${name}${u}_${j}`);
    const out = [`    var ${vars.map((v) => `${v}: vec4<f32>`).join("; var ")};`, `    if (${flag}) {`];
    for (let l = 0; l < 4 * count; l++) out.push(`      let ${name}r${l} = ${panels}[${rowAt}${l} + k / 4u];`);
    for (let u = 0; u < UNROLL; u++) {
      for (let j = 0; j < count; j++) {
        const parts = [0, 1, 2, 3].map((i) => `${name}r${4 * j + i}.${XYZW[u]}`).join(", ");
        out.push(`      ${name}${u}_${j} = vec4<f32>(${parts});`);
      }
    }
    out.push("    } else {");
    for (let u = 0; u < UNROLL; u++) {
      for (let j = 0; j < count; j++) {
        const index = [at, u ? `${u}u * ${stride}` : "", j ? `${j}u` : ""].filter(Boolean).join(" + ");
        out.push(`      ${name}${u}_${j} = ${panels}[${index}];`);
      }
    }
    out.push("    }");
    return out;
  };
  lines.push(...load("a", AM, "A_ROWS", "packedA", "aAt", "blocksM", "aRow"));
  lines.push(...load("b", BN, "B_ROWS", "packedB", "bAt", "blocksN", "bCol"));
  for (let u = 0; u < UNROLL; u++)
    lines.push(
      ...quadShared(
        (j) => `a${u}_${j}`,
        (j) => `b${u}_${j}`,
        TM,
        TN,
      ),
    );
  lines.push(`    aAt += ${UNROLL}u * blocksM;`, `    bAt += ${UNROLL}u * blocksN;`, "  }", ...quadStores(TM, TN), "}");
  return lines.join("\n");
}

/**
 * matmul_quad_strided_{TM}x{TN}: the quad kernel reading A and B in place through their strides (no packs), one k
 * per loop iteration. Edge lanes clamp rows / columns (their extra results are not stored).
 */
function quadStrided(TM, TN) {
  const AM = TM / 8;
  const BN = TN / 8;
  const lines = [
    "@compute @workgroup_size(WG)",
    `fn matmul_quad_strided_${TM}x${TN}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(subgroup_invocation_id) lane_id: u32) {`,
    ...quadOrigin(TM, TN),
    "  let aBase = b * p.aStrides.x;",
    "  let bBase = b * p.bStrides.x;",
  ];
  for (let r = 0; r < TM / 2; r++)
    lines.push(`  let a${r} = aBase + min(row0 + qr * ${TM}u + qc * ${TM / 2}u + ${r}u, p.M - 1u) * p.aStrides.y;`);
  for (let c = 0; c < TN / 2; c++)
    lines.push(`  let b${c} = bBase + min(col0 + qc * ${TN}u + qr * ${TN / 2}u + ${c}u, p.N - 1u) * p.bStrides.z;`);
  lines.push(
    `  var acc: array<vec4<f32>, ${(TM * TN) / 4}>;`,
    "  for (var k = 0u; k < p.K; k++) {",
    "    let ak = k * p.aStrides.z;",
    "    let bk = k * p.bStrides.y;",
  );
  for (let j = 0; j < AM; j++) {
    lines.push(`    let av${j} = vec4<f32>(${[0, 1, 2, 3].map((i) => `A[a${4 * j + i} + ak]`).join(", ")});`);
  }
  for (let j = 0; j < BN; j++) {
    lines.push(`    let bv${j} = vec4<f32>(${[0, 1, 2, 3].map((i) => `B[b${4 * j + i} + bk]`).join(", ")});`);
  }
  lines.push(
    ...quadShared(
      (j) => `av${j}`,
      (j) => `bv${j}`,
      TM,
      TN,
    ),
    "  }",
    ...quadStores(TM, TN),
    "}",
  );
  return lines.join("\n");
}

const generate = () => [BEGIN, strided(), "", packed(16, 16), "", packed(16, 32), END].join("\n");
const generateQuad = () => [BEGIN, quad(16, 16), "", quadStrided(16, 16), END].join("\n");

runGenerator(import.meta.url, "scripts/gen-matmul-wgsl.mjs", "shaders/matmul.wgsl", generate);
runGenerator(import.meta.url, "scripts/gen-matmul-wgsl.mjs", "shaders/matmul_quad.wgsl", generateQuad);
