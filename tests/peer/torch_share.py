"""
torch_share.py — lowwatt's weight sharing (include/lowwatt/model.h,
"Sharing") in PyTorch, for the parity test (tests/peer/torch_ref.py).

Written from the description, not from lowwatt's code, so that the two
can disagree:

  Cross-layer sharing (ALBERT), share all | attn | ffn. The layers are cut
  into `groups` consecutive groups, layer l in group floor(l * groups / L);
  every layer of a group uses the sublayer weights of the group's first
  layer: all = the attention and the MLP sublayers, attn = ln1, qkv, proj,
  ffn = ln2, fc, fc_proj. Without `vectors` only the weight matrices are
  shared (each layer keeps its biases and LayerNorms); with it, the whole
  sublayer. Sharing here is module reuse: the layers hold the same
  nn.Parameter (or the same nn.Module) objects, so autograd sums their
  gradients, and the physical parameters are the logical table with the
  repeats left out — each under the name of its first use, the group's
  first layer ("h.0.qkv.w").

  A parameter bank (Shapeshifter networks) of B floats, K templates per
  matrix. Every layer weight matrix (qkv.w, proj.w, fc.w, fc_proj.w) of s
  floats is made, in its (out, in) row-major order, as

      W[i] = sum_k a[m, k] * bank[(w + k*s + i) mod B]

  where m counts the matrices in table order, a is the (n_matrices, K)
  coefficient matrix, and w is the window start: each matrix size keeps a
  cursor (0 at first) that a matrix of that size starts at and advances by
  K*s mod B, so matrices of one size walk the bank in turn (fc and fc_proj,
  of one size, continue each other) while other sizes overlay the same
  floats. The weights are remade from the bank on every forward pass: the
  index tensors do the wrapping, autograd's gather-backward the summing.
  Physical parameters: the table without the matrices, then "bank" (B,
  decayed) and "bank.coef" (n_matrices * K floats, row-major a, not
  decayed).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_model import LowwattTransformer, tensor_table

SHARES = ("none", "all", "attn", "ffn")
SUBLAYERS = {"attn": ("ln1", "qkv", "proj"), "ffn": ("ln2", "fc", "fc_proj")}
LINEARS = ("qkv", "proj", "fc", "fc_proj")  # in table order within a layer


class Sharing:
    """The sharing fields of lw_model_config (0: lowwatt's defaults)."""

    def __init__(self, share="none", groups=0, vectors=0, bank=0, templates=0):
        if share not in SHARES:
            raise ValueError(f"share must be one of {SHARES}, not {share!r}")
        if bank < 0 or (bank and share != "none"):
            raise ValueError("a bank needs share none and a positive size")
        self.share, self.groups, self.vectors = share, groups or 1, bool(vectors)
        self.bank, self.templates = bank, templates or 4

    def active(self):
        return self.share != "none" or self.bank > 0


class MadeLinear(nn.Module):
    """A linear layer whose weight (out, in) is set before each forward
    (made from the bank); only its bias is a parameter of its own."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.shape = (n_out, n_in)
        self.bias = nn.Parameter(torch.zeros(n_out))
        self.weight = None  # a plain tensor, set by SharedTransformer.forward

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


def group_owner(layers, groups, l):
    """The first layer of layer l's group."""
    g = l * groups // layers
    return min(j for j in range(layers) if j * groups // layers == g)


def bank_windows(cfg, bank, K):
    """[(name, s, w)] for every layer weight matrix, in table order: its size
    and its window start by the cursor-per-size rule."""
    cursor, out = {}, []
    for name, shape, _ in tensor_table(cfg):
        if name.startswith("h.") and name.endswith(".w"):
            s = shape[0] * shape[1]
            w = cursor.get(s, 0)
            out.append((name, s, w))
            cursor[s] = (w + K * s) % bank
    return out


class SharedTransformer(LowwattTransformer):
    """LowwattTransformer with cross-layer sharing or a parameter bank."""

    def __init__(self, cfg, sharing):
        super().__init__(cfg)
        self.sharing = sharing
        self.bank = self.coef = None
        if sharing.share != "none":
            self._share_layers()
        if sharing.bank:
            self._make_bank()

    def _share_layers(self):
        s = self.sharing
        subs = sum((SUBLAYERS[k] for k in SUBLAYERS if s.share in ("all", k)), ())
        for l, block in enumerate(self.h):
            owner = self.h[group_owner(self.cfg.layers, s.groups, l)]
            if owner is block:
                continue
            for sub in subs:
                if s.vectors:
                    setattr(block, sub, getattr(owner, sub))  # the whole module
                elif sub in LINEARS:
                    getattr(block, sub).weight = getattr(owner, sub).weight

    def _make_bank(self):
        B, K = self.sharing.bank, self.sharing.templates
        windows = bank_windows(self.cfg, B, K)
        self.bank = nn.Parameter(torch.zeros(B))
        self.coef = nn.Parameter(torch.zeros(len(windows) * K))
        self.made = []  # (MadeLinear, index (K, s)) in table order
        it = iter(windows)
        for block in self.h:
            for sub in LINEARS:
                name, s, w = next(it)
                old = getattr(block, sub)
                assert name.endswith(f".{sub}.w") and old.weight.numel() == s
                lin = MadeLinear(old.in_features, old.out_features)
                setattr(block, sub, lin)
                k = torch.arange(K).unsqueeze(1)
                self.made.append((lin, (w + k * s + torch.arange(s)) % B))

    def forward(self, inputs, targets):
        if self.bank is not None:
            a = self.coef.view(len(self.made), -1)  # (n_matrices, K)
            for m, (lin, idx) in enumerate(self.made):
                w = (a[m].unsqueeze(1) * self.bank[idx]).sum(0)  # (s)
                lin.weight = w.view(lin.shape)
        return super().forward(inputs, targets)

    def lw_tensors(self):
        """The physical tensors [(name, parameter, decay)]: the logical
        table's parameters, each once, under its first name (a bank-made
        matrix is no parameter), then the bank and its coefficients."""
        seen, out = set(), []
        for (name, _, decay), p in zip(tensor_table(self.cfg), self.logical_params()):
            if isinstance(p, nn.Parameter) and id(p) not in seen:
                seen.add(id(p))
                out.append((name, p, decay))
        if self.bank is not None:
            out += [("bank", self.bank, 1), ("bank.coef", self.coef, 0)]
        return out


def make_model(cfg, sharing):
    """The model of a configuration: torch_model's own when nothing is
    shared (the one the benchmark runs), SharedTransformer otherwise."""
    return SharedTransformer(cfg, sharing) if sharing.active() else LowwattTransformer(cfg)


def physical_params(cfg, sharing):
    """The number of physical parameters of a configuration."""
    return sum(p.numel() for _, p, _ in make_model(cfg, sharing).lw_tensors())
