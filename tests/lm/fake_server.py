#!/usr/bin/env python3
"""A fake completions server and training service for tttd's client tests
(tests/pipeline/lm_fake.sh): standard library only, loopback only.

    fake_server.py PORTFILE LOGFILE

The "model" of a request picks the behaviour:
  good       n completions holding a C code block, with vLLM-style token ids
  strings    the same, token ids only as "token_id:N" strings, no prompt ids
             (the client must ask /tokenize)
  nocode     completions without a code block
  truncated  a code block cut off by max_tokens (finish_reason "length")
  malformed  a 200 answer that is not JSON
  slow       answers after 3 s (past the client's timeout)
  flaky      HTTP 503 on the first attempt of each prompt, then good
  short      fewer choices than asked
  cuda       a CUDA kernel for tests/data/tasks/cuda_gemm, setting its launch parameters
Training calls (/tttd/v1/...) answer as a real service would and are logged
as JSON lines to LOGFILE, so the test can check what tttd-train sent.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CODE = "void tttd_kernel(void **buf, const long *dim)\n{\n}\n"
# a CUDA candidate for tests/data/tasks/cuda_gemm: launch parameters by #define, the kernel of its plan
CUDA = ("#define BM 64\n#define BN 64\n#define TM 4\n#define TN 4\n"
        "extern \"C\" __global__ void\ngemm_tile(const float *A, const float *B, float *C, float *ws, long M, long N, long K)\n"
        "{\n\tlong i0 = blockIdx.y * (long)BM + threadIdx.y * TM, j0 = blockIdx.x * (long)BN + threadIdx.x * TN;\n"
        "\tfor (int a = 0; a < TM; a++)\n\t\tfor (int b = 0; b < TN; b++) {\n"
        "\t\t\tlong i = i0 + a, j = j0 + b;\n\t\t\tfloat s = 0.0f;\n"
        "\t\t\tif (i >= M || j >= N)\n\t\t\t\tcontinue;\n"
        "\t\t\tfor (long k = 0; k < K; k++)\n\t\t\t\ts += A[i * K + k] * B[k * N + j];\n"
        "\t\t\tC[i * N + j] = s;\n\t\t}\n}\n")
seen = {}
saved = set()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/json"):
        b = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "body": req}) + "\n")
        if self.path == "/tokenize":
            return self.send(200, {"tokens": [7, 8, 9], "count": 3})
        if self.path.startswith("/tttd/v1/"):
            return self.train(self.path[len("/tttd/v1/"):], req)
        if self.path != "/v1/completions":
            return self.send(404, {"error": {"message": "no such path"}})
        mode, n = req.get("model"), req.get("n", 1)
        prefill = req.get("stop") == ["```"]
        code = CUDA if mode == "cuda" else CODE
        text = code if prefill else "Here it is:\n```c\n" + code + "```\n"
        if mode == "slow":
            time.sleep(3)
        if mode == "malformed":
            return self.send(200, "{this is not json", "text/plain")
        if mode == "flaky":
            k = req.get("seed")
            seen[k] = seen.get(k, 0) + 1
            if seen[k] == 1:
                return self.send(503, {"error": {"message": "busy, try again"}})
        if mode == "nocode":
            text = "I would rather not write code today."
            prefill = False
        choices = []
        for i in range(n if mode != "short" else max(1, n // 2)):
            c = {"index": i, "text": text if mode != "nocode" else text, "finish_reason": "stop",
                 "logprobs": {"tokens": [f"token_id:{100 + i}", "token_id:5"], "token_logprobs": [-0.5, -0.25]}}
            if mode == "truncated":
                c["text"] = "```c\nvoid tttd_kernel(void **buf" if not prefill else "void tttd_kernel(void **buf"
                c["finish_reason"] = "length"
            if mode != "strings":
                c["token_ids"] = [100 + i, 5]
                c["prompt_token_ids"] = [1, 2, 3]
            choices.append(c)
        self.send(200, {"object": "text_completion", "choices": choices})

    def train(self, call, req):
        if call == "begin":
            return self.send(200, {"done": req["batch"] in saved})
        if call == "logprobs":
            return self.send(200, {"logprobs": [[-1.0] * len(s["completion_tokens"]) for s in req["sequences"]]})
        if call == "forward_backward":
            return self.send(200, {"loss": -1.0, "tokens": sum(len(d["completion_tokens"]) for d in req["data"])})
        if call == "optim_step":
            return self.send(200, {"step": 1, "grad_norm": 0.5})
        if call == "save_weights_for_sampler":
            saved.add(req["name"])
            return self.send(200, {"adapter": req["name"], "path": "/adapters/" + req["name"]})
        self.send(404, {"error": {"message": "no such call"}})


ThreadingHTTPServer.handle_error = lambda *a: None  # a client that timed out is expected here
httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(httpd.server_address[1]))
import os
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
httpd.serve_forever()
