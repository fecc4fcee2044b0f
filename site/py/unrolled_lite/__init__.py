"""Pure Python + NumPy recurrent networks, shared by precompute and the in-browser trainer (Pyodide).

The same weights give the same numbers as precompute's torch `SequenceModel` (nn.RNN/LSTM/GRU with
batch_first=True plus nn.Linear), so a reader can retrain a network in the page and compare it with
the one the article was written from. No torch here: NumPy ≥ 2.2 only.

Models (`model.py`, equations in `cells.py`)
    init_model(cell, input_size, hidden, layers, output_size, rng, dtype=np.float64) -> Model
        fresh weights, U(−1/√H, 1/√H) as torch draws them; cell is "rnn" (tanh), "lstm" or "gru"
    build_model(cell, state_dict, dtype=np.float64) -> Model
        from arrays keyed by torch's names (rnn.weight_ih_l0, …, head.weight, head.bias); sizes from shapes
    Model.state_dict() -> {name: array}              copies, torch's names and order
    Model.params                                     the live arrays the optimisers update
    Model.forward(x) -> (B, T, O)                    x (B, T, D), zero initial state
    Model.forward_with_state(x, state=None) -> (out, state)
    Model.mean_loss(x, y, loss) -> float
    Model.loss_and_grads(x, y, loss) -> (float, {name: grad})
    Model.itemized_gradients(x, y, loss) -> {"G": {k: {"ih", "hh", "all"}}, "H": {k}}   (itemized.py)

Losses (`losses.py`): "mse" L_t = ‖ŷ_t − y_t‖², "ce" L_t = −log softmax(ŷ_t)[y_t]; the training loss is
the mean of L_t over batch and steps. Targets: mse (B, T, O) or (B, T) floats, ce (B, T) integers.

Optimisers (`optim.py`), torch's arithmetic and defaults (lr=None means torch's default lr);
`opt.step(grads)` updates the params dict in place:
    Adam(params, lr=None → 1e-3, betas=(0.9, 0.999), eps=1e-8)
    RMSprop(params, lr=None → 1e-2, alpha=0.99, eps=1e-8)
    SGD(params, lr=None → 1e-3)
    make_optimizer(name, params, lr=None)            name: "adam", "rmsprop" or "sgd"

Training (`train.py`)
    train_epoch(model, optimizer, inputs, targets, batch, loss) -> {"loss", "steps", "batch_losses"}
    predict_window(model, inputs, targets, loss) -> {"output", "prediction", "step_loss", "loss"}
    rollout(model, inputs, steps=datasets.ROLLOUT) -> (steps,)   feeds predictions back (function data)

Data (`datasets.py`): function_epoch(name, rng, count, window, noise) for exploRNN's functions;
TextCorpus(text, holdout=False) with .vocab, .encode, .decode, .one_hot, .epoch(rng, count, window,
part="train"); load_text(name, corpus_dir=None) for "abab", "lorem", "c-code" (bundled sample or a
directory of .c/.h files) and "numpy-headers" (the installed NumPy's C headers, with held-out blocks);
recall_epoch(rng, count, window, delay, symbols) for delayed recall. Tasks (`tasks.py`):
make_task(dataset, noise, corpus_dir, delay, symbols) with .epoch, .held_out and .validation_window.
"""
from .datasets import TextCorpus, function_epoch, load_text
from .itemized import itemized_gradients
from .model import Model, build_model, init_model
from .optim import SGD, Adam, RMSprop, make_optimizer
from .train import predict_window, rollout, train_epoch

__all__ = ["Adam", "Model", "RMSprop", "SGD", "TextCorpus", "build_model", "function_epoch", "init_model",
           "itemized_gradients", "load_text", "make_optimizer", "predict_window", "rollout", "train_epoch"]
