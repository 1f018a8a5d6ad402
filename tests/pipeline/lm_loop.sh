#!/usr/bin/env bash
# The whole loop with a language model as the generator, against the
# reference model service (containers/model-service/server.py) serving a
# tiny GPT-2 this test makes (no download: its tokenizer and weights come
# from tests/lm/loops_corpus.py and tiny.py, fitted for a few seconds): a
# short discovery on kernels/loops samples, compiles, benches, scores,
# trains the LoRA adapter through the training protocol, publishes it, and
# samples the next step from the new weights; a resumed run and a repeated
# training step do nothing twice.  Needs torch, transformers and peft:
# tests/lm/python.sh provides them (a cached venv; the first run installs).
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
svc=
trap '[ -n "$svc" ] && kill "$svc" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

py=$(tests/lm/python.sh)
"$py" tests/lm/loops_corpus.py --out "$tmp/pairs.jsonl" --pairs 200 --hardware "a test CPU" --task kernels/loops
"$py" containers/model-service/tiny.py --out "$tmp/model" --corpus "$tmp/pairs.jsonl" --steps 80 --threads 1 2>"$tmp/tiny.log" ||
	fail "tiny.py: $(tail -3 "$tmp/tiny.log")"
"$py" containers/model-service/server.py --model "$tmp/model" --port 0 --port-file "$tmp/port" --adapters "$tmp/adapters" \
	--lora-rank 8 --device cpu --threads 1 2>"$tmp/service.log" &
svc=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; kill -0 "$svc" 2>/dev/null || break; sleep 0.2; done
[ -s "$tmp/port" ] || fail "the service did not start: $(tail -5 "$tmp/service.log")"
url=http://127.0.0.1:$(cat "$tmp/port")

run=$tmp/run
args=(-q --task kernels/loops --run "$run" --groups 2 --children 4 --seed 5 --jobs 2 --bench-time 0.05 --no-best
	--lm "$url" --hardware "a test CPU" --lm-opt "--lm-max-tokens 48" --lm-train-opt "--lr 1e-2")
pipelines/tttd-discover.sh "${args[@]}" --steps 1 || fail "step 0: $(tail -5 "$run"/log/*.log)"
pipelines/tttd-discover.sh "${args[@]}" --steps 2 || fail "step 1 (resumed): $(tail -5 "$run"/log/*.log)"

cat "$run"/steps/000000.mp | tttd-cat >"$tmp/s0.jsonl"
cat "$run"/steps/000001.mp | tttd-cat >"$tmp/s1.jsonl"
[ "$(wc -l <"$tmp/s0.jsonl")" = 8 ] && [ "$(wc -l <"$tmp/s1.jsonl")" = 8 ] || fail "8 candidates a step expected"
jq -e -s 'all(.[]; .adapter == "base" and (.completion_tokens | length) > 0 and (.prompt_tokens | length) > 0
	and (.token_logprobs | length) == (.completion_tokens | length))' "$tmp/s0.jsonl" >/dev/null ||
	fail "step 0 records lack tokens or name another adapter: $(head -c 600 "$tmp/s0.jsonl")"
jq -e -s 'any(.[]; .status == "ok") and any(.[]; has("advantage"))' "$tmp/s0.jsonl" >/dev/null ||
	fail "no correct candidate or no group to learn from in step 0: $(jq -c '{status, reason}' "$tmp/s0.jsonl")"
a0=$(tttd-cat "$run/policy/000000.train" | jq -r .adapter)
tttd-cat "$run/policy/000000.train" | jq -e '.trained > 0 and .tokens > 0' >/dev/null || fail "step 0 trained on nothing"
jq -e -s --arg a "$a0" 'all(.[]; .adapter == $a)' "$tmp/s1.jsonl" >/dev/null || fail "step 1 was not sampled from '$a0'"
[ -f "$tmp/adapters/$a0/adapter_model.safetensors" ] && [ -f "$tmp/adapters/$a0/adapter_config.json" ] ||
	fail "adapter '$a0' was not saved as a PEFT folder"

# the new weights are not the base's: the adapter's log-probabilities of a completion differ
jq -c -s '{adapter: $a, sequences: [.[0] | {prompt_tokens, completion_tokens}]}' --arg a "$a0" "$tmp/s0.jsonl" >"$tmp/q1.json"
jq -c -s '{adapter: null, sequences: [.[0] | {prompt_tokens, completion_tokens}]}' "$tmp/s0.jsonl" >"$tmp/q2.json"
"$py" - "$url" "$tmp/q1.json" "$tmp/q2.json" <<'PY' || fail "the adapter's weights equal the base's"
import json, sys, urllib.request
def lp(f):
    req = urllib.request.Request(sys.argv[1] + "/tttd/v1/logprobs", data=open(f, "rb").read(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["logprobs"][0]
a, b = lp(sys.argv[2]), lp(sys.argv[3])
sys.exit(0 if max(abs(x - y) for x, y in zip(a, b)) > 1e-6 else 1)
PY

# a training step repeated (a resume that lost its checkpoint) trains nothing twice
tttd-train -q --lm-trainer "$url" --lr 1e-2 --save "$tmp/again.ckpt" -o "$tmp/again.mp" "$run/steps/000000.mp"
tttd-cat "$tmp/again.mp" | jq -e --arg a "$a0" '.adapter == $a and .reused == true' >/dev/null ||
	fail "repeated step: $(tttd-cat "$tmp/again.mp")"
# and --no-train samples from the base model throughout
pipelines/tttd-discover.sh -q --task kernels/loops --run "$tmp/frozen" --groups 2 --children 2 --seed 5 --jobs 2 --steps 2 \
	--bench-time 0.05 --no-best --no-train --lm "$url" --hardware "a test CPU" --lm-opt "--lm-max-tokens 48"
cat "$tmp"/frozen/steps/*.mp | tttd-cat | jq -e -s 'length == 8 and all(.[]; .adapter == "base")' >/dev/null ||
	fail "--no-train sampled from an adapter"
echo "lm_loop: ok ($(jq -r .status "$tmp/s0.jsonl" "$tmp/s1.jsonl" | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
