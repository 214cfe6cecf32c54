"""
torch_ref.py — the PyTorch reference of tests/test_torch_parity.c.

    /usr/bin/python3 tests/peer/torch_ref.py IN OUT [IN OUT ...]

Reads a model, its parameters and some batches from IN (written by the C
test), runs the same computation as lowwatt with the model of
tests/peer/torch_model.py (with weight sharing, tests/peer/torch_share.py)
and writes the results to OUT; several pairs share one start of Python and
torch:
  1. forward and backward on batch 0: the loss, the logits of the selected
     positions and every (physical) parameter's gradient;
  2. S AdamW steps (torch.optim.AdamW, decay only on lowwatt's decay = 1
     tensors) from the same parameters, step k on batch k-1: zero the
     gradients, forward, backward, update; the S losses and the parameters
     after the last step.

Exit status: 0 ok, 2 bad arguments or input file, 3 torch (or numpy) cannot
be imported: run scripts/setup.sh.

Exchange format. Little-endian; i32 = int32, f32 = float32, u64 = uint64.

  IN   offset  field
        0      8 bytes magic "LWTREF2\\0"
        8      i32 x 12: arch (0 mlm, 1 clm), layers L, d_model C, heads NH,
                         d_ff F, seq, vocab V, batch rows B, positions T,
                         steps S (>= 1), precision (32: float32, 64: torch
                         computes in float64 from the same float32 values),
                         threads (torch.set_num_threads; 0: leave)
       56      i32 x 5:  sharing, as lw_model_config: share (0 none, 1 all,
                         2 attn, 3 ffn), share_groups, share_vectors, bank
                         (floats; 0: none), templates (0: 4)
       76      f32 x 5:  lr, weight_decay, beta1, beta2, eps
       96      u64       P, the number of physical parameters
      104      f32 x P:  the parameters, in lowwatt's physical table order
               then S batches, each i32 inputs[B*T], i32 targets[B*T]
               (row-major (B,T); target -1: no loss at that position)

  OUT  offset  field
        0      8 bytes magic "LWTOUT1\\0"
        8      i32       K, the tensors of the parameter table
       12      K x 44 bytes: name (32 bytes, NUL-padded), i32 rows,
                         i32 cols (1 for vectors), i32 decay — the PyTorch
                         model's physical table, which the C test checks
                         against lowwatt's
               i32       n, positions selected in batch 0
               i32 x n:  their flat indices b*T + t, increasing
               f32       loss on batch 0
               f32 x n*V logits of the selected positions, row-major (n,V)
               f32 x P   gradients on batch 0, in table order
               f32 x S   loss of each AdamW step (before its update)
               f32 x P   parameters after the S steps

Results computed in float64 are rounded to float32 when written.
"""
import os
import sys

MAGIC_IN = b"LWTREF2\0"
MAGIC_OUT = b"LWTOUT1\0"

try:
    import numpy as np
    import torch
except ImportError as e:  # the C test turns status 3 into a clear failure
    print(f"torch_ref.py: cannot import torch/numpy with {sys.executable} ({e}); "
          "run scripts/setup.sh (installs python3-torch)", file=sys.stderr)
    sys.exit(3)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_model import ARCHS, Config  # noqa: E402
from torch_share import SHARES, Sharing, make_model, physical_params  # noqa: E402


class Reader:
    """Sequential little-endian reads from a bytes object."""

    def __init__(self, data, name):
        self.data, self.off, self.name = data, 0, name

    def take(self, dtype, count):
        dt = np.dtype(dtype).newbyteorder("<")
        end = self.off + dt.itemsize * count
        if end > len(self.data):
            raise ValueError(f"{self.name}: ends at byte {len(self.data)}, "
                             f"expected {count} x {dt} at offset {self.off}")
        out = np.frombuffer(self.data, dtype=dt, count=count, offset=self.off)
        self.off = end
        return out


def read_input(path):
    with open(path, "rb") as f:
        r = Reader(f.read(), path)
    if r.take("u1", 8).tobytes() != MAGIC_IN:
        raise ValueError(f"{path}: not a torch_ref input (magic)")
    (arch, L, C, NH, Fw, seq, V, B, T, S, precision, threads) = (int(x) for x in r.take("i4", 12))
    (share, groups, vectors, bank, templates) = (int(x) for x in r.take("i4", 5))
    lr, wd, beta1, beta2, eps = (float(x) for x in r.take("f4", 5))
    P = int(r.take("u8", 1)[0])
    if arch not in (0, 1) or precision not in (32, 64) or S < 1 or min(B, T) < 1 or T > seq:
        raise ValueError(f"{path}: bad header (arch {arch}, precision {precision}, "
                         f"S {S}, B {B}, T {T}, seq {seq})")
    if not 0 <= share < len(SHARES):
        raise ValueError(f"{path}: bad share {share}")
    cfg = Config(ARCHS[arch], L, C, NH, Fw, seq, V)
    sharing = Sharing(SHARES[share], groups, vectors, bank, templates)
    if P != physical_params(cfg, sharing):
        raise ValueError(f"{path}: {P} parameters, the configuration has "
                         f"{physical_params(cfg, sharing)}")
    params = r.take("f4", P)
    batches = []
    for _ in range(S):
        inputs = r.take("i4", B * T).reshape(B, T).astype(np.int64)
        targets = r.take("i4", B * T).reshape(B, T).astype(np.int64)
        batches.append((torch.from_numpy(inputs), torch.from_numpy(targets)))
    if r.off != len(r.data):
        raise ValueError(f"{path}: {len(r.data) - r.off} bytes after the last batch")
    return dict(cfg=cfg, sharing=sharing, precision=precision, threads=threads, lr=lr, wd=wd,
                betas=(beta1, beta2), eps=eps, params=params, batches=batches)


def table_bytes(model):
    table = model.lw_tensors()
    out = [np.array([len(table)], dtype="<i4").tobytes()]
    for name, p, decay in table:
        rows, cols = (p.shape[0], 1) if p.dim() == 1 else p.shape
        out.append(name.encode().ljust(32, b"\0"))
        out.append(np.array([rows, cols, decay], dtype="<i4").tobytes())
    return b"".join(out)


def build(job):
    model = make_model(job["cfg"], job["sharing"])
    if job["precision"] == 64:
        model = model.double()
    # Exact float32 values, widened if float64.
    model.load_flat(job["params"].astype(np.float64 if job["precision"] == 64 else np.float32))
    model.train()
    return model


def run(job, out_path):
    """One IN's computation, written to out_path."""
    if job["threads"] > 0:
        torch.set_num_threads(job["threads"])
    model = build(job)
    inputs, targets = job["batches"][0]
    loss, logits = model(inputs, targets)
    loss.backward()
    sel = (targets.reshape(-1) != -1).nonzero().squeeze(1).numpy().astype("<i4")
    grads = model.flat_grads().astype("<f4")

    # The optimizer run starts again from the file's parameters.
    model = build(job)
    opt = torch.optim.AdamW(model.param_groups(job["wd"]), lr=job["lr"],
                            betas=job["betas"], eps=job["eps"])
    step_losses = []
    for inputs, targets in job["batches"]:
        opt.zero_grad(set_to_none=True)
        step_loss, _ = model(inputs, targets)
        step_loss.backward()
        opt.step()
        step_losses.append(step_loss.item())

    with open(out_path, "wb") as f:
        f.write(MAGIC_OUT)
        f.write(table_bytes(model))
        f.write(np.array([sel.size], dtype="<i4").tobytes())
        f.write(sel.tobytes())
        f.write(np.array([loss.item()], dtype="<f4").tobytes())
        f.write(logits.detach().float().numpy().astype("<f4").tobytes())
        f.write(grads.tobytes())
        f.write(np.array(step_losses, dtype="<f4").tobytes())
        f.write(model.flat_params().astype("<f4").tobytes())


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print("usage: torch_ref.py IN OUT [IN OUT ...]", file=sys.stderr)
        return 2
    for in_path, out_path in zip(argv[1::2], argv[2::2]):
        try:
            job = read_input(in_path)
        except (OSError, ValueError) as e:
            print(f"torch_ref.py: {e}", file=sys.stderr)
            return 2
        run(job, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
