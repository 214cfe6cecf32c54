"""
torch_model.py — lowwatt's transformer (include/lowwatt/model.h) in PyTorch.

One definition shared by the parity test's reference runner
(tests/peer/torch_ref.py) and the training benchmark's peer
(bench/train/torch_peer.py), so that the model lowwatt is checked against is
the model it is timed against.

The architecture, exactly as model.h:

    x = wte[ids] + wpe[t]
    per layer:  x += proj(attention(qkv(ln1(x))))
                x += fc_proj(gelu_tanh(fc(ln2(x))))
    logits = lnf(x)[selected] @ wte^T     (selected: the positions whose
                                           target is not -1, in increasing
                                           flat order b*T + t)
    loss   = mean cross-entropy over the selected positions (0 if none)

Attention splits the qkv output into q, k, v (in that order, C wide each),
views them as (B, NH, T, hd), takes softmax(q k^T / sqrt(hd)) — causal for
clm, bidirectional for mlm — times v, and puts the heads side by side again.
LayerNorm eps is 1e-5. Linear layers are nn.Linear, which stores its weight
(out, in): lowwatt's layout, so a parameter maps to a lowwatt tensor without
a transpose.

lowwatt keeps its parameters in one flat float32 buffer described by a table
of named tensors; tensor_table() lists that table, LowwattTransformer.
lw_tensors() pairs it with the module's parameters, and load_flat /
flat_params / flat_grads convert between the two. Weight sharing
(tests/peer/torch_share.py) subclasses the model and overrides lw_tensors
with its physical table; the conversions follow.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ARCHS = ("mlm", "clm")
IGNORE_INDEX = -1
LN_EPS = 1e-5


class Config:
    """The sizes of a model, as lw_model_config."""

    def __init__(self, arch, layers, d_model, heads, d_ff, seq, vocab):
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, not {arch!r}")
        if min(layers, d_model, heads, d_ff, seq, vocab) <= 0:
            raise ValueError("every size must be positive")
        if d_model % heads:
            raise ValueError(f"heads ({heads}) must divide d_model ({d_model})")
        self.arch, self.layers, self.d_model, self.heads = arch, layers, d_model, heads
        self.d_ff, self.seq, self.vocab = d_ff, seq, vocab


def tensor_table(cfg):
    """lowwatt's parameter table: [(name, shape, decay)] in buffer order."""
    C, Fw, L = cfg.d_model, cfg.d_ff, cfg.layers
    table = [("wte", (cfg.vocab, C), 0), ("wpe", (cfg.seq, C), 0)]
    for l in range(L):
        p = f"h.{l}."
        table += [
            (p + "ln1.g", (C,), 0), (p + "ln1.b", (C,), 0),
            (p + "qkv.w", (3 * C, C), 1), (p + "qkv.b", (3 * C,), 0),
            (p + "proj.w", (C, C), 1), (p + "proj.b", (C,), 0),
            (p + "ln2.g", (C,), 0), (p + "ln2.b", (C,), 0),
            (p + "fc.w", (Fw, C), 1), (p + "fc.b", (Fw,), 0),
            (p + "fc_proj.w", (C, Fw), 1), (p + "fc_proj.b", (C,), 0),
        ]
    table += [("lnf.g", (C,), 0), ("lnf.b", (C,), 0)]
    return table


def num_params(cfg):
    return sum(math.prod(shape) for _, shape, _ in tensor_table(cfg))


class Block(nn.Module):
    """One pre-LayerNorm transformer layer."""

    def __init__(self, cfg):
        super().__init__()
        C = cfg.d_model
        self.heads = cfg.heads
        self.causal = cfg.arch == "clm"
        self.ln1 = nn.LayerNorm(C, eps=LN_EPS)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C, eps=LN_EPS)
        self.fc = nn.Linear(C, cfg.d_ff)
        self.fc_proj = nn.Linear(cfg.d_ff, C)

    def attention(self, x, mask):
        # x is (B,T,C); mask (T,T) bool, True where attending is allowed, or None
        B, T, C = x.shape
        hd = C // self.heads
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.heads, hd).transpose(1, 2)  # (B,NH,T,hd)
        k = k.view(B, T, self.heads, hd).transpose(1, 2)
        v = v.view(B, T, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))  # (B,NH,T,T)
        if mask is not None:
            att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.proj(y)

    def forward(self, x, mask):
        x = x + self.attention(self.ln1(x), mask)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class LowwattTransformer(nn.Module):
    """The model of model.h; forward(inputs, targets) -> (loss, logits)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        C = cfg.d_model
        self.wte = nn.Embedding(cfg.vocab, C)
        self.wpe = nn.Embedding(cfg.seq, C)
        self.h = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.lnf = nn.LayerNorm(C, eps=LN_EPS)
        causal = torch.ones(cfg.seq, cfg.seq, dtype=torch.bool).tril()
        self.register_buffer("causal", causal, persistent=False)

    def forward(self, inputs, targets):
        # inputs, targets are (B,T) int64; targets IGNORE_INDEX where no loss.
        # Returns the mean loss and the logits (n, V) of the selected
        # positions, in increasing flat order.
        B, T = inputs.shape
        C = self.cfg.d_model
        pos = torch.arange(T, device=inputs.device)
        x = self.wte(inputs) + self.wpe(pos)  # (B,T,C)
        mask = self.causal[:T, :T] if self.cfg.arch == "clm" else None
        for block in self.h:
            x = block(x, mask)
        flat = targets.reshape(-1)
        sel = (flat != IGNORE_INDEX).nonzero().squeeze(1)  # increasing order
        # LayerNorm works row by row, so normalising only the selected rows
        # is lnf(x)[selected], without the work on the others.
        h = self.lnf(x.reshape(B * T, C).index_select(0, sel))
        logits = F.linear(h, self.wte.weight)  # (n,V), tied head, no bias
        if sel.numel() == 0:
            return logits.sum() * 0.0, logits
        return F.cross_entropy(logits, flat.index_select(0, sel)), logits

    def logical_params(self):
        """What each entry of tensor_table uses, in its order (with sharing,
        tests/peer/torch_share.py, some are the same object)."""
        params = [self.wte.weight, self.wpe.weight]
        for b in self.h:
            params += [b.ln1.weight, b.ln1.bias, b.qkv.weight, b.qkv.bias,
                       b.proj.weight, b.proj.bias, b.ln2.weight, b.ln2.bias,
                       b.fc.weight, b.fc.bias, b.fc_proj.weight, b.fc_proj.bias]
        return params + [self.lnf.weight, self.lnf.bias]

    def lw_tensors(self):
        """[(lowwatt name, parameter, decay)] in lowwatt's buffer order."""
        params = self.logical_params()
        table = tensor_table(self.cfg)
        for (name, shape, _), p in zip(table, params):
            assert tuple(p.shape) == shape, (name, tuple(p.shape), shape)
        return [(name, p, decay) for (name, _, decay), p in zip(table, params)]

    @torch.no_grad()
    def load_flat(self, flat):
        """Set every parameter from a flat array in lowwatt's order."""
        flat = np.asarray(flat)
        total = sum(p.numel() for _, p, _ in self.lw_tensors())
        if flat.size != total:
            raise ValueError(f"flat parameters hold {flat.size} values, the model {total}")
        off = 0
        for _, p, _ in self.lw_tensors():
            n = p.numel()
            p.copy_(torch.from_numpy(np.ascontiguousarray(flat[off:off + n])).view_as(p))
            off += n

    @torch.no_grad()
    def flat_params(self):
        """The parameters as one float32 array in lowwatt's order."""
        return np.concatenate([p.detach().reshape(-1).float().numpy()
                               for _, p, _ in self.lw_tensors()])

    @torch.no_grad()
    def flat_grads(self):
        """The gradients as one float32 array in lowwatt's order (0: none)."""
        return np.concatenate([
            (p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1).float().numpy()
            for _, p, _ in self.lw_tensors()])

    @torch.no_grad()
    def init_gpt2(self, seed):
        """model.h's initialisation (the distributions, not lowwatt's
        numbers): weights and embeddings N(0, 0.02), the residual output
        projections N(0, 0.02/sqrt(2L)), biases 0, LayerNorm gains 1."""
        gen = torch.Generator().manual_seed(seed)
        resid_std = 0.02 / math.sqrt(2 * self.cfg.layers)
        for name, p, _ in self.lw_tensors():
            if name.endswith(".b"):
                p.zero_()
            elif name.endswith(".g"):
                p.fill_(1.0)
            else:
                std = resid_std if name.endswith(("proj.w", "fc_proj.w")) else 0.02
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * std)

    def param_groups(self, weight_decay):
        """AdamW groups: decay on the layers' matrices (lowwatt's decay = 1
        tensors) only."""
        decay = [p for _, p, d in self.lw_tensors() if d]
        other = [p for _, p, d in self.lw_tensors() if not d]
        return [{"params": decay, "weight_decay": weight_decay},
                {"params": other, "weight_decay": 0.0}]
