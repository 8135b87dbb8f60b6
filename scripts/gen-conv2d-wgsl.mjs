// Writes the unrolled register-tile kernels of shaders/conv2d.wgsl and conv2d_quad.wgsl (the text between each
// file's GENERATED markers).
//
//   node scripts/gen-conv2d-wgsl.mjs          rewrite the file
//   node scripts/gen-conv2d-wgsl.mjs --check  exit 1 if the file is not what this script writes
//
// Why generated: on SwiftShader (the CPU adapter) a private array indexed by a loop variable lives in memory
// and every access becomes a per-lane gather, and helper functions taking pointers to accumulators cost more
// than straight-line code. So each tile is written out: one `let` per loaded value, one line per FMA, constant
// indices only. The kernels' math and layouts are described in the file's header comment.
import { markers, runGenerator } from "./generated-section.mjs";

const { begin: BEGIN, end: END } = markers("scripts/gen-conv2d-wgsl.mjs");

/** `base + k` in WGSL, or just `base` when k is 0. */
const plus = (base, k) => (k ? `${base} + ${k}u` : base);

/**
 * Prologue shared by the forward-style kernels. The invocation's job (gid folded as grid1d does) walks tiles
 * fastest, then output-channel groups, then channel splits, so that on small maps the lanes of one SIMD group
 * (consecutive invocations) take several channel groups instead of idling. Gives the tile origin (n, oy0, ox0),
 * the output-channel blocks, and the channel split: input channels c0 .. cEnd − 1, summed into image `image` =
 * split · N + n of the output (the partial sums [S, N, O, HO, WO]; with one split, out itself and image = n).
 */
function tileOrigin(tileH, tileW, blocks) {
  const lines = [
    "  let job = gid.x + gid.y * groups.x * WG;",
    "  let tilesPerImage = tp.tilesX * tp.tilesY;",
    "  let tiles = tp.batch * tilesPerImage;",
    "  let blockCount = (tp.outChannels + 3u) / 4u;",
    `  let channelGroups = (blockCount + ${blocks - 1}u) / ${blocks}u;`,
    "  let tile = job % tiles;",
    "  let split = job / tiles / channelGroups;",
    "  if (split >= tp.splits) { return; }",
    `  let ob = job / tiles % channelGroups * ${blocks}u;`,
    "  let n = tile / tilesPerImage;",
    `  let oy0 = ((tile % tilesPerImage) / tp.tilesX) * ${tileH}u;`,
    `  let ox0 = (tile % tp.tilesX) * ${tileW}u;`,
    "  let c0 = split * tp.splitChannels;",
    "  let cEnd = min(c0 + tp.splitChannels, tp.inChannels);",
    "  let image = split * tp.batch + n;",
  ];
  // Blocks past the last one are clamped (their results are not stored) so every read stays in bounds.
  for (let b = 0; b < blocks; b++) lines.push(`  let ob${b} = min(${plus("ob", b)}, blockCount - 1u);`);
  return lines;
}

/** Stores of the tile's accumulators; `channel(b)` is the first output channel of accumulator block b. */
function storeTile(tileH, tileW, blocks, channel = (b) => `${b ? `(ob + ${b}u)` : "ob"} * 4u`) {
  // The bias is read once per channel block, not per pixel: on SwiftShader a read skipped by a branch or a
  // select still runs (every block of a shader runs, masked), so a read per store_pixel would cost tileH·tileW·4
  // reads per block.
  const lines = [];
  for (let b = 0; b < blocks; b++) lines.push(`  let bias${b} = tile_bias(image, ${channel(b)});`);
  for (let t = 0; t < tileH; t++) {
    for (let j = 0; j < tileW; j++) {
      for (let b = 0; b < blocks; b++) {
        lines.push(
          `  store_pixel(image, ${plus("oy0", t)}, ${plus("ox0", j)}, ${channel(b)}, acc[${(t * tileW + j) * blocks + b}] + bias${b});`,
        );
      }
    }
  }
  return lines;
}

/**
 * Any kernel size and stride: 4·blocks output channels × tileH×tileW pixels; one loop over the C·KH·KW taps
 * (nested loops cost a copy of every accumulator per loop entry on SwiftShader), each reading tileH·tileW input
 * values and `blocks` weight vec4s.
 */
function convGeneral(name, tileH, tileW, blocks) {
  const L = [
    `// Any kernel size and stride. Invocation: ${4 * blocks} output channels × ${tileH}×${tileW} output pixels of one image,`,
    `// acc[(t·${tileW} + j)·${blocks} + b] = channels 4·(ob + b) .. +3 at pixel (oy0 + t, ox0 + j). One loop over the taps`,
    "// (c, ky, kx) of packedWeight's rows for c in c0 .. cEnd − 1, in order; rowAt follows x[n, c, oy0·s + ky, ox0·s]",
    "// (x already padded).",
    `// Grid: grid1d over jobs = N · tilesY · tilesX tiles of ${tileH}×${tileW} (fastest) × ceil(O / ${4 * blocks}) channel groups × splits.`,
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    ...tileOrigin(tileH, tileW, blocks),
    "  let s = tp.stride;",
    "  let rowStep = s * tp.sourceWidth;",
    "  let plane = tp.sourceHeight * tp.sourceWidth;",
    "  let taps = tp.kernelHeight * tp.kernelWidth;",
    "  var channelAt = (n * tp.inChannels + c0) * plane + oy0 * rowStep + ox0 * s;",
    "  var rowAt = channelAt;",
    "  var ky = 0u;",
    "  var kx = 0u;",
    "  var wAt = c0 * taps * blockCount;",
    `  var acc: array<vec4<f32>, ${tileH * tileW * blocks}>;`,
    "  let rows = (cEnd - c0) * taps;",
    "  for (var row = 0u; row < rows; row++) {",
  ];
  for (let b = 0; b < blocks; b++) L.push(`    let w${b} = packedWeight[wAt + ob${b}];`);
  for (let t = 0; t < tileH; t++) {
    L.push(`    let at${t} = rowAt + kx${t > 1 ? ` + ${t}u * rowStep` : t ? " + rowStep" : ""};`);
    const loads = [];
    for (let j = 0; j < tileW; j++) loads.push(`let x${t}${j} = vec4<f32>(x[at${t}${j > 1 ? ` + ${j}u * s` : j ? " + s" : ""}]);`);
    for (let i = 0; i < loads.length; i += 2) L.push(`    ${loads.slice(i, i + 2).join(" ")}`);
  }
  for (let t = 0; t < tileH; t++) {
    for (let j = 0; j < tileW; j++) {
      const fmas = [];
      for (let b = 0; b < blocks; b++) {
        const a = (t * tileW + j) * blocks + b;
        fmas.push(`acc[${a}] = fma(x${t}${j}, w${b}, acc[${a}]);`);
      }
      L.push(`    ${fmas.join(" ")}`);
    }
  }
  L.push(
    "    // Next tap, without branches: kx wraps into ky, ky into the next channel.",
    "    wAt += blockCount;",
    "    kx += 1u;",
    "    let rowDone = kx == tp.kernelWidth;",
    "    kx = select(kx, 0u, rowDone);",
    "    ky = select(ky, ky + 1u, rowDone);",
    "    let channelDone = ky == tp.kernelHeight;",
    "    ky = select(ky, 0u, channelDone);",
    "    channelAt = select(channelAt, channelAt + plane, channelDone);",
    "    rowAt = select(select(rowAt, rowAt + tp.sourceWidth, rowDone), channelAt, channelDone);",
    "  }",
    ...storeTile(tileH, tileW, blocks),
    "}",
  );
  return L.join("\n");
}

/**
 * The 3×3 tiles' taps (reversed when flipped), the input and weight offsets of the first channel, the
 * accumulators, and the head of the loop over the input channels.
 */
function channelLoopHead(accumulators) {
  const L = [];
  for (let t = 0; t < 9; t++) L.push(t === 4 ? "  let tap4 = 4u;" : `  let tap${t} = select(${t}u, ${8 - t}u, tp.flipTaps == 1u);`);
  L.push(
    "  var xAt = (n * tp.inChannels + c0) * plane;",
    "  var wAt = c0 * tp.weightInStride;",
    `  var acc: array<vec4<f32>, ${accumulators}>;`,
    "  for (var c = c0; c < cEnd; c++) {",
  );
  return L;
}

/**
 * The 3×3 tiles' FMAs for input row r of the window (x{r}_{q}, with weights w{ky}{kx}_{b}): row r feeds output
 * rows t = r − ky. FMAs into independent accumulators stand side by side, so none waits on the one before.
 */
function rowFmas(r, tileH, tileW, blocks) {
  const L = [];
  for (let t = Math.max(0, r - 2); t <= Math.min(tileH - 1, r); t++) {
    const ky = r - t;
    for (let kx = 0; kx < 3; kx++) {
      const fmas = [];
      for (let j = 0; j < tileW; j++) {
        for (let b = 0; b < blocks; b++) {
          const a = (t * tileW + j) * blocks + b;
          fmas.push(`acc[${a}] = fma(x${r}_${j + kx}, w${ky}${kx}_${b}, acc[${a}]);`);
        }
      }
      for (let i = 0; i < fmas.length; i += 4) L.push(`    ${fmas.slice(i, i + 4).join(" ")}`);
    }
  }
  return L;
}

/**
 * 3×3, stride 1: per input channel, loads the 9·blocks weight vec4s and the (tileH+2)×(tileW+2) input window
 * once; input row r feeds output rows t = r − ky for ky = 0..2.
 */
function conv3x3(name, tileH, tileW, blocks) {
  const L = [
    `// 3×3 kernel, stride 1. Invocation: ${4 * blocks} output channels × ${tileH}×${tileW} output pixels of one image, from the`,
    `// ${tileH + 2}×${tileW + 2} window at virtual (oy0, ox0) of each channel: x{r}_{q} = the virtually padded input at (oy0 + r, ox0 + q),`,
    "// read at row{r}.index, col{q}.index of the channel (0 unless both are inside); w{ky}{kx}_{b} = the weights of tap",
    "// (ky, kx) for channel block ob + b; acc as in conv_general; channels c0 .. cEnd − 1 only.",
    `// Grid: grid1d over jobs = N · tilesY · tilesX tiles (fastest) × ceil(O / ${4 * blocks}) channel groups × splits.`,
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    ...tileOrigin(tileH, tileW, blocks),
    "  let width = tp.sourceWidth;",
    "  let plane = tp.sourceHeight * width;",
  ];
  for (let r = 0; r < tileH + 2; r++) {
    L.push(`  let row${r} = source_index(${plus("oy0", r)}, tp.top, tp.dilation, tp.sourceHeight);`);
  }
  for (let r = 0; r < tileH + 2; r++) L.push(`  let rowAt${r} = row${r}.index * width;`);
  for (let q = 0; q < tileW + 2; q++) {
    L.push(`  let col${q} = source_index(${plus("ox0", q)}, tp.left, tp.dilation, tp.sourceWidth);`);
  }
  // The weight's offsets of this invocation's output channels (clamped: a block past the last channel reads the
  // last one's weights, and store_pixel drops its results), and of each tap (reversed when flipped).
  L.push("  let lastOut = tp.outChannels - 1u;");
  for (let b = 0; b < blocks; b++) {
    const o = (k) => `min(${plus(`ob${b} * 4u`, k)}, lastOut)`;
    L.push(`  let wOut${b} = vec4<u32>(${o(0)}, ${o(1)}, ${o(2)}, ${o(3)}) * tp.weightOutStride;`);
  }
  L.push(...channelLoopHead(tileH * tileW * blocks));
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      const row = ky * 3 + kx;
      for (let b = 0; b < blocks; b++) {
        const at = `a${ky}${kx}_${b}`;
        L.push(
          `    let ${at} = wOut${b} + vec4<u32>(wAt + tap${row});`,
          `    let w${ky}${kx}_${b} = vec4<f32>(weight[${at}.x], weight[${at}.y], weight[${at}.z], weight[${at}.w]);`,
        );
      }
    }
  }
  for (let r = 0; r < tileH + 2; r++) {
    L.push(`    let at${r} = xAt + rowAt${r};`);
    for (let q = 0; q < tileW + 2; q++) {
      L.push(`    let x${r}_${q} = vec4<f32>(select(0.0, x[at${r} + col${q}.index], row${r}.inside && col${q}.inside));`);
    }
    L.push(...rowFmas(r, tileH, tileW, blocks));
  }
  L.push("    wAt += tp.weightInStride;", "    xAt += plane;", "  }", ...storeTile(tileH, tileW, blocks), "}");
  return L.join("\n");
}

/** The split's range of output segments (tileRows × cols pixels) and the position (n, oy0, ox0) of its first. */
function segmentRange(tileRows, cols) {
  return [
    `  let segmentsPerRow = gp.outWidth / ${cols}u;`,
    `  let rowBlocks = gp.outHeight / ${tileRows}u;`,
    "  let segments = gp.batch * rowBlocks * segmentsPerRow;",
    "  let first = split * segments / gp.splits;",
    "  let end = (split + 1u) * segments / gp.splits;",
    `  var ox0 = first % segmentsPerRow * ${cols}u;`,
    `  var oy0 = first / segmentsPerRow % rowBlocks * ${tileRows}u;`,
    "  var n = first / (segmentsPerRow * rowBlocks);",
  ];
}

/**
 * Shared head of the weight-gradient kernels: this invocation's channels (os{b}: 4 output channels per block
 * b, ch{i}: input channels, both clamped to the last one), and its range of output segments (tileRows × 4
 * output pixels) with the position (n, oy0, ox0) of the first. The host pads gradOut so that HO and WO (as the
 * kernel sees them) are multiples of the segment.
 */
function gradHead(channels, tileRows, oBlocks, jobLines, cols = 4) {
  const L = [
    `  let channelBlocks = (gp.inChannels + ${channels - 1}u) / ${channels}u;`,
    `  let outBlocks = (gp.outChannels + ${4 * oBlocks - 1}u) / ${4 * oBlocks}u;`,
    // Jobs fastest, then splits, all in one grid1d index, so that every invocation of a workgroup has work: on
    // SwiftShader idle invocations still pay for the straight-line code outside loops.
    "  let invocation = gid.x + gid.y * groups.x * WG;",
    ...jobLines,
    "  let lastO = gp.outChannels - 1u;",
    `  let o0 = job / channelBlocks * ${4 * oBlocks}u;`,
  ];
  for (let b = 0; b < oBlocks; b++) {
    const o = (k) => plus("o0", 4 * b + k);
    L.push(`  let os${b} = vec4<u32>(min(${o(0)}, lastO), min(${o(1)}, lastO), min(${o(2)}, lastO), min(${o(3)}, lastO));`);
  }
  L.push(`  let c0 = job % channelBlocks * ${channels}u;`, "  let lastC = gp.inChannels - 1u;");
  for (let i = 0; i < channels; i++) L.push(`  let ch${i} = min(${plus("c0", i)}, lastC);`);
  L.push(...segmentRange(tileRows, cols));
  for (let b = 0; b < oBlocks; b++) L.push(`  var biasSum${b} = vec4<f32>(0.0);`);
  return L;
}

/** Loads of gradOut for a segment: gv{t}{j}_{b} = gradOut[n, os{b}, oy0 + t, ox0 + j] (a vec4 over 4 o's). */
function gradLoads(tileRows, oBlocks, cols = 4) {
  const L = [];
  for (let b = 0; b < oBlocks; b++) {
    const sums = [];
    for (let t = 0; t < tileRows; t++) {
      const row = `g${t}_${b}`;
      L.push(
        t
          ? `    let ${row} = g0_${b} + vec4<u32>(${t > 1 ? `${t}u * ` : ""}gp.outWidth);`
          : `    let g0_${b} = ((n * gp.outChannels + os${b}) * gp.outHeight + oy0) * gp.outWidth + ox0;`,
      );
      for (let j = 0; j < cols; j++) {
        const at = (c) => `gradOut[${row}.${c}${j ? ` + ${j}u` : ""}]`;
        L.push(`    let gv${t}${j}_${b} = vec4<f32>(${at("x")}, ${at("y")}, ${at("z")}, ${at("w")});`);
        sums.push(`gv${t}${j}_${b}`);
      }
    }
    L.push(`    biasSum${b} += ${sums.join(" + ")};`);
  }
  return L;
}

/** Step to the next segment, without branches. */
function gradAdvance(tileRows, cols = 4) {
  return [
    `    ox0 += ${cols}u;`,
    "    let rowDone = ox0 == gp.outWidth;",
    "    ox0 = select(ox0, 0u, rowDone);",
    `    oy0 = select(oy0, oy0 + ${tileRows}u, rowDone);`,
    "    let imageDone = oy0 == gp.outHeight;",
    "    oy0 = select(oy0, 0u, imageDone);",
    "    n = select(n, n + 1u, imageDone);",
  ];
}

function gradStores(channels, oBlocks, tapOf, biasCondition) {
  const L = [];
  for (let i = 0; i < channels; i++) {
    for (const [tapExpr, tapIndex] of tapOf) {
      for (let b = 0; b < oBlocks; b++)
        L.push(`  store_weight_grad(split, os${b}, ch${i}, ${tapExpr}, acc[${(i * tapOf.length + tapIndex) * oBlocks + b}]);`);
    }
  }
  L.push(`  if (${biasCondition}) {`);
  for (let b = 0; b < oBlocks; b++) L.push(`    store_bias_grad(split, os${b}, biasSum${b});`);
  L.push("  }");
  return L;
}

/** The 9 taps of a 3×3 kernel for gradStores: [WGSL tap index, accumulator tap]. */
const ALL_TAPS = Array.from({ length: 9 }, (_, t) => [`${t}u`, t]);

/** A segment's input window: the clamped offsets and inside-flags of its rows and columns. */
function segmentWindow(tileRows, cols) {
  const L = [];
  for (let r = 0; r < tileRows + 2; r++) {
    L.push(`    let row${r} = source_index(${plus("oy0", r)}, gp.top, 1u, gp.sourceHeight);`);
    L.push(`    let rowAt${r} = row${r}.index * width;`);
  }
  for (let q = 0; q < cols + 2; q++) L.push(`    let col${q} = source_index(${plus("ox0", q)}, gp.left, 1u, gp.sourceWidth);`);
  return L;
}

/**
 * The 3×3 weight gradient's FMAs for input channel i of a segment: acc[(i·9 + tap)·oBlocks + b] += Σ over the
 * segment's pixels of x{i}_{r}_{q} (as `value` gives it) × gv{t}{j}_{b}. One FMA chain per accumulator and
 * segment, then one add into it.
 */
function channelGradFmas(i, tileRows, oBlocks, cols, value = (v) => v) {
  const L = [];
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      for (let b = 0; b < oBlocks; b++) {
        const a = (i * 9 + ky * 3 + kx) * oBlocks + b;
        const terms = [];
        for (let t = 0; t < tileRows; t++)
          for (let j = 0; j < cols; j++) terms.push([value(`x${i}_${t + ky}_${j + kx}`), `gv${t}${j}_${b}`]);
        let expr = `${terms[0][0]} * ${terms[0][1]}`;
        for (const [xv, gv] of terms.slice(1)) expr = `fma(${xv}, ${gv}, ${expr})`;
        L.push(`    acc[${a}] += ${expr};`);
      }
    }
  }
  return L;
}

/**
 * Weight gradient for 3×3, stride 1: 4·oBlocks output × `channels` input channels × all 9 taps. Each loop
 * step takes a segment of tileRows × 4 output pixels: its gradOut values, and per input channel the
 * (tileRows + 2) × 6 input window they see, each value used for all the taps that reach it.
 */
function weightGrad3x3(name, channels, tileRows, oBlocks, cols = 4) {
  const outs = 4 * oBlocks;
  const L = [
    `// 3×3 kernel, stride 1. Invocation: output channels o0..o0+${outs - 1} × input channels c0..c0+${channels - 1}, all 9 taps, summed over`,
    `// the ${tileRows}×${cols}-pixel output segments of its split. acc[(i·9 + ky·3 + kx)·${oBlocks} + b] = gradWeight[os{b}, c0 + i, ky, kx] (a vec4`,
    `// over 4 o's); x{i}_{r}_{q} = the padded input at (n, c0 + i, oy0 + r, ox0 + q), the segment's input window, read at`,
    "// row{r}.index, col{q}.index of the channel (0 unless both are inside).",
    `// Grid: grid1d over jobs = ceil(O / ${outs}) · ceil(C / ${channels}) (fastest) × splits.`,
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    ...gradHead(
      channels,
      tileRows,
      oBlocks,
      [
        "  let jobs = channelBlocks * outBlocks;",
        "  let split = invocation / jobs;",
        "  if (split >= gp.splits) { return; }",
        "  let job = invocation % jobs;",
      ],
      cols,
    ),
    "  let width = gp.sourceWidth;",
    "  let plane = gp.sourceHeight * width;",
    `  var acc: array<vec4<f32>, ${9 * channels * oBlocks}>;`,
    "  for (var segment = first; segment < end; segment++) {",
    ...gradLoads(tileRows, oBlocks, cols),
  ];
  L.push(...segmentWindow(tileRows, cols));
  for (let i = 0; i < channels; i++) {
    L.push(`    let at${i} = (n * gp.inChannels + ch${i}) * plane;`);
    for (let r = 0; r < tileRows + 2; r++) {
      for (let q = 0; q < cols + 2; q++) {
        L.push(
          `    let x${i}_${r}_${q} = vec4<f32>(select(0.0, x[at${i} + rowAt${r} + col${q}.index], row${r}.inside && col${q}.inside));`,
        );
      }
    }
    L.push(...channelGradFmas(i, tileRows, oBlocks, cols));
  }
  L.push(...gradAdvance(tileRows, cols), "  }", ...gradStores(channels, oBlocks, ALL_TAPS, "c0 == 0u"), "}");
  return L.join("\n");
}

/**
 * Weight gradient for any kernel size and stride: one tap per invocation, 4·oBlocks output × `channels` input
 * channels, over 4-pixel segments of one output row.
 */
function weightGradGeneral(name, channels, oBlocks) {
  const outs = 4 * oBlocks;
  const L = [
    `// Any kernel size and stride. Invocation: output channels o0..o0+${outs - 1} × input channels c0..c0+${channels - 1} for one tap`,
    `// (ky, kx), summed over the 4-pixel output segments of its split; acc[i·${oBlocks} + b] = gradWeight[os{b}, c0 + i, ky, kx] (a vec4`,
    `// over 4 o's). x is a padded copy. Grid: grid1d over jobs = ceil(O / ${outs}) · ceil(C / ${channels}) · KH·KW (tap fastest)`,
    "// × splits.",
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    "  let taps = gp.kernelHeight * gp.kernelWidth;",
    ...gradHead(channels, 1, oBlocks, [
      "  let jobs = channelBlocks * outBlocks * taps;",
      "  let split = invocation / jobs;",
      "  if (split >= gp.splits) { return; }",
      "  let tap = invocation % jobs % taps;",
      "  let job = invocation % jobs / taps;",
    ]),
    "  let s = gp.stride;",
    "  let tapAt = tap / gp.kernelWidth * gp.sourceWidth + tap % gp.kernelWidth;",
    `  var acc: array<vec4<f32>, ${channels * oBlocks}>;`,
    "  for (var segment = first; segment < end; segment++) {",
    ...gradLoads(1, oBlocks),
  ];
  for (let i = 0; i < channels; i++) {
    L.push(`    let at${i} = ((n * gp.inChannels + ch${i}) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;`);
    const xs = [0, 1, 2, 3].map((j) => `x${i}_${j}`);
    L.push(`    ${[0, 1, 2, 3].map((j) => `let ${xs[j]} = vec4<f32>(x[at${i}${j > 1 ? ` + ${j}u * s` : j ? " + s" : ""}]);`).join(" ")}`);
    for (let b = 0; b < oBlocks; b++) {
      L.push(
        `    acc[${i * oBlocks + b}] += fma(${xs[3]}, gv03_${b}, fma(${xs[2]}, gv02_${b}, fma(${xs[1]}, gv01_${b}, ${xs[0]} * gv00_${b})));`,
      );
    }
  }
  L.push(...gradAdvance(1), "  }", ...gradStores(channels, oBlocks, [["tap", 0]], "c0 == 0u && tap == 0u"), "}");
  return L.join("\n");
}

/**
 * conv3x3 with the 4 lanes of a quad sharing loads (shaders/conv2d_quad.wgsl): lane = 2·tileSel + groupSel takes
 * tile 2·(pair) + tileSel and channel group 2·(pair) + groupSel (both clamped: a lane past the last stores
 * nothing). It reads the weights of its block ob + tileSel (its slot 0; slot 1, block ob + 1 − tileSel, comes from
 * the lane of the other tile, quadSwapY) and input rows (tileH + 2)/2 · groupSel .. of its window (the other half
 * from the lane of the other channel group, quadSwapX; a select puts each row in its place).
 */
function conv3x3Quad(name, tileH, tileW) {
  const blocks = 2;
  const half = (tileH + 2) / 2;
  const L = [
    `// conv3x3_${tileH}x${tileW} as 2 tiles × 2 channel groups per quad, sharing the input window and the weights.`,
    `// Grid: grid1d over 4 · ceil(tiles / 2) · ceil(channel groups / 2) · splits invocations.`,
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(subgroup_invocation_id) lane_id: u32) {`,
    "  let quadJob = (gid.x + gid.y * groups.x * WG) / 4u;",
    "  let lane = lane_id & 3u;",
    "  let tileSel = lane >> 1u;",
    "  let groupSel = lane & 1u;",
    "  let tilesPerImage = tp.tilesX * tp.tilesY;",
    "  let tiles = tp.batch * tilesPerImage;",
    "  let blockCount = (tp.outChannels + 3u) / 4u;",
    `  let channelGroups = (blockCount + ${blocks - 1}u) / ${blocks}u;`,
    "  let tilePairs = (tiles + 1u) / 2u;",
    "  let groupPairs = (channelGroups + 1u) / 2u;",
    "  let quads = tilePairs * groupPairs * tp.splits;",
    "  // No early return before the quad operations: a quad past the last computes the last one again.",
    "  let q = min(quadJob, quads - 1u);",
    "  let tileRaw = q % tilePairs * 2u + tileSel;",
    "  let groupRaw = q / tilePairs % groupPairs * 2u + groupSel;",
    "  let split = q / tilePairs / groupPairs;",
    "  let tile = min(tileRaw, tiles - 1u);",
    `  let ob = min(groupRaw, channelGroups - 1u) * ${blocks}u;`,
    "  let n = tile / tilesPerImage;",
    `  let oy0 = ((tile % tilesPerImage) / tp.tilesX) * ${tileH}u;`,
    `  let ox0 = (tile % tp.tilesX) * ${tileW}u;`,
    "  let c0 = split * tp.splitChannels;",
    "  let cEnd = min(c0 + tp.splitChannels, tp.inChannels);",
    "  let image = split * tp.batch + n;",
    "  let width = tp.sourceWidth;",
    "  let plane = tp.sourceHeight * width;",
  ];
  for (let i = 0; i < half; i++) {
    L.push(`  let row${i} = source_index(${plus(`oy0 + groupSel * ${half}u`, i)}, tp.top, tp.dilation, tp.sourceHeight);`);
  }
  for (let i = 0; i < half; i++) L.push(`  let rowAt${i} = row${i}.index * width;`);
  for (let q = 0; q < tileW + 2; q++) {
    L.push(`  let col${q} = source_index(${plus("ox0", q)}, tp.left, tp.dilation, tp.sourceWidth);`);
  }
  L.push("  let lastOut = tp.outChannels - 1u;", "  let obOwn = min(ob + tileSel, blockCount - 1u);");
  const o = (k) => `min(${plus("obOwn * 4u", k)}, lastOut)`;
  L.push(`  let wOut = vec4<u32>(${o(0)}, ${o(1)}, ${o(2)}, ${o(3)}) * tp.weightOutStride;`);
  L.push("  let upper = groupSel == 0u;", ...channelLoopHead(tileH * tileW * blocks));
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      const at = `a${ky}${kx}`;
      L.push(
        `    let ${at} = wOut + vec4<u32>(wAt + tap${ky * 3 + kx});`,
        `    let w${ky}${kx}_0 = vec4<f32>(weight[${at}.x], weight[${at}.y], weight[${at}.z], weight[${at}.w]);`,
        `    let w${ky}${kx}_1 = quadSwapY(w${ky}${kx}_0);`,
      );
    }
  }
  for (let i = 0; i < half; i++) {
    L.push(`    let at${i} = xAt + rowAt${i};`);
    for (let q = 0; q < tileW + 2; q++) {
      L.push(`    let own${i}_${q} = select(0.0, x[at${i} + col${q}.index], row${i}.inside && col${q}.inside);`);
    }
  }
  for (let i = 0; i < half; i++) {
    const swaps = [];
    for (let q = 0; q < tileW + 2; q++) swaps.push(`let other${i}_${q} = quadSwapX(own${i}_${q});`);
    for (let k = 0; k < swaps.length; k += 2) L.push(`    ${swaps.slice(k, k + 2).join(" ")}`);
  }
  for (let r = 0; r < tileH + 2; r++) {
    const i = r % half;
    // The upper lane (groupSel 0) read rows 0 .. half − 1, the lower one the rest.
    const [upperValue, lowerValue] = r < half ? [`own${i}`, `other${i}`] : [`other${i}`, `own${i}`];
    for (let q = 0; q < tileW + 2; q++) {
      L.push(`    let x${r}_${q} = vec4<f32>(select(${lowerValue}_${q}, ${upperValue}_${q}, upper));`);
    }
    L.push(...rowFmas(r, tileH, tileW, blocks));
  }
  L.push(
    "    wAt += tp.weightInStride;",
    "    xAt += plane;",
    "  }",
    "  if (quadJob >= quads || tileRaw >= tiles || groupRaw >= channelGroups) { return; }",
    "  let slot0 = (ob + tileSel) * 4u;",
    "  let slot1 = (ob + 1u - tileSel) * 4u;",
    ...storeTile(tileH, tileW, blocks, (b) => `slot${b}`),
    "}",
  );
  return L.join("\n");
}

/**
 * Weight gradient for 3×3, stride 1, as weight_grad_3x3_wide (8 output × 4 input channels, 2×4-pixel segments)
 * with 2 output groups × 2 channel groups per quad.
 */
function weightGrad3x3Quad(name) {
  const channels = 4;
  const tileRows = 2;
  const oBlocks = 2;
  const cols = 4;
  const L = [
    "// weight_grad_3x3_wide (8 output × 4 input channels, all 9 taps, 2×4-pixel segments) as 2 output-channel groups ×",
    "// 2 input-channel groups per quad: the two lanes of an output group share its gradOut values (each reads one of",
    "// its two 4-channel blocks: slot 0, the other's is slot 1, quadSwapX), the two lanes of an input group share its",
    "// input windows (each reads 2 of its 4 channels: slots 0, 1; the other's are slots 2, 3, quadSwapY).",
    "// Grid: grid1d over 4 · ceil(output groups / 2) · ceil(input groups / 2) · splits invocations.",
    "@compute @workgroup_size(WG)",
    `fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(subgroup_invocation_id) lane_id: u32) {`,
    "  let quadJob = (gid.x + gid.y * groups.x * WG) / 4u;",
    "  let lane = lane_id & 3u;",
    "  let oSel = lane >> 1u;",
    "  let cSel = lane & 1u;",
    `  let channelBlocks = (gp.inChannels + ${channels - 1}u) / ${channels}u;`,
    `  let outBlocks = (gp.outChannels + ${4 * oBlocks - 1}u) / ${4 * oBlocks}u;`,
    "  let cPairs = (channelBlocks + 1u) / 2u;",
    "  let oPairs = (outBlocks + 1u) / 2u;",
    "  let quads = cPairs * oPairs * gp.splits;",
    "  // No early return before the quad operations: a quad past the last computes the last one again.",
    "  let q = min(quadJob, quads - 1u);",
    "  let split = q / (cPairs * oPairs);",
    "  let cRaw = q % cPairs * 2u + cSel;",
    "  let oRaw = q / cPairs % oPairs * 2u + oSel;",
    `  let o0 = min(oRaw, outBlocks - 1u) * ${4 * oBlocks}u;`,
    `  let c0 = min(cRaw, channelBlocks - 1u) * ${channels}u;`,
    "  let lastO = gp.outChannels - 1u;",
    "  let lastC = gp.inChannels - 1u;",
  ];
  for (const [b, base] of [
    [0, "o0 + cSel * 4u"],
    [1, "o0 + (1u - cSel) * 4u"],
  ]) {
    const o = (k) => `min(${plus(base, k)}, lastO)`;
    L.push(`  let os${b} = vec4<u32>(${o(0)}, ${o(1)}, ${o(2)}, ${o(3)});`);
  }
  L.push(
    "  let own0 = min(c0 + oSel * 2u, lastC);",
    "  let own1 = min(c0 + oSel * 2u + 1u, lastC);",
    ...segmentRange(tileRows, cols),
    "  var biasSum0 = vec4<f32>(0.0);",
    "  var biasSum1 = vec4<f32>(0.0);",
    "  let width = gp.sourceWidth;",
    "  let plane = gp.sourceHeight * width;",
    `  var acc: array<vec4<f32>, ${9 * channels * oBlocks}>;`,
    "  for (var segment = first; segment < end; segment++) {",
    "    let g0 = ((n * gp.outChannels + os0) * gp.outHeight + oy0) * gp.outWidth + ox0;",
    "    let g1 = g0 + vec4<u32>(gp.outWidth);",
  );
  const sums = [[], []];
  for (let t = 0; t < tileRows; t++) {
    for (let j = 0; j < cols; j++) {
      const at = (c) => `gradOut[g${t}.${c}${j ? ` + ${j}u` : ""}]`;
      L.push(`    let gv${t}${j}_0 = vec4<f32>(${at("x")}, ${at("y")}, ${at("z")}, ${at("w")});`);
      L.push(`    let gv${t}${j}_1 = quadSwapX(gv${t}${j}_0);`);
      sums[0].push(`gv${t}${j}_0`);
      sums[1].push(`gv${t}${j}_1`);
    }
  }
  L.push(`    biasSum0 += ${sums[0].join(" + ")};`, `    biasSum1 += ${sums[1].join(" + ")};`);
  L.push(...segmentWindow(tileRows, cols));
  for (let i = 0; i < 2; i++) {
    L.push(`    let at${i} = (n * gp.inChannels + own${i}) * plane;`);
    for (let r = 0; r < tileRows + 2; r++) {
      for (let q = 0; q < cols + 2; q++) {
        L.push(`    let x${i}_${r}_${q} = select(0.0, x[at${i} + rowAt${r} + col${q}.index], row${r}.inside && col${q}.inside);`);
        L.push(`    let x${i + 2}_${r}_${q} = quadSwapY(x${i}_${r}_${q});`);
      }
    }
  }
  // The input values are scalars here (a quad swap moves one float each): splat them as they are used.
  for (let i = 0; i < channels; i++) L.push(...channelGradFmas(i, tileRows, oBlocks, cols, (v) => `vec4<f32>(${v})`));
  L.push(
    ...gradAdvance(tileRows, cols),
    "  }",
    "  // Quads past the last, and lanes whose groups were clamped, store nothing.",
    "  if (quadJob >= quads || cRaw >= channelBlocks || oRaw >= outBlocks) { return; }",
    "  let ch0 = own0;",
    "  let ch1 = own1;",
    "  let ch2 = min(c0 + (1u - oSel) * 2u, lastC);",
    "  let ch3 = min(c0 + (1u - oSel) * 2u + 1u, lastC);",
    ...gradStores(channels, oBlocks, ALL_TAPS, "c0 == 0u"),
    "}",
  );
  return L.join("\n");
}

export function generate() {
  return [
    BEGIN,
    "",
    convGeneral("conv_general", 2, 4, 2),
    "",
    conv3x3("conv3x3_4x4", 4, 4, 2),
    "",
    conv3x3("conv3x3_4x8", 4, 8, 2),
    "",
    weightGrad3x3("weight_grad_3x3", 4, 2, 1),
    "",
    weightGrad3x3("weight_grad_3x3_wide", 4, 2, 2),
    "",
    weightGradGeneral("weight_grad_general", 8, 2),
    "",
    END,
  ].join("\n");
}

runGenerator(import.meta.url, "scripts/gen-conv2d-wgsl.mjs", "shaders/conv2d.wgsl", generate);
runGenerator(import.meta.url, "scripts/gen-conv2d-wgsl.mjs", "shaders/conv2d_quad.wgsl", () =>
  [BEGIN, conv3x3Quad("conv3x3_quad_4x8", 4, 8), "", weightGrad3x3Quad("weight_grad_3x3_quad"), END].join("\n"),
);
