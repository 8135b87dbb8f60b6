/**
 * Scheduler configurations: diffusers' scheduler_config.json keys and defaults, validated strictly
 * (unknown keys and unsupported values are errors naming them).
 */
import { BETA_SCHEDULES, type BetaSchedule } from "./schedule.js";

/**
 * What the model outputs: ε, x₀ ("sample"), v (Salimans & Ho 2022), or the posterior mean μ̃_t(x_t, x₀) itself
 * ("posterior_mean", Ho et al. 2020 §3.2's first parameterisation). diffusers' schedulers accept the first three only.
 */
export type PredictionType = "epsilon" | "sample" | "v_prediction" | "posterior_mean";
/**
 * The variance of p_θ(x_{t−1} | x_t): fixed (β̃_t or β_t), or "learned_range" (Nichol & Dhariwal 2021 eq. 15): the
 * model outputs 2·C channels, the prediction and a value v per element, and log σ² = frac·log β_t + (1 − frac)·log β̃_t
 * with frac = (v + 1)/2.
 */
export type VarianceType = "fixed_small" | "fixed_small_log" | "fixed_large" | "fixed_large_log" | "learned_range";
export type TimestepSpacing = "leading" | "trailing" | "linspace";

export interface DDPMSchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  variance_type: VarianceType;
  clip_sample: boolean;
  clip_sample_range: number;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
}

export interface DDIMSchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  clip_sample: boolean;
  clip_sample_range: number;
  set_alpha_to_one: boolean;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
}

export const DDPM_DEFAULTS: DDPMSchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  variance_type: "fixed_small",
  clip_sample: true,
  clip_sample_range: 1,
  prediction_type: "epsilon",
  timestep_spacing: "leading",
  steps_offset: 0,
};

export const DDIM_DEFAULTS: DDIMSchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  clip_sample: true,
  clip_sample_range: 1,
  set_alpha_to_one: true,
  prediction_type: "epsilon",
  timestep_spacing: "leading",
  steps_offset: 0,
};

const ALLOWED: Record<string, readonly unknown[]> = {
  beta_schedule: BETA_SCHEDULES,
  variance_type: ["fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log", "learned_range"],
  prediction_type: ["epsilon", "sample", "v_prediction", "posterior_mean"],
  timestep_spacing: ["leading", "trailing", "linspace"],
};

/**
 * Keys diffusers writes that this engine accepts only at their inert value (e.g. thresholding off):
 * a config that turns one on is refused by name rather than silently ignored.
 */
const INERT: Record<string, unknown> = {
  trained_betas: null,
  thresholding: false,
  rescale_betas_zero_snr: false,
};
/** Keys that only matter when thresholding is on. */
const IGNORED = new Set(["dynamic_thresholding_ratio", "sample_max_value"]);

export function resolveSchedulerConfig<C extends object>(kind: string, defaults: C, given: Record<string, unknown>): C {
  const config = { ...defaults } as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (key.startsWith("_")) continue;
    if (key in defaults) {
      config[key] = value;
    } else if (key in INERT) {
      if (value !== INERT[key]) problems.push(`${key} = ${JSON.stringify(value)} is not supported`);
    } else if (!IGNORED.has(key)) {
      problems.push(`unknown key '${key}'`);
    }
  }
  for (const [key, allowed] of Object.entries(ALLOWED)) {
    if (key in config && !allowed.includes(config[key])) {
      problems.push(`${key} = ${JSON.stringify(config[key])} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
    }
  }
  const T = config.num_train_timesteps;
  if (!Number.isInteger(T) || (T as number) < 1) problems.push(`num_train_timesteps = ${JSON.stringify(T)} must be a positive integer`);
  for (const key of ["beta_start", "beta_end", "clip_sample_range"]) {
    if (key in config && !(typeof config[key] === "number" && (config[key] as number) > 0)) {
      problems.push(`${key} = ${JSON.stringify(config[key])} must be a positive number`);
    }
  }
  if (problems.length) throw new Error(`${kind} config: ${problems.join("; ")}`);
  return config as C;
}
