"""Generate text with the exported transformer, without the model's source code.

``python examples/transformer_lm.py`` leaves three things in its ``--out`` folder, and this
script needs nothing else (it imports no model code):

- ``sample_step.ntexport``: the compiled program
  ``(params, ids {batch, seq}, last {batch}) -> next-character logits {batch, vocab}``,
  with a symbolic ``batch``;
- ``ckpt_*.safetensors``: the checkpoints; the latest one's ``params`` feed the program;
- ``vocab.json``: the characters (id ``i`` is ``chars[i]``) and the context length ``seq``.

Run ``python examples/serve.py --prompt "Return the" --tokens 200`` (sampled, seed 0), or
``--greedy``; ``--samples 3`` generates three continuations as one batch.
"""

import argparse
import glob
import json
import os
import sys

import jax
import numpy as np

import namedtensor as nt

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def load(out):
    """The served program, the latest checkpoint's parameters, the characters and ``seq``."""
    ckpts = sorted(glob.glob(os.path.join(out, "ckpt_*.safetensors")))
    if not ckpts:
        sys.exit(f"no checkpoint in {out}: run python examples/transformer_lm.py --out {out}")
    program = nt.load_exported(os.path.join(out, "sample_step.ntexport"))
    params = nt.load(ckpts[-1])["params"]  # plain dicts and lists, as the program expects
    with open(os.path.join(out, "vocab.json")) as f:
        vocab = json.load(f)
    return program, params, vocab["chars"], vocab["seq"]


def generate(program, params, chars, seq, prompt, tokens, *, samples=1, temperature=1.0,
             greedy=False, seed=0):
    """``samples`` continuations of ``prompt``, ``tokens`` characters each."""
    index = {c: i for i, c in enumerate(chars)}
    unknown = sorted(set(prompt) - set(index))
    if unknown:
        sys.exit(f"the prompt has characters the model never saw: {unknown}")
    text = np.array([[index[c] for c in prompt or "\n"]] * samples, np.int32)  # {batch, time}
    key = nt.random.key(seed)
    for i in range(tokens):
        n = min(text.shape[1], seq)
        window = np.zeros((samples, seq), np.int32)  # the last `seq` characters, then padding
        window[:, :n] = text[:, -n:]
        last = np.full(samples, n - 1, np.int32)  # the causal mask ignores the padding
        logits = program(params, nt.tensor(window, "batch seq"), nt.tensor(last, "batch"))
        if greedy:
            nxt = logits.argmax("vocab")
        else:
            nxt = nt.random.categorical(jax.random.fold_in(key, i), logits / temperature, "vocab")
        text = np.concatenate([text, nxt.numpy()[:, None]], axis=1)
    return ["".join(chars[j] for j in row[-tokens:]) if tokens else "" for row in text]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="the folder transformer_lm.py wrote")
    parser.add_argument("--prompt", default="Return the")
    parser.add_argument("--tokens", type=int, default=200, help="characters to generate")
    parser.add_argument("--samples", type=int, default=1, help="continuations, as one batch")
    parser.add_argument("--greedy", action="store_true", help="always the likeliest character")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    program, params, chars, seq = load(args.out)
    texts = generate(program, params, chars, seq, args.prompt, args.tokens,
                     samples=args.samples, temperature=args.temperature, greedy=args.greedy,
                     seed=args.seed)
    for i, text in enumerate(texts):
        print(f"--- sample {i} ({'greedy' if args.greedy else f'seed {args.seed}'}) ---")
        print(args.prompt + text)


if __name__ == "__main__":
    main()
