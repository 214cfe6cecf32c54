"""
torch_peer.py — PyTorch's side of the training benchmark: the same model
(tests/peer/torch_model.py, the model lowwatt's parity test checks against),
the same optimizer settings and the same kind of batches as `lowwatt train`,
timed step by step.

    /usr/bin/python3 bench/train/torch_peer.py --shard data/brown/train.lwtk \\
        --arch mlm --layers 4 --d-model 256 --heads 4 --d-ff 1024 --seq 128 \\
        --batch 32 --vocab 8192 --threads 2 --steps 20 --warmup-steps 3

Prints one JSON line:
    {"tokens_per_s": median over the timed steps of B*T / step seconds,
     "step_s": [seconds of each timed step], "threads": n, "torch": version,
     ...the configuration, the parameter count and the last loss}

A step is what lowwatt's trainer does per optimizer step with accum = 1:
zero the gradients (set_to_none), forward, backward, clip the global
gradient norm (--clip, 1.0 as lowwatt's default; 0: off), AdamW (decay on
the layers' matrices only, as lowwatt). The learning rate is constant: a
schedule is one multiplication per step on either side. Batches are drawn
before the timer starts (numpy work of microseconds; lowwatt's batches
are as cheap), one per step, each row a window of the shard at a random
offset:
  clm: inputs tokens[o, o+T), targets tokens[o+1, o+T+1);
  mlm: inputs tokens[o, o+T); each non-special position is selected with
       probability --mask-prob (0.15), gets its token as target and input
       [MASK] / a random regular token / itself with probability
       0.8 / 0.1 / 0.1; the output head runs on the selected positions only,
       as in lowwatt. The specials are the last 5 ids, [MASK] the last.

A fair peer: PyTorch's defaults (torch.backends untouched, no anomaly
detection, grad mode on), the model in train mode (it has no dropout),
float32, torch.set_num_threads(--threads). The benchmark runs it with
OPENBLAS_CORETYPE unset and OMP_WAIT_POLICY=PASSIVE.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "peer"))
from torch_model import Config, LowwattTransformer  # noqa: E402

SHARD_MAGIC = b"LWTOKENS"
SHARD_HEADER = 64
SPECIALS = 5  # EOT, PAD, CLS, SEP, MASK: the last ids of the vocabulary


def read_shard(path):
    """The token ids of a .lwtk shard (include/lowwatt/shard.h) and its V."""
    with open(path, "rb") as f:
        head = f.read(SHARD_HEADER)
    if len(head) < SHARD_HEADER or head[:8] != SHARD_MAGIC:
        sys.exit(f"torch_peer.py: {path}: not a lowwatt token shard")
    version, vocab, width = np.frombuffer(head, dtype="<u4", count=3, offset=8)
    count = int(np.frombuffer(head, dtype="<u8", count=1, offset=24)[0])
    if version != 1 or width not in (2, 4):
        sys.exit(f"torch_peer.py: {path}: version {version}, token width {width}: "
                 "not a version-1 shard")
    tokens = np.fromfile(path, dtype="<u2" if width == 2 else "<u4", count=count,
                         offset=SHARD_HEADER)
    if tokens.size != count:
        sys.exit(f"torch_peer.py: {path}: {tokens.size} tokens, the header says {count}")
    return tokens.astype(np.int64), int(vocab)


def make_batch(tokens, arch, B, T, V, mask_prob, rng):
    """One (inputs, targets) pair of (B,T) int64 tensors; target -1: no loss."""
    offsets = rng.integers(0, tokens.size - T, size=B)  # T+1 tokens per row
    rows = np.stack([tokens[o:o + T + 1] for o in offsets])
    if arch == "clm":
        return torch.from_numpy(rows[:, :T].copy()), torch.from_numpy(rows[:, 1:].copy())
    inputs = rows[:, :T].copy()
    first_special = V - SPECIALS
    selected = (inputs < first_special) & (rng.random((B, T)) < mask_prob)
    targets = np.where(selected, inputs, -1)
    u = rng.random((B, T))
    inputs[selected & (u < 0.8)] = V - 1
    swap = selected & (u >= 0.8) & (u < 0.9)
    inputs[swap] = rng.integers(0, first_special, size=int(swap.sum()))
    return torch.from_numpy(inputs), torch.from_numpy(targets)


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch peer of lowwatt's training benchmark")
    p.add_argument("--shard", required=True, help="token shard (.lwtk) to draw batches from")
    p.add_argument("--arch", choices=("mlm", "clm"), required=True)
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--d-model", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--d-ff", type=int, required=True)
    p.add_argument("--seq", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, required=True, help="timed steps")
    p.add_argument("--warmup-steps", type=int, default=2, help="untimed steps first")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--clip", type=float, default=1.0, help="global gradient-norm limit; 0: none")
    p.add_argument("--mask-prob", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    if a.steps < 1 or a.warmup_steps < 0 or a.threads < 1 or a.batch < 1:
        p.error("--steps, --threads and --batch must be >= 1, --warmup-steps >= 0")
    return a


def main(argv):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    tokens, shard_vocab = read_shard(a.shard)
    if shard_vocab != a.vocab:
        sys.exit(f"torch_peer.py: {a.shard} has vocabulary {shard_vocab}, --vocab is {a.vocab}")
    if tokens.size < a.seq + 1:
        sys.exit(f"torch_peer.py: {a.shard} holds {tokens.size} tokens, fewer than --seq + 1")

    cfg = Config(a.arch, a.layers, a.d_model, a.heads, a.d_ff, a.seq, a.vocab)
    model = LowwattTransformer(cfg)
    model.init_gpt2(a.seed)
    model.train()
    params = [p for p in model.parameters()]
    opt = torch.optim.AdamW(model.param_groups(a.weight_decay), lr=a.lr,
                            betas=(0.9, 0.999), eps=1e-8)

    rng = np.random.default_rng(a.seed)
    batches = [make_batch(tokens, a.arch, a.batch, a.seq, a.vocab, a.mask_prob, rng)
               for _ in range(a.warmup_steps + a.steps)]

    step_s, loss = [], float("nan")
    for i, (inputs, targets) in enumerate(batches):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        out, _ = model(inputs, targets)
        out.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()
        loss = out.item()
        if i >= a.warmup_steps:
            step_s.append(time.perf_counter() - t0)

    tokens_per_step = a.batch * a.seq
    print(json.dumps({
        "tokens_per_s": statistics.median(tokens_per_step / s for s in step_s),
        "step_s": step_s,
        "threads": a.threads,
        "torch": torch.__version__,
        "arch": a.arch, "layers": a.layers, "d_model": a.d_model, "heads": a.heads,
        "d_ff": a.d_ff, "seq": a.seq, "batch": a.batch, "vocab": a.vocab,
        "params": sum(p.numel() for p in params),
        "loss": loss,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
