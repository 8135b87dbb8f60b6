// Sum (and mean, via scale) over any set of axes of a dense row-major tensor.
//
// The input's dimensions are split into kept ones (they index the output) and reduced ones.
// For output element o and reduction index r, the input offset is
//   sum_d keptCoord_d(o)·keptStrides_d + sum_d reducedCoord_d(r)·reducedStrides_d,
// where coordinates are peeled from the innermost dimension outwards. Up to 8 dimensions of each kind.
//
// Two strategies: `reduce_serial` gives each output element one invocation that loops over r (no barriers,
// best when there are many outputs or few terms); `reduce_workgroup` gives each output element a workgroup
// of WG invocations that stride over r and combine partial sums in a shared-memory tree.
// Partial sums are kept in f32 with Kahan compensation so long reductions stay accurate.

struct ReduceParams {
  nOut: u32,
  nReduce: u32,
  keptRank: u32,
  reducedRank: u32,
  keptShape: array<vec4<u32>, 2>,
  keptStrides: array<vec4<u32>, 2>,
  reducedShape: array<vec4<u32>, 2>,
  reducedStrides: array<vec4<u32>, 2>,
  scale: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: ReduceParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn kept_offset(o: u32) -> u32 {
  var rest = o;
  var offset = 0u;
  for (var k = 0u; k < p.keptRank; k++) {
    let d = p.keptRank - 1u - k;
    let size = p.keptShape[d / 4u][d % 4u];
    offset += (rest % size) * p.keptStrides[d / 4u][d % 4u];
    rest = rest / size;
  }
  return offset;
}

fn reduced_offset(r: u32) -> u32 {
  var rest = r;
  var offset = 0u;
  for (var k = 0u; k < p.reducedRank; k++) {
    let d = p.reducedRank - 1u - k;
    let size = p.reducedShape[d / 4u][d % 4u];
    offset += (rest % size) * p.reducedStrides[d / 4u][d % 4u];
    rest = rest / size;
  }
  return offset;
}

@compute @workgroup_size(WG)
fn reduce_serial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * WG;
  if (o >= p.nOut) { return; }
  let base = kept_offset(o);
  var sum = 0.0;
  var compensation = 0.0;
  // Walk the reduction row by row along its innermost dimension: one offset computation per row.
  var innerSize = p.nReduce;
  var innerStride = 1u;
  if (p.reducedRank > 0u) {
    let inner = p.reducedRank - 1u;
    innerSize = p.reducedShape[inner / 4u][inner % 4u];
    innerStride = p.reducedStrides[inner / 4u][inner % 4u];
  }
  for (var row = 0u; row < p.nReduce; row += innerSize) {
    let start = base + reduced_offset(row);
    for (var c = 0u; c < innerSize; c++) {
      let y = x[start + c * innerStride] - compensation;
      let t = sum + y;
      compensation = (t - sum) - y;
      sum = t;
    }
  }
  out[o] = sum * p.scale;
}

@compute @workgroup_size(WG)
fn reduce_workgroup(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                    @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wid.x + wid.y * nwg.x;
  // Every invocation of the workgroup reaches the barriers below, so no early return here.
  let inRange = o < p.nOut;
  var sum = 0.0;
  var compensation = 0.0;
  if (inRange) {
    let base = kept_offset(o);
    for (var r = lid.x; r < p.nReduce; r += WG) {
      let y = x[base + reduced_offset(r)] - compensation;
      let t = sum + y;
      compensation = (t - sum) - y;
      sum = t;
    }
  }
  partial[lid.x] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) {
      partial[lid.x] += partial[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (inRange && lid.x == 0u) {
    out[o] = partial[0] * p.scale;
  }
}
