"""A run trains to the same bytes whatever instruction set the machine's libraries would pick by themselves.

One machine cannot be another, but each library's choice can be forced from outside the project: a process
told to use AVX2 kernels in torch and MKL stands in for a machine without AVX-512. The control shows such
a choice does change a torch training run's bits when nothing is pinned, so the identity is not vacuous.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in {"ATEN_CPU_CAPABILITY", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES"}}
BASE_ENV["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")])
# what a machine without AVX-512 would choose by itself (not overridden by the project: MKL's ceiling)
OTHER_MACHINE = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}

SPEC = """[run.tiny]
dataset = "sine"
cell = "lstm"
layers = 1
hidden = 16
window = 15
lr = 0.01
batch = 25
epochs = 4
seed = 3
snapshots = [0, 4]
"""

TORCH_ONLY = """
import hashlib, torch
torch.manual_seed(0)
lstm = torch.nn.LSTM(8, 32, batch_first=True)
head = torch.nn.Linear(32, 8)
opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=0.01)
x = torch.randn(16, 40, 8)
for _ in range(30):
    opt.zero_grad()
    out, _ = lstm(x)
    loss = ((torch.tanh(head(out)) - x.roll(1, 1)) ** 2).mean()
    loss.backward()
    opt.step()
print(hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in lstm.parameters())).hexdigest())
"""


def cache_digest(project: Path, extra: dict[str, str]) -> str:
    (project / "content" / "a").mkdir(parents=True, exist_ok=True)
    (project / "content" / "a" / "runs.toml").write_text(SPEC)
    done = subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(project), "precompute",
                           str(project / "content" / "a" / "runs.toml"), "--quiet", "--jobs", "1"],
                          env={**BASE_ENV, **extra}, cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    files = sorted(p for p in (project / ".cache" / "precompute").rglob("*.json"))
    assert len(files) >= 5
    return hashlib.sha256(b"".join(p.relative_to(project).as_posix().encode() + p.read_bytes()
                                   for p in files)).hexdigest()


def test_kernels_chosen_by_the_machine_change_an_unpinned_training_run():
    native = subprocess.run([sys.executable, "-c", TORCH_ONLY], env=BASE_ENV, capture_output=True, text=True)
    scalar = subprocess.run([sys.executable, "-c", TORCH_ONLY], env={**BASE_ENV, "ATEN_CPU_CAPABILITY": "default"},
                            capture_output=True, text=True)
    assert native.returncode == 0 and scalar.returncode == 0, native.stderr + scalar.stderr
    assert native.stdout != scalar.stdout


def test_a_run_trains_to_the_same_bytes_on_another_instruction_set(tmp_path):
    here = cache_digest(tmp_path / "here", {})
    there = cache_digest(tmp_path / "there", OTHER_MACHINE)
    assert here == there


def test_a_process_that_loaded_torch_before_the_pin_refuses_to_train():
    script = ("import torch, numpy\n"
              "torch.zeros(3).tanh()\n"  # the kernels are chosen here, unpinned
              "import precompute\n"
              "from unrolled.precompute.numerics import check_pinned\n"
              "from unrolled.precompute.errors import UnrolledError\n"
              "try:\n    check_pinned()\nexcept UnrolledError as e:\n    print(e.rule, e)\n")
    done = subprocess.run([sys.executable, "-c", script], env=BASE_ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("numerics-unpinned") and "ATEN_CPU_CAPABILITY=default" in done.stdout


def test_the_pin_reaches_the_cli_and_its_workers():
    script = ("import generator, torch, numpy\n"
              "from unrolled.precompute.numerics import check_pinned\n"
              "check_pinned()\nprint(torch.backends.cpu.get_cpu_capability())\n")
    done = subprocess.run([sys.executable, "-c", script], env={**BASE_ENV, **OTHER_MACHINE},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DEFAULT"
