#!/usr/bin/python3
"""PyTorch peer of distnet-bench: the same model, loss, optimiser, batch size, data and step.

784-256-128-10 with sigmoid or relu hidden layers, softmax cross-entropy (mean over the batch),
plain SGD with lr 0.1, batch 128, float32, Fashion-MNIST read from the same gzipped IDX files
(pixels / 255, as DistNet's loader). Per step, as DistNet's Trainer: a fresh permutation at the
start of each epoch, gather the batch by index, forward, loss, backward, count the correct
predictions, one optimiser step. Inference: the 10,000 test samples in batches of 1024,
forward + summed loss + accuracy (as `distnet eval`).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_peer.py [--data DIR] [--json FILE]
"""
import argparse
import ctypes
import ctypes.util
import datetime
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

BATCH, INFER_BATCH, LR = 128, 1024, 0.1


def read_idx(path, magic):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    found, = struct.unpack(">i", data[:4])
    if found != magic:
        sys.exit(f"{path}: expected IDX magic 0x{magic:08X}, found 0x{found:08X}")
    rank = magic & 0xFF
    dims = struct.unpack(f">{rank}i", data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(directory, name):
    for candidate in (os.path.join(directory, name), os.path.join(directory, name + ".gz")):
        if os.path.exists(candidate):
            return candidate
    sys.exit(f"{directory}: {name}[.gz] not found")


def load(directory):
    def images(name):
        x = read_idx(find(directory, name), 0x803)
        return torch.from_numpy((x.reshape(x.shape[0], -1) / np.float32(255)).astype(np.float32))

    def labels(name):
        return torch.from_numpy(read_idx(find(directory, name), 0x801).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


def status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def openblas():
    """The OpenBLAS that torch's sgemm goes through (Debian's torch links libblas.so.3 -> OpenBLAS)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_num_threads.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):
        return None


def model_for(activation):
    act = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}[activation]
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(784, 256), act(), torch.nn.Linear(256, 128), act(), torch.nn.Linear(128, 10))


class Loop:
    """Trainer's epoch loop, stoppable after any number of steps."""

    def __init__(self, model, x, y):
        self.model, self.x, self.y = model, x, y
        self.opt = torch.optim.SGD(model.parameters(), lr=LR)
        self.generator = torch.Generator().manual_seed(1)
        self.batches = (len(x) + BATCH - 1) // BATCH
        self.next, self.order = 0, None
        self.epoch_loss, self.correct = 0.0, 0

    def run(self, steps):
        """Returns (samples per wall-clock second, samples per CPU-second of the process)."""
        samples = 0
        cpu_begin = time.process_time()
        begin = time.perf_counter()
        for _ in range(steps):
            if self.next == 0:
                self.order = torch.randperm(len(self.x), generator=self.generator)
                self.epoch_loss, self.correct = 0.0, 0
            idx = self.order[self.next * BATCH:(self.next + 1) * BATCH]
            xb, yb = self.x[idx], self.y[idx]
            scores = self.model(xb)
            loss = F.cross_entropy(scores, yb)
            self.opt.zero_grad(set_to_none=False)
            loss.backward()
            self.epoch_loss += loss.item() * len(idx)
            self.correct += int((scores.argmax(1) == yb).sum())
            self.opt.step()
            samples += len(idx)
            self.next = (self.next + 1) % self.batches
        wall = time.perf_counter() - begin
        return samples / wall, samples / (time.process_time() - cpu_begin)


@torch.no_grad()
def evaluate(model, x, y):
    loss, correct = 0.0, 0
    for start in range(0, len(x), INFER_BATCH):
        xb, yb = x[start:start + INFER_BATCH], y[start:start + INFER_BATCH]
        scores = model(xb)
        loss += float(F.cross_entropy(scores, yb, reduction="sum"))
        correct += int((scores.argmax(1) == yb).sum())
    return loss / len(x), correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/work/shared/data/fashion-mnist")
    p.add_argument("--json")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--steps", type=int, default=469)
    p.add_argument("--warmup-steps", type=int, default=469)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--activations", default="sigmoid,relu")
    p.add_argument("--no-inference", action="store_true")
    p.add_argument("--torch-only-threads", default="1",
                   help="thread counts for which an extra configuration calls only torch.set_num_threads and "
                        "leaves OpenBLAS's own pool at its default (all CPUs), as a plain PyTorch script does; '' for none")
    a = p.parse_args()

    blas = openblas()
    default_blas_threads = blas.openblas_get_num_threads() if blas else None
    print(f"PyTorch training benchmark — {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"runtime: Python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} logical CPUs; OpenBLAS default threads: {default_blas_threads or '?'}")
    print(f"load average before start: {load_average()} (other processes on the machine disturb wall-clock figures; samples per CPU-second much less)")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    t0 = time.perf_counter()
    x, y, xt, yt = load(a.data)
    load_seconds = time.perf_counter() - t0
    after_load = status_mib("VmRSS:")
    print(f"data: {a.data}: {len(x)} train + {len(xt)} test samples, {x.shape[1]} features, loaded in {load_seconds:.2f} s (RSS {after_load:.0f} MiB)")
    print(f"per configuration: {a.warmup_steps} warm-up steps, then {a.reps} × {a.steps} timed steps (batch {BATCH}, sgd lr {LR}); median reported")
    print()

    # torch.set_num_threads sets torch's own (OpenMP) pool; the sgemm inside runs on OpenBLAS's
    # pool, which defaults to every CPU. Pinned configurations set both, as DistNet sets its BLAS;
    # "torch only" ones call just torch.set_num_threads, as a plain PyTorch script does.
    configs = [(int(t), True) for t in a.threads.split(",")]
    configs += [(int(t), False) for t in a.torch_only_threads.split(",") if t.strip()] if blas else []
    # Thread counts outermost, one thread first: a pool once started may keep spinning for a
    # while after it is shrunk, which would disturb a one-thread measurement taken after it.
    results = []
    for threads, pinned in configs:
        for activation in a.activations.split(","):
            torch.set_num_threads(threads)
            blas_threads = threads if pinned else default_blas_threads
            if blas:
                blas.openblas_set_num_threads(blas_threads)
            model = model_for(activation)
            loop = Loop(model, x, y)
            if a.warmup_steps:
                loop.run(a.warmup_steps)
            measured = [loop.run(a.steps) for _ in range(a.reps)]
            reps = [wall for wall, _ in measured]
            train = statistics.median(reps)
            per_cpu = statistics.median(cpu for _, cpu in measured)
            infer = None
            if not a.no_inference:
                evaluate(model, xt, yt)
                rates = []
                for _ in range(max(3, a.reps)):
                    t = time.perf_counter()
                    evaluate(model, xt, yt)
                    rates.append(len(xt) / (time.perf_counter() - t))
                infer = statistics.median(rates)
            r = {"activation": activation, "threads": threads, "blas_threads": blas_threads, "torch_only": not pinned,
                 "train_samples_per_second": train,
                 "train_repetitions": [round(v) for v in reps], "train_samples_per_cpu_second": per_cpu,
                 "inference_samples_per_second": infer,
                 "ms_per_step": 1e3 * BATCH / train}
            results.append(r)
            label = f"{threads} thread(s)" + ("" if pinned else f", OpenBLAS {blas_threads} (torch.set_num_threads only)")
            print(f"  {activation:<8} {label}: {train:9,.0f} samples/s (best {max(reps):,.0f}; {per_cpu:,.0f} per CPU-second)"
                  + (f", inference {infer:,.0f} samples/s" if infer else ""))

    peak = status_mib("VmHWM:")
    print()
    print(f"784-256-128-10, softmax-ce, sgd, batch {BATCH}, float32; torch {torch.__version__} (OpenBLAS sgemm)")
    print("activation  threads  BLAS threads  train samples/s  (per CPU-s)  infer samples/s  ms/step")
    for r in results:
        infer = f"{r['inference_samples_per_second']:,.0f}" if r["inference_samples_per_second"] else "-"
        blas_label = f"{r['blas_threads']}" + (" (default)" if r["torch_only"] else "")
        print(f"{r['activation']:<10}  {r['threads']:7}  {blas_label:>12}  {r['train_samples_per_second']:15,.0f}  "
              f"{r['train_samples_per_cpu_second']:11,.0f}  {infer:>15}  {r['ms_per_step']:7.3f}")
    print(f"peak memory (VmHWM): {peak:.0f} MiB (after loading the data: {after_load:.0f} MiB)")
    if any(r["torch_only"] for r in results):
        print("BLAS threads '(default)': only torch.set_num_threads was called; OpenBLAS kept its own pool of every CPU.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"implementation": "PyTorch", "date": f"{datetime.datetime.now():%Y-%m-%d %H:%M}", "load_average_at_end": load_average(),
                       "torch": torch.__version__, "data": a.data, "model": "784-256-128-10", "batch_size": BATCH,
                       "learning_rate": LR, "warmup_steps": a.warmup_steps, "steps_per_repetition": a.steps,
                       "repetitions": a.reps, "load_seconds": load_seconds, "configurations": results,
                       "peak_memory_mib": peak, "memory_after_load_mib": after_load}, f, indent=2)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
