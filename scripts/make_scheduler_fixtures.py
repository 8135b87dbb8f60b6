#!/usr/bin/python3
"""Reference fixtures for the schedulers: diffusers 0.30's DDPMScheduler and DDIMScheduler, re-implemented in torch.

diffusers is not installable here, so this script re-implements what diffusers 0.30 computes in
schedulers/scheduling_ddpm.py and scheduling_ddim.py (read from its source; nothing else is used):

- betas: linear = torch.linspace(beta_start, beta_end, T); scaled_linear = torch.linspace(√beta_start, √beta_end, T)²;
  squaredcos_cap_v2 = betas_for_alpha_bar (cosine ᾱ, capped at 0.999, evaluated in Python float64, then stored as a
  tensor); sigmoid = torch.sigmoid(torch.linspace(-6, 6, T)) · (beta_end − beta_start) + beta_start.
  "exponential" is betas_for_alpha_bar(alpha_transform_type="exp"): diffusers 0.30 has that helper, but neither
  DDPMScheduler nor DDIMScheduler accepts beta_schedule="exponential" (the engine does, as an extension), and
  DDIMScheduler does not accept "sigmoid" either; the DDIM fixtures use only the schedules diffusers accepts.
- alphas = 1 − betas, alphas_cumprod = torch.cumprod(alphas).
- set_timesteps: "linspace" = np.linspace(0, T−1, n).round()[::-1]; "leading" = (np.arange(n) · (T // n)).round()[::-1]
  + steps_offset; "trailing" = np.round(np.arange(T, 0, −T/n)) − 1 (numpy's half-to-even rounding throughout).
- previous_timestep(t) = t − T // num_inference_steps (T // T before set_timesteps); ᾱ_prev = 1 when that is < 0
  (DDIM: final_alpha_cumprod = 1 if set_alpha_to_one else ᾱ_0).
- DDPM _get_variance(t): β_t' = 1 − ᾱ_t/ᾱ_prev, β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t)·β_t', clamped at 1e-20; fixed_small → β̃,
  fixed_small_log → exp(½·log β̃) (a standard deviation: step() multiplies it into the noise directly),
  fixed_large → β_t'. (fixed_large_log returns log β_t' and step() takes its square root: NaN in diffusers, so it is
  left out here.)
- DDPM step: x̂₀ from the prediction (epsilon: (x_t − √(1−ᾱ_t)·m)/√ᾱ_t; sample: m; v: √ᾱ_t·x_t − √(1−ᾱ_t)·m), clamped
  to ±clip_sample_range when clip_sample; prev = (√ᾱ_prev·β_t'/(1−ᾱ_t))·x̂₀ + (√α_t'·(1−ᾱ_prev)/(1−ᾱ_t))·x_t, plus
  σ·z for t > 0. Here z = 0, so the fixtures hold the deterministic part; the variance is stored on its own.
- DDPM with variance_type="learned_range": step() splits a 2C-channel model output into the prediction and the
  predicted variance v (torch.split along dim 1, when model_output.shape[1] == 2·sample.shape[1]); _get_variance
  returns the log variance frac·log β_t' + (1 − frac)·log β̃ (β̃ clamped at 1e-20 first), frac = (v + 1)/2, and step()
  adds exp(½·that)·z for t > 0. ddpm_learned.json holds whole sampling chains with given model outputs and given
  noise z (diffusers draws z itself; the chain is the same function of it).
- DDIM step: x̂₀ and ε̂ from the prediction, x̂₀ clamped, σ = η·√((1−ᾱ_prev)/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_prev)),
  prev = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − σ²)·ε̂ (+ σ·z, z = 0 here).
- add_noise = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε; get_velocity = √ᾱ_t·ε − √(1−ᾱ_t)·x₀.

Every table and output is computed twice: in float32 exactly as diffusers does (its tensors are float32), and in
float64 (the same formulas with float64 tensors). The engine computes its tables in float64, so it matches the
float64 values closely and the float32 ones only to float32 accuracy (see test/scheduler.test.ts for the tolerances).

Run:  /usr/bin/python3 scripts/make_scheduler_fixtures.py   (from anywhere; writes test/fixtures/scheduler/)
"""

import base64
import json
import math
import os

import numpy as np
import torch

DIFFUSERS_VERSION = "0.30.0"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "scheduler")

SCHEDULES = ["linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid", "exponential"]
DDIM_SCHEDULES = ["linear", "scaled_linear", "squaredcos_cap_v2"]
DTYPES = {"f32": torch.float32, "f64": torch.float64}


# ----------------------------------------------------------------------------------------------------------------
# diffusers 0.30, re-implemented
# ----------------------------------------------------------------------------------------------------------------


def betas_for_alpha_bar(T, max_beta=0.999, alpha_transform_type="cosine", dtype=torch.float32):
    if alpha_transform_type == "cosine":
        alpha_bar = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    elif alpha_transform_type == "exp":
        alpha_bar = lambda s: math.exp(s * -12.0)
    else:
        raise ValueError(alpha_transform_type)
    betas = [min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), max_beta) for i in range(T)]
    return torch.tensor(betas, dtype=dtype)


def make_betas(schedule, T, beta_start, beta_end, dtype):
    if schedule == "linear":
        return torch.linspace(beta_start, beta_end, T, dtype=dtype)
    if schedule == "scaled_linear":
        return torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=dtype) ** 2
    if schedule == "squaredcos_cap_v2":
        return betas_for_alpha_bar(T, dtype=dtype)
    if schedule == "sigmoid":
        return torch.sigmoid(torch.linspace(-6, 6, T, dtype=dtype)) * (beta_end - beta_start) + beta_start
    if schedule == "exponential":
        return betas_for_alpha_bar(T, alpha_transform_type="exp", dtype=dtype)
    raise ValueError(schedule)


def spaced_timesteps(spacing, T, n, steps_offset):
    if n > T:
        raise ValueError("num_inference_steps > num_train_timesteps")
    if spacing == "linspace":
        return np.linspace(0, T - 1, n).round()[::-1].copy().astype(np.int64)
    if spacing == "leading":
        ratio = T // n
        return (np.arange(0, n) * ratio).round()[::-1].copy().astype(np.int64) + steps_offset
    if spacing == "trailing":
        ratio = T / n
        return np.round(np.arange(T, 0, -ratio)).astype(np.int64) - 1
    raise ValueError(spacing)


class Schedule:
    def __init__(self, schedule, T, dtype, beta_start=0.0001, beta_end=0.02):
        self.T = T
        self.dtype = dtype
        self.betas = make_betas(schedule, T, beta_start, beta_end, dtype)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.one = torch.tensor(1.0, dtype=dtype)
        self.num_inference_steps = None

    def set_timesteps(self, n, spacing="leading", steps_offset=0):
        self.num_inference_steps = n
        return spaced_timesteps(spacing, self.T, n, steps_offset)

    def previous_timestep(self, t):
        n = self.num_inference_steps if self.num_inference_steps else self.T
        return t - self.T // n

    def add_noise(self, x0, noise, timesteps):
        a = self.alphas_cumprod[timesteps] ** 0.5
        b = (1 - self.alphas_cumprod[timesteps]) ** 0.5
        shape = [-1] + [1] * (x0.dim() - 1)
        return a.reshape(shape) * x0 + b.reshape(shape) * noise

    def get_velocity(self, x0, noise, timesteps):
        a = self.alphas_cumprod[timesteps] ** 0.5
        b = (1 - self.alphas_cumprod[timesteps]) ** 0.5
        shape = [-1] + [1] * (x0.dim() - 1)
        return a.reshape(shape) * noise - b.reshape(shape) * x0


def predict(prediction_type, alpha_prod_t, sample, model_output):
    """x̂₀ and ε̂ from the model output (DDIM's step 3; DDPM uses the x̂₀ part)."""
    beta_prod_t = 1 - alpha_prod_t
    if prediction_type == "epsilon":
        x0 = (sample - beta_prod_t**0.5 * model_output) / alpha_prod_t**0.5
        eps = model_output
    elif prediction_type == "sample":
        x0 = model_output
        eps = (sample - alpha_prod_t**0.5 * x0) / beta_prod_t**0.5
    elif prediction_type == "v_prediction":
        x0 = alpha_prod_t**0.5 * sample - beta_prod_t**0.5 * model_output
        eps = alpha_prod_t**0.5 * model_output + beta_prod_t**0.5 * sample
    else:
        raise ValueError(prediction_type)
    return x0, eps


class DDPM(Schedule):
    def get_variance(self, t, variance_type, predicted_variance=None):
        prev_t = self.previous_timestep(t)
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        current_beta_t = 1 - alpha_prod_t / alpha_prod_t_prev
        variance = (1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t
        variance = torch.clamp(variance, min=1e-20)
        if variance_type == "fixed_small":
            return variance
        if variance_type == "fixed_small_log":
            return torch.exp(0.5 * torch.log(variance))
        if variance_type == "fixed_large":
            return current_beta_t
        if variance_type == "learned_range":
            min_log = torch.log(variance)
            max_log = torch.log(current_beta_t)
            frac = (predicted_variance + 1) / 2
            return frac * max_log + (1 - frac) * min_log
        raise ValueError(variance_type)

    def step_learned_range(self, model_output, t, sample, prediction_type, clip_sample, noise):
        """diffusers' step with variance_type learned_range and variance_noise = noise."""
        model_output, predicted_variance = torch.split(model_output, sample.shape[1], dim=1)
        prev, x0 = self.step(model_output, t, sample, prediction_type, clip_sample)
        if t > 0:
            log_variance = self.get_variance(t, "learned_range", predicted_variance)
            prev = prev + torch.exp(0.5 * log_variance) * noise
        return prev, x0

    def step(self, model_output, t, sample, prediction_type, clip_sample, clip_sample_range=1.0):
        prev_t = self.previous_timestep(t)
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev
        current_alpha_t = alpha_prod_t / alpha_prod_t_prev
        current_beta_t = 1 - current_alpha_t
        x0, _ = predict(prediction_type, alpha_prod_t, sample, model_output)
        if clip_sample:
            x0 = x0.clamp(-clip_sample_range, clip_sample_range)
        x0_coeff = (alpha_prod_t_prev**0.5 * current_beta_t) / beta_prod_t
        sample_coeff = current_alpha_t**0.5 * beta_prod_t_prev / beta_prod_t
        prev = x0_coeff * x0 + sample_coeff * sample
        # 6. + σ_t·z for t > 0, with z = 0 here
        return prev, x0


class DDIM(Schedule):
    def __init__(self, schedule, T, dtype, set_alpha_to_one):
        super().__init__(schedule, T, dtype)
        self.final_alpha_cumprod = torch.tensor(1.0, dtype=dtype) if set_alpha_to_one else self.alphas_cumprod[0]

    def step(self, model_output, t, sample, prediction_type, clip_sample, eta):
        prev_t = t - self.T // self.num_inference_steps
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final_alpha_cumprod
        x0, eps = predict(prediction_type, alpha_prod_t, sample, model_output)
        if clip_sample:
            x0 = x0.clamp(-1.0, 1.0)
        variance = (1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * (1 - alpha_prod_t / alpha_prod_t_prev)
        std_dev_t = eta * variance**0.5
        direction = (1 - alpha_prod_t_prev - std_dev_t**2) ** 0.5 * eps
        prev = alpha_prod_t_prev**0.5 * x0 + direction
        # + σ·z when eta > 0, with z = 0 here
        return prev, x0, std_dev_t


# ----------------------------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------------------------


def numbers(tensor, precision):
    """JSON numbers: float32 values as their shortest float32 decimal (Math.fround(x) restores the value exactly)."""
    flat = tensor.detach().reshape(-1).tolist() if torch.is_tensor(tensor) else [tensor]
    if precision == "f32":
        return [float(np.format_float_scientific(np.float32(v), unique=True)) for v in flat]
    return [float(v) for v in flat]


def packed(tensor, precision):
    """A long table, bit-exact: base64 of little-endian float32/float64 bytes."""
    np_dtype = "<f4" if precision == "f32" else "<f8"
    return base64.b64encode(tensor.detach().numpy().astype(np_dtype).tobytes()).decode("ascii")


def both(fn):
    """{"f32": numbers of fn(float32), "f64": numbers of fn(float64)}."""
    return {p: numbers(fn(dtype), p) for p, dtype in DTYPES.items()}


def write(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


def f32_values(rng, n, low, high):
    return np.float32(rng.uniform(low, high, n)).astype(np.float64)


def main():
    rng = np.random.default_rng(20240530)
    meta = {"diffusers_version": DIFFUSERS_VERSION, "beta_start": 0.0001, "beta_end": 0.02}

    # 1. Tables
    tables = {"_meta": {**meta, "encoding": "base64 of little-endian float32 (f32) / float64 (f64) values"}}
    for T in [1000, 37]:
        for schedule in SCHEDULES:
            entry = {}
            for p, dtype in DTYPES.items():
                s = Schedule(schedule, T, dtype)
                entry[f"betas_{p}"] = packed(s.betas, p)
                entry[f"alphas_cumprod_{p}"] = packed(s.alphas_cumprod, p)
            tables[f"{schedule}/{T}"] = entry
    write("tables.json", tables)

    # 2. set_timesteps
    cases = []
    # T = 50 and 100 with these counts: numpy's arange yields one extra value for "trailing" (a timestep −1)
    step_counts_by_T = [(1000, [1, 3, 7, 10, 50, 999, 1000]), (37, [1, 2, 5, 7, 10, 12, 22, 36, 37]), (50, [29, 31]), (100, [58, 97])]
    for T, step_counts in step_counts_by_T:
        for spacing in ["leading", "trailing", "linspace"]:
            for n in step_counts:
                # steps_offset only moves "leading"; the long lists are kept once
                for offset in [0, 1] if (spacing == "leading" or n < 50) else [0]:
                    timesteps = spaced_timesteps(spacing, T, n, offset)
                    cases.append({"T": T, "spacing": spacing, "steps": n, "steps_offset": offset, "timesteps": timesteps.tolist()})
    write("timesteps.json", {"_meta": meta, "cases": cases})

    # 3. DDPM: add_noise, get_velocity, variances, deterministic step
    shape = [3, 2, 1, 3]
    x0 = f32_values(rng, 18, -1, 1)
    noise = np.float32(rng.standard_normal(18)).astype(np.float64)
    sample = f32_values(rng, 4, -3, 3)
    model_output = f32_values(rng, 4, -3, 3)
    step_shape = [1, 1, 2, 2]
    ddpm = {
        "_meta": meta,
        "noise_inputs": {"shape": shape, "x0": x0.tolist(), "noise": noise.tolist()},
        "step_inputs": {"shape": step_shape, "sample": sample.tolist(), "model_output": model_output.tolist()},
        "add_noise": [],
        "variance": [],
        "step": [],
    }
    for T in [1000, 37]:
        timesteps = [0, 17, T - 1]
        for schedule in SCHEDULES:

            def noised(dtype, fn):
                s = Schedule(schedule, T, dtype)
                t = torch.tensor(timesteps)
                return getattr(s, fn)(torch.tensor(x0, dtype=dtype).reshape(shape), torch.tensor(noise, dtype=dtype).reshape(shape), t)

            ddpm["add_noise"].append({
                "schedule": schedule, "T": T, "timesteps": timesteps,
                "noisy": both(lambda d: noised(d, "add_noise")),
                "velocity": both(lambda d: noised(d, "get_velocity")),
            })

    # Chains: (T, set_timesteps args or None, timesteps to step at)
    chains = [
        (1000, None, [999, 500, 2, 1, 0]),
        (1000, (10, "leading", 0), [900, 500, 0]),
        (1000, (10, "leading", 1), [901, 501, 1]),  # linear only (below)
        (37, (7, "trailing", 0), None),
        (37, (5, "linspace", 0), None),
    ]
    for T, spaced, step_at in chains:
        for schedule in SCHEDULES if spaced != (10, "leading", 1) else ["linear"]:
            schedulers = {p: DDPM(schedule, T, dtype) for p, dtype in DTYPES.items()}
            timesteps = None
            for s in schedulers.values():
                timesteps = s.set_timesteps(*spaced) if spaced else None
            at = step_at if step_at is not None else [int(timesteps[0]), int(timesteps[len(timesteps) // 2]), int(timesteps[-1])]
            base = {"schedule": schedule, "T": T, "set_timesteps": list(spaced) if spaced else None}
            for t in at:
                ddpm["variance"].append({
                    **base, "t": t,
                    **{vt: {p: numbers(s.get_variance(t, vt), p)[0] for p, s in schedulers.items()} for vt in ["fixed_small", "fixed_small_log", "fixed_large"]},
                })
                for prediction_type in ["epsilon", "sample", "v_prediction"]:
                    for clip, clip_range in [(False, 1.0), (True, 1.0), (True, 2.0)]:
                        if clip_range != 1.0 and (schedule != "linear" or prediction_type != "epsilon"):
                            continue
                        out = {}
                        for p, s in schedulers.items():
                            prev, x0_pred = s.step(
                                torch.tensor(model_output, dtype=s.dtype), t, torch.tensor(sample, dtype=s.dtype),
                                prediction_type, clip, clip_range,
                            )
                            out[p] = {"prev_sample": numbers(prev, p), "pred_original_sample": numbers(x0_pred, p)}
                        ddpm["step"].append({
                            **base, "t": t, "prediction_type": prediction_type, "clip_sample": clip,
                            "clip_sample_range": clip_range, **out,
                        })
    write("ddpm.json", ddpm)

    # 4. DDIM: deterministic step for eta 0 and 0.5, set_alpha_to_one both ways
    ddim = {"_meta": meta, "step_inputs": ddpm["step_inputs"], "step": []}
    groups = [
        (1000, (50, "leading", 1), True),
        (1000, (50, "leading", 1), False),
        (1000, (10, "trailing", 0), True),
        (37, (5, "linspace", 0), False),
    ]
    for T, (n, spacing, offset), set_alpha_to_one in groups:
        for schedule in DDIM_SCHEDULES:
            schedulers = {p: DDIM(schedule, T, dtype, set_alpha_to_one) for p, dtype in DTYPES.items()}
            timesteps = [s.set_timesteps(n, spacing, offset) for s in schedulers.values()][0]
            for t in [int(timesteps[0]), int(timesteps[len(timesteps) // 2]), int(timesteps[-1])]:
                for prediction_type in ["epsilon", "sample", "v_prediction"]:
                    # clip_sample changes x̂₀, eta the direction term: three combinations cover both
                    for clip, eta in [(False, 0.0), (True, 0.0), (True, 0.5)]:
                        out = {}
                        for p, s in schedulers.items():
                            prev, x0_pred, std = s.step(
                                torch.tensor(model_output, dtype=s.dtype), t, torch.tensor(sample, dtype=s.dtype),
                                prediction_type, clip, eta,
                            )
                            out[p] = {"prev_sample": numbers(prev, p), "pred_original_sample": numbers(x0_pred, p), "std_dev_t": numbers(std, p)[0]}
                        ddim["step"].append({
                            "schedule": schedule, "T": T, "set_timesteps": [n, spacing, offset],
                            "set_alpha_to_one": set_alpha_to_one, "t": t, "prediction_type": prediction_type,
                            "clip_sample": clip, "eta": eta, **out,
                        })
    write("ddim.json", ddim)

    # 5. DDPM with learned_range: sampling chains with given model outputs (2C channels) and given noise
    rng = np.random.default_rng(20240601)
    sample_shape = [2, 2, 3, 1]
    model_shape = [2, 4, 3, 1]
    learned = {"_meta": meta, "sample_shape": sample_shape, "model_shape": model_shape, "chains": []}
    for schedule, T, spaced, prediction_type, clip in [
        ("linear", 20, None, "epsilon", True),
        ("squaredcos_cap_v2", 1000, (10, "leading", 0), "v_prediction", False),
        ("linear", 1000, (8, "trailing", 0), "sample", True),
    ]:
        schedulers = {p: DDPM(schedule, T, dtype) for p, dtype in DTYPES.items()}
        timesteps = None
        for s_ in schedulers.values():
            timesteps = s_.set_timesteps(*spaced) if spaced else list(range(T - 1, -1, -1))
        x_T = np.float32(rng.standard_normal(12)).astype(np.float64)
        model_outputs, noises = [], []
        for _ in timesteps:
            prediction = f32_values(rng, 12, -3, 3).reshape(2, 2, 3)
            # variance values over [−1.2, 1.2], both ends of the range (±1) exactly included
            variance = f32_values(rng, 12, -1.2, 1.2).reshape(2, 2, 3)
            variance[0, 0, 0], variance[1, 1, 2] = -1.0, 1.0
            model_outputs.append(np.concatenate([prediction, variance], axis=1).reshape(-1))
            noises.append(np.float32(rng.standard_normal(12)).astype(np.float64))
        chain = {
            "schedule": schedule, "T": T, "set_timesteps": list(spaced) if spaced else None,
            "prediction_type": prediction_type, "clip_sample": clip, "timesteps": [int(t) for t in timesteps],
            "x_T": x_T.tolist(), "model_outputs": [m.tolist() for m in model_outputs], "noise": [z.tolist() for z in noises],
        }
        for p, s_ in schedulers.items():
            x = torch.tensor(x_T, dtype=s_.dtype).reshape(sample_shape)
            samples, log_variances = [], []
            for t, m, z in zip(timesteps, model_outputs, noises):
                m = torch.tensor(m, dtype=s_.dtype).reshape(model_shape)
                log_variances.append(numbers(s_.get_variance(int(t), "learned_range", m[:, 2:]), p))
                x, _ = s_.step_learned_range(m, int(t), x, prediction_type, clip, torch.tensor(z, dtype=s_.dtype).reshape(sample_shape))
                samples.append(numbers(x, p))
            # samples[k] is the chain after step k (x at timesteps[k] − its stride); each step starts from the one before
            chain[p] = {"samples": samples, "log_variance": log_variances}
        learned["chains"].append(chain)
    write("ddpm_learned.json", learned)


if __name__ == "__main__":
    main()
