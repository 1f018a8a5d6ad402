#!/usr/bin/env python3
"""tttd's reference model service: one Hugging Face causal language model
with a LoRA adapter, serving

  * the OpenAI-compatible completions API that tttd-generate --lm samples
    from (POST /v1/completions, with logprobs and vLLM's token-id extensions;
    POST /tokenize; GET /v1/models), and
  * tttd's training protocol that tttd-train --lm-trainer drives
    (POST /tttd/v1/begin, logprobs, forward_backward, optim_step,
    save_weights_for_sampler; GET /tttd/v1/info),

as docs/lm.md describes.  Any model AutoModelForCausalLM loads from a local
folder works; the adapter is a PEFT LoRA on the layers --lora-targets names.
Sampling from "model": "<adapter name>" uses that adapter; the base model's
name (or "base", "default") uses none.

It is a reference, not a fast server: one request at a time touches the model
(a lock), the n completions of one request are sampled as one batch.  For
speed, sample from vLLM or SGLang and keep this service (or Tinker, or TRL)
for training; docs/lm.md says how.

Every training call is idempotent by the batch's name (tttd names a step's
adapter by a hash of what it trains on), so a step repeated after a crash of
either side does the same thing once.  Adapters and their Adam state are
saved under --adapters and found again after a restart.
"""
import argparse
import json
import math
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
from safetensors.torch import save_file
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
from transformers import AutoModelForCausalLM, AutoTokenizer

PROTOCOL = 1


class Error(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def log(msg):
    print(f"tttd-model-service: {msg}", file=sys.stderr, flush=True)


class Service:
    def __init__(self, a):
        self.lock = threading.RLock()
        self.dev = torch.device(a.device if a.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
        dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[a.dtype]
        self.tok = AutoTokenizer.from_pretrained(a.model)
        try:  # transformers 5 names it dtype; 4.x torch_dtype
            base = AutoModelForCausalLM.from_pretrained(a.model, dtype=dtype)
        except TypeError:
            base = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=dtype)
        torch.manual_seed(a.seed)  # the LoRA's initial weights
        targets = a.lora_targets if a.lora_targets == "all-linear" else a.lora_targets.split(",")
        cfg = LoraConfig(r=a.lora_rank, lora_alpha=a.lora_alpha, lora_dropout=0.0,
                         target_modules=targets, task_type="CAUSAL_LM")
        self.model = get_peft_model(base, cfg).to(self.dev)
        self.model.eval()
        self.params = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        self.name = a.served_name or os.path.basename(os.path.normpath(a.model))
        self.max_pos = getattr(self.model.config, "n_positions", None) or \
            getattr(self.model.config, "max_position_embeddings", None) or 1 << 30
        self.dir = a.adapters
        os.makedirs(self.dir, exist_ok=True)
        self.init = self._weights()      # the fresh LoRA: a step from "no adapter" starts here
        self.adapters = {}               # name -> {"weights", "adam"} held in memory
        self.live = "__init__"           # whose weights the LoRA modules hold now
        self.train = None                # the batch being trained (see begin)

    # ---- adapter weights -------------------------------------------------
    def _weights(self):
        return {n: p.detach().clone() for n, p in self.params}

    def _set_weights(self, w):
        with torch.no_grad():
            for n, p in self.params:
                p.copy_(w[n])

    def _known(self, name):
        return name in self.adapters or os.path.exists(os.path.join(self.dir, name, "tttd_state.pt"))

    def _adapter(self, name):
        if name not in self.adapters:
            path = os.path.join(self.dir, name, "tttd_state.pt")
            if not os.path.exists(path):
                raise Error(404, f"adapter '{name}' not found")
            st = torch.load(path, map_location=self.dev)
            self.adapters[name] = st
        return self.adapters[name]

    def _use(self, name):
        """Put adapter name (None: the initial LoRA) into the modules, keeping the batch in training."""
        want = name or "__init__"
        if self.live == want:
            return
        if self.live == "__train__":
            self.train["weights"] = self._weights()
        if want == "__init__":
            self._set_weights(self.init)
        elif want == "__train__":
            self._set_weights(self.train["weights"])
        else:
            self._set_weights(self._adapter(want)["weights"])
        self.live = want

    def _resolve(self, model):
        """The adapter a request's "model" names: None for the base model."""
        if model in (None, "", self.name, "base", "default"):
            return None
        if self._known(model):
            return model
        raise Error(404, f"model '{model}' not found (the base is '{self.name}')")

    # ---- sampling ----------------------------------------------------------
    def _prompt_ids(self, prompt):
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], (str, list)):
            prompt = prompt[0]
        if isinstance(prompt, str):
            return self.tok(prompt)["input_ids"]
        if isinstance(prompt, list) and all(isinstance(t, int) for t in prompt) and prompt:
            return list(prompt)
        raise Error(400, "'prompt' must be a string or a list of token ids")

    def completions(self, req):
        adapter = self._resolve(req.get("model"))
        ids = self._prompt_ids(req.get("prompt"))
        n = int(req.get("n", 1))
        max_tokens = int(req.get("max_tokens", 16))
        temp = float(req.get("temperature", 1.0))
        top_p = float(req.get("top_p", 1.0))
        stop = req.get("stop") or []
        stop = [stop] if isinstance(stop, str) else list(stop)
        seed = req.get("seed")
        as_ids = bool(req.get("return_tokens_as_token_ids"))
        if n < 1 or n > 256 or max_tokens < 1:
            raise Error(400, "'n' must be 1..256 and 'max_tokens' at least 1")
        if len(ids) >= self.max_pos:
            raise Error(400, f"the prompt has {len(ids)} tokens; the model takes {self.max_pos}")
        max_tokens = min(max_tokens, self.max_pos - len(ids))
        gen = torch.Generator(device=self.dev)
        gen.manual_seed(int(seed) if seed is not None else int(time.time_ns() % (1 << 62)))
        eos = self.tok.eos_token_id
        with self.lock, torch.no_grad():
            if adapter is None:
                ctx = self.model.disable_adapter()
            else:
                self._use(adapter)
                ctx = _Null()
            with ctx:
                toks, lps, finish, texts = self._sample(ids, n, max_tokens, temp, top_p, stop, eos, gen)
        choices = []
        for i in range(n):
            lp = {"tokens": [f"token_id:{t}" if as_ids else self.tok.convert_ids_to_tokens(t) for t in toks[i]],
                  "token_logprobs": lps[i], "top_logprobs": None, "text_offset": []}
            choices.append({"index": i, "text": texts[i], "finish_reason": finish[i], "logprobs": lp,
                            "token_ids": toks[i], "prompt_token_ids": ids})
        ntok = sum(len(t) for t in toks)
        return {"id": f"cmpl-{time.time_ns()}", "object": "text_completion", "created": int(time.time()),
                "model": req.get("model") or self.name, "choices": choices,
                "usage": {"prompt_tokens": len(ids), "completion_tokens": ntok, "total_tokens": len(ids) + ntok}}

    def _sample(self, ids, n, max_tokens, temp, top_p, stop, eos, gen):
        x = torch.tensor([ids] * n, device=self.dev)
        out = self.model(input_ids=x, use_cache=True)
        past, logits = out.past_key_values, out.logits[:, -1, :]
        toks = [[] for _ in range(n)]
        lps = [[] for _ in range(n)]
        finish = [None] * n
        texts = [""] * n
        for step in range(max_tokens):
            z = logits.float()
            if temp > 0:
                lp = torch.log_softmax(z / temp, dim=-1)
                p = lp.exp()
                if top_p < 1.0:
                    sp, si = torch.sort(p, descending=True, dim=-1)
                    keep = torch.cumsum(sp, -1) - sp < top_p
                    p = torch.zeros_like(p).scatter(-1, si, sp * keep)
                nxt = torch.multinomial(p, 1, generator=gen)
            else:
                lp = torch.log_softmax(z, dim=-1)
                nxt = z.argmax(-1, keepdim=True)
            chosen = lp.gather(-1, nxt).squeeze(-1).tolist()
            for i in range(n):
                if finish[i]:
                    continue
                t = int(nxt[i, 0])
                toks[i].append(t)
                lps[i].append(float(chosen[i]))
                if eos is not None and t == eos:
                    finish[i] = "stop"
                    continue
                if stop:
                    text = self.tok.decode(toks[i], skip_special_tokens=True)
                    hits = [text.find(s) for s in stop if s and text.find(s) >= 0]
                    if hits:
                        finish[i] = "stop"
                        texts[i] = text[:min(hits)]
            if all(finish):
                break
            out = self.model(input_ids=nxt, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[:, -1, :]
        for i in range(n):
            if not finish[i]:
                finish[i] = "length"
            if not texts[i] or finish[i] == "length" or (toks[i] and toks[i][-1] == eos):
                texts[i] = self.tok.decode(toks[i], skip_special_tokens=True)
                for s in stop:
                    if s and s in texts[i]:
                        texts[i] = texts[i][:texts[i].find(s)]
        return toks, lps, finish, texts

    def tokenize(self, req):
        ids = self._prompt_ids(req.get("prompt", req.get("content")))
        return {"tokens": ids, "count": len(ids), "max_model_len": self.max_pos}

    # ---- training ------------------------------------------------------------
    def _token_logprobs(self, prompt, completion):
        """log p(completion token | prefix) for each completion token, with the modules as they are."""
        x = torch.tensor([list(prompt) + list(completion)], device=self.dev)
        logits = self.model(input_ids=x).logits[0, len(prompt) - 1:-1, :].float()
        return torch.log_softmax(logits, -1).gather(-1, torch.tensor(completion, device=self.dev)[:, None])[:, 0]

    def _check_seq(self, d):
        p, c = d.get("prompt_tokens"), d.get("completion_tokens")
        if not isinstance(p, list) or not isinstance(c, list) or not p or not c:
            raise Error(400, "each sequence needs non-empty 'prompt_tokens' and 'completion_tokens'")
        if len(p) + len(c) > self.max_pos:
            raise Error(400, f"a sequence of {len(p) + len(c)} tokens; the model takes {self.max_pos}")
        return p, c

    def logprobs(self, req):
        adapter = req.get("adapter")
        out = []
        with self.lock, torch.no_grad():
            if adapter is None:
                ctx = self.model.disable_adapter()
            else:
                self._use(self._resolve(adapter))
                ctx = _Null()
            with ctx:
                for d in req.get("sequences", []):
                    p, c = self._check_seq(d)
                    out.append(self._token_logprobs(p, c).tolist())
        return {"logprobs": out}

    def begin(self, req):
        batch, start = req.get("batch"), req.get("adapter")
        if not isinstance(batch, str) or not batch or "/" in batch or batch.startswith("."):
            raise Error(400, "'batch' must be a name (no '/')")
        with self.lock:
            if self._known(batch):
                return {"done": True}
            if self.train and self.train["batch"] == batch:
                return {"done": False, "chunks": sorted(self.train["chunks"])}
            if start is not None:
                self._resolve(start)
            if self.live == "__train__":
                self.live = "?"  # the old batch's weights are dropped
            st = self._adapter(start) if start else {"weights": self.init, "adam": None}
            self.train = {"batch": batch, "start": start, "weights": {k: v.clone() for k, v in st["weights"].items()},
                          "adam": _clone_adam(st["adam"]), "chunks": {}, "stepped": None}
            for _, p in self.params:
                p.grad = None
            self._use("__train__")
            return {"done": False, "chunks": []}

    def _batch(self, req):
        if not self.train or self.train["batch"] != req.get("batch"):
            raise Error(409, f"batch '{req.get('batch')}' was not begun (POST /tttd/v1/begin first)")
        return self.train

    def forward_backward(self, req):
        if req.get("loss_fn", "importance_sampling") != "importance_sampling":
            raise Error(400, "only loss_fn 'importance_sampling' is implemented")
        with self.lock:
            tr = self._batch(req)
            chunk = req.get("chunk")
            if chunk is not None and chunk in tr["chunks"]:
                return tr["chunks"][chunk]
            if tr["stepped"]:
                raise Error(409, f"batch '{tr['batch']}' has taken its optimizer step")
            self._use("__train__")
            self.model.train()
            loss_sum, ntok = 0.0, 0
            try:
                for d in req.get("data", []):
                    p, c = self._check_seq(d)
                    old = torch.tensor(d["logprobs"], device=self.dev, dtype=torch.float32)
                    adv = torch.tensor(d["advantages"], device=self.dev, dtype=torch.float32)
                    if old.numel() != len(c) or adv.numel() != len(c):
                        raise Error(400, "'logprobs' and 'advantages' need one value per completion token")
                    new = self._token_logprobs(p, c)
                    loss = -(torch.exp(new - old) * adv).sum()  # importance sampling, summed over tokens
                    loss.backward()
                    loss_sum += float(loss)
                    ntok += len(c)
            finally:
                self.model.eval()
            res = {"loss": loss_sum, "tokens": ntok}
            if chunk is not None:
                tr["chunks"][chunk] = res
            return res

    def optim_step(self, req):
        a = req.get("adam") or {}
        lr, b1, b2, eps = (float(a.get("learning_rate", 4e-5)), float(a.get("beta1", 0.9)),
                           float(a.get("beta2", 0.95)), float(a.get("eps", 1e-8)))
        with self.lock:
            tr = self._batch(req)
            if tr["stepped"]:
                return tr["stepped"]
            self._use("__train__")
            st = tr["adam"] or {"t": 0, "m": {}, "v": {}}
            st["t"] += 1
            t = st["t"]
            gnorm = 0.0
            with torch.no_grad():
                for n, p in self.params:
                    g = p.grad if p.grad is not None else torch.zeros_like(p)
                    gnorm += float((g.float() ** 2).sum())
                    m = st["m"].get(n, torch.zeros_like(p, dtype=torch.float32))
                    v = st["v"].get(n, torch.zeros_like(p, dtype=torch.float32))
                    m.mul_(b1).add_(g.float(), alpha=1 - b1)
                    v.mul_(b2).addcmul_(g.float(), g.float(), value=1 - b2)
                    st["m"][n], st["v"][n] = m, v
                    upd = (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + eps)
                    p.sub_((lr * upd).to(p.dtype))
                    p.grad = None
            tr["adam"] = st
            tr["weights"] = self._weights()
            tr["stepped"] = {"step": t, "grad_norm": math.sqrt(gnorm)}
            return tr["stepped"]

    def save(self, req):
        name = req.get("name") or req.get("batch")
        with self.lock:
            path = os.path.join(self.dir, name)
            if self._known(name):
                return {"adapter": name, "path": path}
            tr = self._batch(req)
            if not tr["stepped"]:
                raise Error(409, f"batch '{tr['batch']}' has not taken its optimizer step")
            self._use("__train__")
            st = {"weights": self._weights(), "adam": tr["adam"], "start": tr["start"]}
            os.makedirs(path, exist_ok=True)
            # a PEFT adapter folder (what vLLM's load_lora_adapter reads); not
            # save_pretrained, which also writes a model card and needs Jinja2
            self.model.peft_config["default"].save_pretrained(path)
            save_file({k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(self.model).items()},
                      os.path.join(path, "adapter_model.safetensors"))
            tmp = os.path.join(path, "tttd_state.pt.tmp")
            torch.save(st, tmp)
            os.replace(tmp, os.path.join(path, "tttd_state.pt"))
            self.adapters[name] = st
            log(f"saved adapter '{name}' (from '{tr['start'] or 'base'}', Adam step {tr['adam']['t']})")
            return {"adapter": name, "path": path}

    def info(self):
        names = sorted(set(self.adapters) | {d for d in os.listdir(self.dir)
                                             if os.path.exists(os.path.join(self.dir, d, "tttd_state.pt"))})
        return {"protocol": PROTOCOL, "model": self.name, "device": str(self.dev),
                "trainable_parameters": sum(p.numel() for _, p in self.params),
                "adapters": names, "training": self.train["batch"] if self.train else None}


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _clone_adam(st):
    if not st:
        return None
    return {"t": st["t"], "m": {k: v.clone() for k, v in st["m"].items()},
            "v": {k: v.clone() for k, v in st["v"].items()}}


def make_handler(svc):
    posts = {"/v1/completions": svc.completions, "/tokenize": svc.tokenize,
             "/tttd/v1/logprobs": svc.logprobs, "/tttd/v1/begin": svc.begin,
             "/tttd/v1/forward_backward": svc.forward_backward, "/tttd/v1/optim_step": svc.optim_step,
             "/tttd/v1/save_weights_for_sampler": svc.save}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _send(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _fail(self, status, msg):
            self._send(status, {"error": {"message": msg, "code": status}})

        def do_GET(self):
            if self.path == "/health":
                self._send(200, {"status": "ok"})
            elif self.path == "/v1/models":
                info = svc.info()
                self._send(200, {"object": "list", "data": [{"id": m, "object": "model"}
                                                            for m in [svc.name] + info["adapters"]]})
            elif self.path == "/tttd/v1/info":
                self._send(200, svc.info())
            else:
                self._fail(404, f"no such path '{self.path}'")

        def do_POST(self):
            fn = posts.get(self.path.rstrip("/"))
            try:
                n = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(n) if n else b""
                if not fn:
                    raise Error(404, f"no such path '{self.path}'")
                try:
                    req = json.loads(raw or b"{}")
                except ValueError as e:
                    raise Error(400, f"the body is not JSON: {e}")
                if not isinstance(req, dict):
                    raise Error(400, "the body must be a JSON object")
                self._send(200, fn(req))
            except Error as e:
                self._fail(e.status, e.message)
            except (KeyError, TypeError, ValueError) as e:
                self._fail(400, f"bad request: {type(e).__name__}: {e}")
            except Exception as e:  # the service stays up; the caller sees why
                traceback.print_exc()
                self._fail(500, f"{type(e).__name__}: {e}")

    return Handler


def main():
    ap = argparse.ArgumentParser(description="tttd's reference model service (docs/lm.md)")
    ap.add_argument("--model", required=True, help="a local Hugging Face model folder")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0: any free port (see --port-file)")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    ap.add_argument("--lora-rank", type=int, default=32)
    ap.add_argument("--lora-alpha", type=float, default=32)
    ap.add_argument("--lora-targets", default="all-linear", help="all-linear, or module names joined by commas")
    ap.add_argument("--adapters", default="adapters", help="where adapters are saved and found again")
    ap.add_argument("--served-name", help="the base model's name in requests (default: the folder's name)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--seed", type=int, default=0, help="seeds the initial LoRA weights")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    svc = Service(a)
    httpd = ThreadingHTTPServer((a.host, a.port), make_handler(svc))
    port = httpd.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(a.port_file + ".tmp", a.port_file)
    log(f"model '{svc.name}' on {svc.dev}, LoRA rank {a.lora_rank} ({sum(p.numel() for _, p in svc.params)} "
        f"trainable parameters), listening on http://{a.host}:{port}")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
