/** The training log as CSV text, for spreadsheets and plotting scripts. */

/** One logged training step. */
export interface LossRow {
  step: number;
  loss: number;
  /** Learning rate at this step. */
  lr?: number;
  /** Wall-clock seconds since training started. */
  seconds?: number;
}

/**
 * CSV with a header line and one line per row: `step,loss` plus `lr` and/or `seconds` columns when any row has
 * them (a row without one leaves its cell empty). Numbers are written in JavaScript's shortest round-trip form,
 * so the file reads back to the same float64 values; non-finite values are written as NaN, Infinity, -Infinity.
 * Lines end in "\n", the last one too.
 */
export function lossCsv(rows: LossRow[]): string {
  const withLr = rows.some((row) => row.lr !== undefined);
  const withSeconds = rows.some((row) => row.seconds !== undefined);
  const header = ["step", "loss", ...(withLr ? ["lr"] : []), ...(withSeconds ? ["seconds"] : [])];
  const cell = (value: number | undefined) => (value === undefined ? "" : String(value));
  const lines = [header.join(",")];
  for (const row of rows) {
    const cells = [cell(row.step), cell(row.loss)];
    if (withLr) cells.push(cell(row.lr));
    if (withSeconds) cells.push(cell(row.seconds));
    lines.push(cells.join(","));
  }
  return `${lines.join("\n")}\n`;
}
