#!/usr/bin/env python3
"""Make a tiny causal language model for tests and experiments, with nothing
downloaded: a byte-level BPE tokenizer trained on the given texts and a small
GPT-2 initialised at random, then (with --corpus and --steps) fitted for a
while on prompt/completion pairs (loss on the completion tokens only), so
that it answers tttd's prompts with code the way a real code model would,
only much worse.

    tiny.py --out DIR [--corpus pairs.jsonl] [--steps N] [--seed S]
            [--vocab V] [--layers L] [--dim D] [--heads H] [--ctx C]

pairs.jsonl holds one {"prompt": ..., "completion": ...} object per line.
The folder it writes loads with AutoModelForCausalLM/AutoTokenizer, so the
reference service (server.py --model DIR) serves it like any other model.
"""
import argparse
import json
import os
import random
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

FILLER = ("int main(void) { return 0; }\nfor (long i = 0; i < n; i++) s += a[i] * b[i];\n"
          "# Task: write a fast kernel. Reply with the complete code in one ```c block.\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", help="JSON lines of {prompt, completion}")
    ap.add_argument("--steps", type=int, default=0, help="training steps on the corpus")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--max-token", type=int, default=0, help="longest token, in bytes (0: no limit, so that whole\n"
                    "lines of a repetitive corpus become single tokens: the easiest model to fit)")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    random.seed(a.seed)
    torch.manual_seed(a.seed)

    pairs = []
    if a.corpus:
        with open(a.corpus) as f:
            pairs = [json.loads(line) for line in f if line.strip()]
    texts = [p["prompt"] + p["completion"] for p in pairs] or [FILLER]

    tk = Tokenizer(models.BPE())
    # use_regex=False: merges may span words, so the repetitive prompts of a task
    # become few tokens (attention over long prompts is what costs a tiny model)
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tk.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=a.vocab, special_tokens=["<|endoftext|>"],
                             max_token_length=a.max_token if a.max_token > 0 else None,
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tk.train_from_iterator(texts, trainer=tr)
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|endoftext|>", bos_token="<|endoftext|>",
                                  unk_token="<|endoftext|>")
    eos = tok.eos_token_id

    cfg = GPT2Config(vocab_size=len(tok), n_positions=a.ctx, n_embd=a.dim, n_layer=a.layers, n_head=a.heads,
                     bos_token_id=eos, eos_token_id=eos)
    model = GPT2LMHeadModel(cfg)

    if pairs and a.steps > 0:
        data = []
        for p in pairs:
            pi = tok(p["prompt"])["input_ids"]
            ci = tok(p["completion"])["input_ids"] + [eos]
            if len(pi) + len(ci) <= a.ctx:
                data.append((pi, ci))
        if not data:
            sys.exit("tiny.py: no corpus pair fits the context")
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.0)
        # the learning rate falls linearly to a tenth: late steps settle instead of bouncing
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 - 0.9 * s / max(1, a.steps))
        model.train()
        for step in range(a.steps):
            batch = random.sample(data, min(a.batch, len(data)))
            opt.zero_grad()
            total = 0.0
            for pi, ci in batch:
                x = torch.tensor([pi + ci])
                labels = torch.tensor([[-100] * len(pi) + ci])
                loss = model(input_ids=x, labels=labels).loss / len(batch)
                loss.backward()
                total += float(loss)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if step % 50 == 0 or step == a.steps - 1:
                print(f"tiny.py: step {step}: loss {total:.3f}", file=sys.stderr, flush=True)
        model.eval()

    os.makedirs(a.out, exist_ok=True)
    model.save_pretrained(a.out)
    tok.save_pretrained(a.out)
    print(f"tiny.py: wrote {a.out} ({sum(p.numel() for p in model.parameters())} parameters, "
          f"vocabulary {len(tok)})", file=sys.stderr)


if __name__ == "__main__":
    main()
