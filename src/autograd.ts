/**
 * The tape. Each op that has an input requiring grad attaches a TapeNode (its inputs and a backward closure)
 * to its output, right next to its forward code. `backward(loss)` sorts the graph topologically, walks it in
 * reverse and accumulates gradients: into a map for intermediate tensors (freed as soon as they are used) and
 * into `.grad` for leaves (parameters, or inputs marked requiresGrad).
 */
import type { Engine } from "./engine.js";
import { type Tensor, shapeString } from "./tensor.js";

/** The backward of one op: the gradient of each input given the gradient of the output (null: none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

export interface TapeNode {
  op: string;
  inputs: Tensor[];
  backward: BackwardFn;
}

/** Attach a tape node to `output` when gradients are being recorded and an input needs one. */
export function record(op: string, output: Tensor, inputs: Tensor[], backward: BackwardFn): Tensor {
  if (!output.engine.gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.node = { op, inputs, backward };
  return output;
}

/**
 * Accumulate d(loss)/d(leaf) into every leaf's `.grad`. `loss` is usually a scalar; for other shapes pass the
 * output gradient `seed` (defaults to ones). The graph's nodes are released afterwards.
 */
export function backward(engine: Engine, loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) {
    throw new Error("backward(): the loss does not depend on any tensor that requires grad (or was made inside noGrad)");
  }
  if (seed && seed.shape.join() !== loss.shape.join()) {
    throw new Error(`backward(): seed shape ${shapeString(seed.shape)} differs from loss shape ${shapeString(loss.shape)}`);
  }
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const visit = (t: Tensor) => {
    if (visited.has(t) || !t.node) return;
    visited.add(t);
    for (const input of t.node.inputs) {
      // A disposed intermediate has lost its tape node: going on would silently cut the graph there.
      if (input.requiresGrad && input.isDisposed) {
        throw new Error(
          `backward(): ${input} (made by ${input.origin}) was disposed before backward() reached it; ` +
            "call backward() inside the tidy() that built the graph",
        );
      }
      visit(input);
    }
    order.push(t);
  };
  visit(loss);

  // Gradients of intermediate tensors, with a reference count so an aliased tensor is freed only once unused.
  const grads = new Map<Tensor, Tensor>();
  const refs = new Map<Tensor, number>();
  const hold = (t: Tensor) => refs.set(t, (refs.get(t) ?? 0) + 1);
  const drop = (t: Tensor) => {
    const n = (refs.get(t) ?? 1) - 1;
    if (n > 0) refs.set(t, n);
    else {
      refs.delete(t);
      if (!t.kept) t.dispose();
    }
  };

  engine.noGrad(() => {
    const start = seed ?? engine.ones(loss.shape);
    grads.set(loss, start);
    hold(start);
    if (seed) hold(seed); // the caller's seed is never freed here

    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node!;
      t.node = null;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        if (gi.shape.join() !== input.shape.join()) {
          throw new Error(
            `backward of ${node.op}: gradient for input ${i} has shape ${shapeString(gi.shape)}, input has ${shapeString(input.shape)}`,
          );
        }
        if (input.node) {
          const existing = grads.get(input);
          if (existing) {
            const sum = engine.ops.add(existing, gi);
            grads.set(input, sum);
            hold(sum);
            drop(existing);
          } else {
            grads.set(input, gi);
            hold(gi);
          }
        } else if (input.grad) {
          engine.ops.accumulate(input.grad, gi);
        } else {
          // Take ownership unless the tensor is shared (aliased to g, another input's gradient, or the map).
          const shared =
            gi === g ||
            refs.has(gi) ||
            engine.sharesBuffer(gi) ||
            inputGrads.indexOf(gi) !== i ||
            inputGrads.lastIndexOf(gi) !== i;
          input.grad = (shared ? engine.ops.copy(gi) : gi).keep();
        }
      });
      drop(g);
      for (const gi of inputGrads) {
        if (gi && gi !== g && !refs.has(gi) && !gi.kept) gi.dispose();
      }
    }
    for (const leftover of grads.values()) drop(leftover);
  });
}

/**
 * What the tape behind `loss` holds for its backward pass: the distinct buffers that its ops took as inputs,
 * parameters and other kept tensors excepted (they are state, not activations). The bench's memory goal counts these.
 */
export function savedForBackward(loss: Tensor): { tensors: number; bytes: number } {
  const buffers = new Map<GPUBuffer, number>();
  const visited = new Set<Tensor>();
  const stack = [loss];
  while (stack.length) {
    const t = stack.pop()!;
    if (visited.has(t) || !t.node) continue;
    visited.add(t);
    for (const input of t.node.inputs) {
      if (!input.kept && !input.isDisposed) buffers.set(input.buffer, Math.max(buffers.get(input.buffer) ?? 0, input.byteLength));
      stack.push(input);
    }
  }
  let bytes = 0;
  for (const b of buffers.values()) bytes += b;
  return { tensors: buffers.size, bytes };
}
