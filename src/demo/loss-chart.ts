/**
 * The live training-loss curve: a 2D canvas, loss on a log scale against the step. With enough points an
 * exponential moving average (0.9) is drawn over the raw values, as the CLI's loss.png does.
 */

const MARGIN = { left: 52, right: 12, top: 12, bottom: 28 };

export class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];

  constructor(readonly canvas: HTMLCanvasElement) {
    this.draw();
  }

  get length(): number {
    return this.steps.length;
  }

  push(step: number, loss: number): void {
    this.steps.push(step);
    this.losses.push(loss);
    this.draw();
  }

  clear(): void {
    this.steps.length = 0;
    this.losses.length = 0;
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    // Sharp on high-density screens: the backing store follows the CSS size times devicePixelRatio.
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = this.canvas.clientWidth || this.canvas.width;
    const cssHeight = this.canvas.clientHeight || this.canvas.height;
    if (this.canvas.width !== Math.round(cssWidth * ratio)) this.canvas.width = Math.round(cssWidth * ratio);
    if (this.canvas.height !== Math.round(cssHeight * ratio)) this.canvas.height = Math.round(cssHeight * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(this.canvas);
    const ink = style.color || "#222";
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = ink;
    ctx.strokeStyle = ink;

    const plot = { x: MARGIN.left, y: MARGIN.top, w: cssWidth - MARGIN.left - MARGIN.right, h: cssHeight - MARGIN.top - MARGIN.bottom };
    const finite = this.losses.filter((l) => l > 0 && Number.isFinite(l));
    if (finite.length === 0) {
      ctx.textAlign = "center";
      ctx.fillText("the loss curve appears here once training starts", cssWidth / 2, cssHeight / 2);
      return;
    }
    const firstStep = this.steps[0];
    const lastStep = Math.max(this.steps[this.steps.length - 1], firstStep + 1);
    let low = Math.log10(Math.min(...finite));
    let high = Math.log10(Math.max(...finite));
    if (high - low < 0.3) {
      const middle = (high + low) / 2;
      [low, high] = [middle - 0.15, middle + 0.15];
    }
    const pad = (high - low) * 0.05;
    [low, high] = [low - pad, high + pad];
    const px = (step: number) => plot.x + ((step - firstStep) / (lastStep - firstStep)) * plot.w;
    const py = (loss: number) => plot.y + (1 - (Math.log10(loss) - low) / (high - low)) * plot.h;

    // Gridlines at 1, 2 and 5 times powers of ten; over less than that, at the range's ends.
    const ticks: number[] = [];
    for (let decade = Math.floor(low); decade <= Math.ceil(high); decade++) {
      for (const m of [1, 2, 5])
        if (Math.log10(m * 10 ** decade) >= low && Math.log10(m * 10 ** decade) <= high) ticks.push(m * 10 ** decade);
    }
    if (ticks.length < 2) ticks.splice(0, ticks.length, 10 ** (low + 0.1 * (high - low)), 10 ** (high - 0.1 * (high - low)));
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const value of ticks) {
      const y = py(value);
      ctx.globalAlpha = 0.25;
      ctx.beginPath();
      ctx.moveTo(plot.x, y);
      ctx.lineTo(plot.x + plot.w, y);
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillText(value.toPrecision(ticks.length > 2 ? 1 : 2), plot.x - 6, y);
    }
    ctx.globalAlpha = 1;
    ctx.strokeRect(plot.x, plot.y, plot.w, plot.h);
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(`step ${firstStep}`, plot.x, plot.y + plot.h + 6);
    ctx.textAlign = "right";
    ctx.fillText(`step ${this.steps[this.steps.length - 1]}`, plot.x + plot.w, plot.y + plot.h + 6);

    const line = (values: number[], color: string, width: number) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      let started = false;
      values.forEach((loss, i) => {
        if (!(loss > 0 && Number.isFinite(loss))) return;
        const [x, y] = [px(this.steps[i]), py(loss)];
        if (started) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        started = true;
      });
      ctx.stroke();
    };
    const smooth = this.losses.length >= 50;
    line(this.losses, smooth ? "rgba(60, 110, 200, 0.35)" : "rgb(60, 110, 200)", 1);
    if (smooth) {
      let average = this.losses[0];
      line(
        this.losses.map((l) => (average = 0.9 * average + 0.1 * l)),
        "rgb(30, 70, 170)",
        2,
      );
    }
    ctx.lineWidth = 1;
  }
}
