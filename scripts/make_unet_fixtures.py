#!/usr/bin/python3
"""Golden fixtures for the U-Net: a plain-PyTorch UNet2DModel with diffusers' structure and key names.

diffusers is not installable here, so this file re-implements diffusers' (~0.30) `UNet2DModel` for the block
types the engine supports (DownBlock2D, AttnDownBlock2D, UpBlock2D, AttnUpBlock2D, UNetMidBlock2D with
attention), with the same module tree (hence the same state-dict keys) and the same order of operations:

- ResnetBlock2D (diffusers/models/resnet.py): norm1 -> SiLU -> conv1 -> + time_emb_proj(SiLU(temb))[:, :, None, None]
  -> norm2 -> SiLU -> dropout -> conv2 -> + (conv_shortcut(x) if channels change else x), / output_scale_factor.
- Attention (models/attention_processor.py, AttnProcessor2_0 with `_from_deprecated_attn_block=True`):
  group_norm -> [B, C, HW] -> [B, HW, C] -> to_q/to_k/to_v -> heads of size dim_head (channel c = head * dim_head + d)
  -> softmax(q k^T * dim_head^-0.5) v -> to_out.0 -> back to NCHW -> + residual -> / rescale_output_factor.
- Downsample2D (models/downsampling.py, name="op" so the conv is registered as `conv`): 3x3 stride-2 conv with
  `padding=downsample_padding`; when that is 0, F.pad(x, (0, 1, 0, 1)) first.
- Upsample2D (models/upsampling.py): nearest x2, then 3x3 conv with padding 1.
- Timesteps / get_timestep_embedding (models/embeddings.py) -> TimestepEmbedding linear_1 -> SiLU -> linear_2;
  nn.Embedding class embedding added to it (when num_class_embeds is set and class_embed_type is None).
- UNet2DModel.forward (models/unets/unet_2d.py): conv_in; skips = (conv_in output,) + every block's output
  states (each resnet/attention pair's output, then the downsampler's output); mid block; each up block pops
  len(resnets) skips, concatenating the most recent first; conv_norm_out -> SiLU -> conv_out.

Everything runs in float64 (model.double()) from float32-rounded weights and inputs; the timestep embedding is
therefore computed in float64 too (diffusers computes it in float32, with arguments up to ~1000 radians; the
engine computes them in float64 on the CPU).

Run:  /usr/bin/python3 scripts/make_unet_fixtures.py   (from the repository root; writes test/fixtures/unet/)
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIFFUSERS_VERSION = "0.30.0"
OUT_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "unet")


# ----------------------------------------------------------------------------------------------------------------
# Modules (names of attributes are the state-dict key names; do not rename)
# ----------------------------------------------------------------------------------------------------------------


def get_timestep_embedding(timesteps, embedding_dim, flip_sin_to_cos, downscale_freq_shift, max_period=10000):
    half_dim = embedding_dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half_dim, dtype=timesteps.dtype) / (half_dim - downscale_freq_shift)
    emb = timesteps[:, None] * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half_dim:], emb[:, :half_dim]], dim=-1)
    if embedding_dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class Timesteps(nn.Module):
    def __init__(self, num_channels, flip_sin_to_cos, downscale_freq_shift):
        super().__init__()
        self.num_channels = num_channels
        self.flip_sin_to_cos = flip_sin_to_cos
        self.downscale_freq_shift = downscale_freq_shift

    def forward(self, timesteps):
        return get_timestep_embedding(timesteps, self.num_channels, self.flip_sin_to_cos, self.downscale_freq_shift)


class TimestepEmbedding(nn.Module):
    def __init__(self, in_channels, time_embed_dim):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, sample):
        return self.linear_2(self.act(self.linear_1(sample)))


class ResnetBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, temb_channels, eps, groups, dropout=0.0, output_scale_factor=1.0):
        super().__init__()
        self.output_scale_factor = output_scale_factor
        self.norm1 = nn.GroupNorm(num_groups=groups, num_channels=in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = nn.GroupNorm(num_groups=groups, num_channels=out_channels, eps=eps, affine=True)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.nonlinearity = nn.SiLU()
        self.conv_shortcut = None
        if in_channels != out_channels:
            self.conv_shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, input_tensor, temb):
        h = self.nonlinearity(self.norm1(input_tensor))
        h = self.conv1(h)
        h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        h = self.nonlinearity(self.norm2(h))
        h = self.dropout(h)
        h = self.conv2(h)
        shortcut = self.conv_shortcut(input_tensor) if self.conv_shortcut is not None else input_tensor
        return (shortcut + h) / self.output_scale_factor


class Attention(nn.Module):
    """diffusers' Attention as built by the U-Net blocks: self-attention over the H*W positions, biases everywhere."""

    def __init__(self, query_dim, heads, dim_head, eps, norm_num_groups, rescale_output_factor=1.0):
        super().__init__()
        inner_dim = heads * dim_head
        self.heads = heads
        self.dim_head = dim_head
        self.scale = dim_head ** -0.5
        self.rescale_output_factor = rescale_output_factor
        self.group_norm = nn.GroupNorm(num_channels=query_dim, num_groups=norm_num_groups, eps=eps, affine=True)
        self.to_q = nn.Linear(query_dim, inner_dim, bias=True)
        self.to_k = nn.Linear(query_dim, inner_dim, bias=True)
        self.to_v = nn.Linear(query_dim, inner_dim, bias=True)
        self.to_out = nn.ModuleList([nn.Linear(inner_dim, query_dim, bias=True), nn.Dropout(0.0)])

    def forward(self, hidden_states):
        residual = hidden_states
        b, c, h, w = hidden_states.shape
        x = hidden_states.view(b, c, h * w).transpose(1, 2)  # [B, HW, C]
        x = self.group_norm(x.transpose(1, 2)).transpose(1, 2)
        q = self.to_q(x).view(b, -1, self.heads, self.dim_head).transpose(1, 2)  # [B, heads, HW, d]
        k = self.to_k(x).view(b, -1, self.heads, self.dim_head).transpose(1, 2)
        v = self.to_v(x).view(b, -1, self.heads, self.dim_head).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        probs = scores.softmax(dim=-1)
        x = torch.matmul(probs, v).transpose(1, 2).reshape(b, -1, self.heads * self.dim_head)
        x = self.to_out[0](x)
        x = self.to_out[1](x)
        x = x.transpose(-1, -2).reshape(b, c, h, w)
        x = x + residual
        return x / self.rescale_output_factor


class Downsample2D(nn.Module):
    def __init__(self, channels, padding):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0)
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, temb_channels, num_layers, eps, groups, add_downsample,
                 downsample_padding, attention_head_dim=None, with_attention=False):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb_channels, eps, groups)
             for i in range(num_layers)])
        if with_attention:
            self.attentions = nn.ModuleList(
                [Attention(out_channels, out_channels // attention_head_dim, attention_head_dim, eps, groups)
                 for _ in range(num_layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels, downsample_padding)]) if add_downsample else None

    def forward(self, hidden_states, temb):
        output_states = ()
        for i, resnet in enumerate(self.resnets):
            hidden_states = resnet(hidden_states, temb)
            if self.attentions is not None:
                hidden_states = self.attentions[i](hidden_states)
            output_states += (hidden_states,)
        if self.downsamplers is not None:
            for downsampler in self.downsamplers:
                hidden_states = downsampler(hidden_states)
            output_states += (hidden_states,)
        return hidden_states, output_states


class UpBlock2D(nn.Module):
    def __init__(self, in_channels, prev_output_channel, out_channels, temb_channels, num_layers, eps, groups,
                 add_upsample, attention_head_dim=None, with_attention=False):
        super().__init__()
        resnets = []
        for i in range(num_layers):
            res_skip_channels = in_channels if i == num_layers - 1 else out_channels
            resnet_in_channels = prev_output_channel if i == 0 else out_channels
            resnets.append(ResnetBlock2D(resnet_in_channels + res_skip_channels, out_channels, temb_channels, eps, groups))
        self.resnets = nn.ModuleList(resnets)
        if with_attention:
            self.attentions = nn.ModuleList(
                [Attention(out_channels, out_channels // attention_head_dim, attention_head_dim, eps, groups)
                 for _ in range(num_layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels)]) if add_upsample else None

    def forward(self, hidden_states, res_hidden_states_tuple, temb):
        for i, resnet in enumerate(self.resnets):
            res_hidden_states = res_hidden_states_tuple[-1]
            res_hidden_states_tuple = res_hidden_states_tuple[:-1]
            hidden_states = torch.cat([hidden_states, res_hidden_states], dim=1)
            hidden_states = resnet(hidden_states, temb)
            if self.attentions is not None:
                hidden_states = self.attentions[i](hidden_states)
        if self.upsamplers is not None:
            for upsampler in self.upsamplers:
                hidden_states = upsampler(hidden_states)
        return hidden_states


class UNetMidBlock2D(nn.Module):
    def __init__(self, in_channels, temb_channels, eps, groups, attention_head_dim, add_attention=True):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_channels, in_channels, temb_channels, eps, groups),
                                      ResnetBlock2D(in_channels, in_channels, temb_channels, eps, groups)])
        # attn_norm_num_groups is None and resnet_time_scale_shift == "default" -> attention uses resnet_groups.
        self.attentions = nn.ModuleList(
            [Attention(in_channels, in_channels // attention_head_dim, attention_head_dim, eps, groups)]
            if add_attention else [])
        self.add_attention = add_attention

    def forward(self, hidden_states, temb):
        hidden_states = self.resnets[0](hidden_states, temb)
        if self.add_attention:
            hidden_states = self.attentions[0](hidden_states)
        return self.resnets[1](hidden_states, temb)


class UNet2DModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        boc = cfg["block_out_channels"]
        groups, eps, head_dim = cfg["norm_num_groups"], cfg["norm_eps"], cfg["attention_head_dim"]
        time_embed_dim = boc[0] * 4
        self.conv_in = nn.Conv2d(cfg["in_channels"], boc[0], kernel_size=3, padding=(1, 1))
        self.time_proj = Timesteps(boc[0], cfg["flip_sin_to_cos"], cfg["freq_shift"])
        self.time_embedding = TimestepEmbedding(boc[0], time_embed_dim)
        self.class_embedding = (nn.Embedding(cfg["num_class_embeds"], time_embed_dim)
                                if cfg.get("num_class_embeds") is not None else None)

        self.down_blocks = nn.ModuleList([])
        output_channel = boc[0]
        for i, block_type in enumerate(cfg["down_block_types"]):
            input_channel, output_channel = output_channel, boc[i]
            is_final = i == len(boc) - 1
            assert block_type in ("DownBlock2D", "AttnDownBlock2D"), block_type
            self.down_blocks.append(DownBlock2D(
                input_channel, output_channel, time_embed_dim, cfg["layers_per_block"], eps, groups,
                add_downsample=not is_final, downsample_padding=cfg["downsample_padding"],
                attention_head_dim=head_dim, with_attention=block_type == "AttnDownBlock2D"))

        self.mid_block = UNetMidBlock2D(boc[-1], time_embed_dim, eps, groups, head_dim, cfg["add_attention"])

        self.up_blocks = nn.ModuleList([])
        reversed_boc = list(reversed(boc))
        output_channel = reversed_boc[0]
        for i, block_type in enumerate(cfg["up_block_types"]):
            prev_output_channel, output_channel = output_channel, reversed_boc[i]
            input_channel = reversed_boc[min(i + 1, len(boc) - 1)]
            is_final = i == len(boc) - 1
            assert block_type in ("UpBlock2D", "AttnUpBlock2D"), block_type
            self.up_blocks.append(UpBlock2D(
                input_channel, prev_output_channel, output_channel, time_embed_dim, cfg["layers_per_block"] + 1,
                eps, groups, add_upsample=not is_final, attention_head_dim=head_dim,
                with_attention=block_type == "AttnUpBlock2D"))

        self.conv_norm_out = nn.GroupNorm(num_channels=boc[0], num_groups=groups, eps=eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], cfg["out_channels"], kernel_size=3, padding=1)

    def forward(self, sample, timesteps, class_labels=None, acts=None):
        acts = {} if acts is None else acts
        timesteps = timesteps * torch.ones(sample.shape[0], dtype=timesteps.dtype)
        t_emb = self.time_proj(timesteps)
        acts["t_emb"] = t_emb
        emb = self.time_embedding(t_emb)
        if self.class_embedding is not None:
            emb = emb + self.class_embedding(class_labels)
        acts["emb"] = emb
        sample = self.conv_in(sample)
        acts["conv_in"] = sample
        down_block_res_samples = (sample,)
        for block in self.down_blocks:
            sample, res_samples = block(sample, emb)
            down_block_res_samples += res_samples
        sample = self.mid_block(sample, emb)
        acts["mid"] = sample
        for block in self.up_blocks:
            res_samples = down_block_res_samples[-len(block.resnets):]
            down_block_res_samples = down_block_res_samples[:-len(block.resnets)]
            sample = block(sample, res_samples, emb)
        acts["up"] = sample
        sample = self.conv_out(self.conv_act(self.conv_norm_out(sample)))
        return sample


# ----------------------------------------------------------------------------------------------------------------
# safetensors writer (the safetensors package is not installed here)
# ----------------------------------------------------------------------------------------------------------------


def write_safetensors(path, tensors, metadata=None):
    """F32 only; keys sorted; header padded with spaces to a multiple of 8 bytes, as the reference writer does."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype("<f4"))
        raw = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------------------------


def full_config(cfg):
    """diffusers' UNet2DModel config.json: every constructor argument, defaults included."""
    out = {
        "_class_name": "UNet2DModel",
        "_diffusers_version": DIFFUSERS_VERSION,
        "sample_size": None,
        "in_channels": 3,
        "out_channels": 3,
        "center_input_sample": False,
        "time_embedding_type": "positional",
        "time_embedding_dim": None,
        "freq_shift": 0,
        "flip_sin_to_cos": True,
        "down_block_types": None,
        "mid_block_type": "UNetMidBlock2D",
        "up_block_types": None,
        "block_out_channels": None,
        "layers_per_block": 2,
        "mid_block_scale_factor": 1,
        "downsample_padding": 1,
        "downsample_type": "conv",
        "upsample_type": "conv",
        "dropout": 0.0,
        "act_fn": "silu",
        "attention_head_dim": 8,
        "norm_num_groups": 32,
        "attn_norm_num_groups": None,
        "norm_eps": 1e-5,
        "resnet_time_scale_shift": "default",
        "add_attention": True,
        "class_embed_type": None,
        "num_class_embeds": None,
        "num_train_timesteps": None,
    }
    for k, v in cfg.items():
        assert k in out, f"unknown config key {k}"
        out[k] = v
    return out


def init_parameters(model, seed):
    """Random but non-trivial values everywhere (norm gammas != 1, biases != 0) so every gradient is exercised."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            is_norm = ".norm" in name or "group_norm" in name or name.startswith("conv_norm_out")
            if is_norm and name.endswith(".weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name == "class_embedding.weight":
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) * (0.5 / math.sqrt(fan_in)))


def make_fixture(name, cfg, batch, timesteps, class_labels, seed):
    config = full_config(cfg)
    torch.manual_seed(seed)
    model = UNet2DModel(config)
    init_parameters(model, seed)
    model.float()
    weights32 = {k: v.detach().clone().float() for k, v in model.state_dict().items()}
    model.double()
    model.eval()  # dropout is 0.0 anyway

    gen = torch.Generator().manual_seed(seed + 1)
    size = config["sample_size"]
    x = torch.randn((batch, config["in_channels"], size, size), generator=gen).float().double()
    target = torch.randn((batch, config["out_channels"], size, size), generator=gen).float().double()
    t = torch.tensor(timesteps, dtype=torch.float64)
    labels = torch.tensor(class_labels, dtype=torch.long) if class_labels is not None else None

    acts = {}
    out = model(x, t, labels, acts)
    loss = ((out - target) ** 2).mean()
    model.zero_grad()
    loss.backward()

    folder = os.path.join(OUT_ROOT, name)
    os.makedirs(os.path.join(folder, "unet"), exist_ok=True)
    write_json(os.path.join(folder, "unet", "config.json"), config)
    write_safetensors(os.path.join(folder, "unet", "diffusion_pytorch_model.safetensors"), weights32,
                      {"format": "pt"})

    golden = {"x": x, "timesteps": t, "target": target, "output": out.detach(), "loss": loss.detach().reshape(1)}
    if labels is not None:
        golden["class_labels"] = labels.double()
    for k, v in acts.items():
        golden["act." + k] = v.detach()
    params = dict(model.named_parameters())
    assert set(params) == set(weights32), "parameters and state dict differ"
    for k, p in params.items():
        assert p.grad is not None, f"no gradient for {k}"
        golden["grad." + k] = p.grad.detach()
    write_safetensors(os.path.join(folder, "golden.safetensors"), golden, {
        "fixture": name,
        "torch": torch.__version__,
        "compute_dtype": "float64",
        "loss": "mean((output - target)^2) over every element",
        "seed": str(seed),
    })
    n_params = sum(p.numel() for p in params.values())
    print(f"{name}: {len(params)} tensors, {n_params} parameters, loss {loss.item():.6f}, "
          f"|out|max {out.abs().max().item():.4f}")
    return config, weights32


OLD_NAMES = [(".to_q.", ".query."), (".to_k.", ".key."), (".to_v.", ".value."), (".to_out.0.", ".proj_attn.")]


def old_key(key):
    for new, old in OLD_NAMES:
        key = key.replace(new, old)
    return key


def main():
    attn_class_cfg = {
        "sample_size": 8,
        "in_channels": 3,
        "out_channels": 3,
        "block_out_channels": [16, 32],
        "layers_per_block": 1,
        "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
        "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
        "attention_head_dim": 8,
        "norm_num_groups": 8,
        "norm_eps": 1e-6,
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "downsample_padding": 1,
        "num_class_embeds": 10,
    }
    three_level_cfg = {
        "sample_size": 8,
        "in_channels": 1,
        "out_channels": 1,
        "block_out_channels": [8, 16, 16],
        "layers_per_block": 1,
        "down_block_types": ["DownBlock2D", "DownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "UpBlock2D", "UpBlock2D"],
        "attention_head_dim": 4,
        "norm_num_groups": 4,
        "norm_eps": 1e-5,
        "flip_sin_to_cos": False,
        "freq_shift": 1,
        "downsample_padding": 0,
    }
    config, weights = make_fixture("attn-class", attn_class_cfg, batch=2, timesteps=[999.0, 17.0],
                                   class_labels=[3, 7], seed=1234)
    make_fixture("three-level-1ch", three_level_cfg, batch=1, timesteps=[500.0], class_labels=None, seed=5678)

    # The attn-class weights under the pre-0.14 attention names (query/key/value/proj_attn), for the loader test.
    folder = os.path.join(OUT_ROOT, "attn-class-old-keys", "unet")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config)
    renamed = {old_key(k): v for k, v in weights.items()}
    assert len(renamed) == len(weights)
    assert sum(1 for k in renamed if ".proj_attn." in k) > 0
    write_safetensors(os.path.join(folder, "diffusion_pytorch_model.safetensors"), renamed, {"format": "pt"})
    print(f"attn-class-old-keys: {sum(1 for k in weights if old_key(k) != k)} attention tensors renamed")


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    sys.exit(main())
