#!/usr/bin/env bash
# The language-model client against a fake server (tests/lm/fake_server.py,
# loopback): every failure of the server becomes a failure record with its
# reason, never a crash and never a non-zero exit; retries get past a
# transient 503; token ids are read in both of vLLM's forms (with /tokenize
# for the prompt); and tttd-train speaks the training protocol: KL-shaped
# per-token advantages, one optimizer step, the adapter saved, idempotent
# when the service already has the step's adapter.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 tests/lm/fake_server.py "$tmp/port" "$tmp/calls.jsonl" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$tmp/port")
printf '{"kind":"parent","id":"r0","task":"loops","step":0,"decisions":{},"root":true,"rank":0}\n' | tttd-cat -j >"$tmp/parents.mp"

gen() { # MODEL [options]: statuses and reasons, one line per candidate
	local m=$1
	shift
	tttd-generate -q --task loops --children 3 --lm "$url" --lm-model "$m" --hardware test "$@" "$tmp/parents.mp" >"$tmp/out.mp" ||
		fail "tttd-generate exited $? for model '$m'"
	tttd-cat "$tmp/out.mp" >"$tmp/out.jsonl"
}
expect() { # STATUS REASON-SUBSTRING
	[ "$(wc -l <"$tmp/out.jsonl")" = 3 ] || fail "expected 3 records, got $(wc -l <"$tmp/out.jsonl")"
	jq -e --arg s "$1" --arg r "$2" 'select(.status != $s or ((.reason // "") | contains($r) | not))' "$tmp/out.jsonl" >/dev/null &&
		fail "expected status '$1' with reason containing '$2', got: $(jq -c '{status, reason}' "$tmp/out.jsonl" | head -3)"
	true
}

gen good
expect generated ""
jq -e -s 'map(.completion_tokens == [100 + (. as $r | 0)] or true) | all' "$tmp/out.jsonl" >/dev/null
jq -e -s 'map(.prompt_tokens == [1,2,3] and (.completion_tokens | length) == 2 and .token_logprobs == [-0.5,-0.25] and .logp == -0.75 and .adapter == "base" and .lm_model == "good") | all' "$tmp/out.jsonl" >/dev/null ||
	fail "token ids, logprobs or adapter not recorded: $(head -1 "$tmp/out.jsonl")"
[ "$(jq -r .id "$tmp/out.jsonl" | sort -u | wc -l)" = 1 ] || fail "three equal sources should have one id"

gen strings
expect generated ""
jq -e -s 'map(.prompt_tokens == [7,8,9] and .completion_tokens[1] == 5) | all' "$tmp/out.jsonl" >/dev/null ||
	fail "'token_id:N' strings and /tokenize not used: $(head -1 "$tmp/out.jsonl")"

gen good --lm-no-prefill
expect generated ""
gen nocode --lm-no-prefill
expect no_code "no code block"
gen nocode # with the fence opened by the prompt, any text is code: the contract refuses it
expect contract "does not define 'tttd_kernel'"
gen truncated
expect no_code "ended (length)"
gen truncated --lm-no-prefill
expect no_code "ended (length)"
gen malformed --lm-retries 0
expect lm_error "malformed answer"
gen slow --lm-timeout 0.5 --lm-retries 1
expect lm_error "(2 attempts)"
gen flaky --lm-retries 2
expect generated ""
gen short
[ "$(jq -r .status "$tmp/out.jsonl" | tr '\n' ' ')" = "generated lm_error lm_error " ] ||
	fail "a short answer: $(jq -c '{status, reason}' "$tmp/out.jsonl")"
grep -q 'returned 1 of 3 completions' "$tmp/out.jsonl" || fail "no reason for the missing completions"
[ "$(jq -r .id "$tmp/out.jsonl" | sort -u | wc -l)" = 3 ] || fail "failure records need ids of their own"

# a CUDA task: the code sets the plan's launch parameters; NVRTC compiles it like a template candidate
tttd-generate -q --task tests/data/tasks/cuda_gemm --children 1 --lm "$url" --lm-model cuda --hardware H200 "$tmp/parents.mp" >"$tmp/cuda.mp"
tttd-cat "$tmp/cuda.mp" | jq -e '.status == "generated" and .decisions == {"BM":"64","BN":"64","TM":"4","TN":"4"} and .target == "cuda"' >/dev/null ||
	fail "CUDA candidate: $(tttd-cat "$tmp/cuda.mp" | jq -c '{status, reason, decisions}')"
if [ -f "${CUDA_HOME:-/usr/local/cuda}/include/nvrtc.h" ] && tttd-compile --help | grep -q -- --arch; then
	tttd-compile -q --arch sm_90 <"$tmp/cuda.mp" | tttd-cat | jq -e '.status == "compiled"' >/dev/null ||
		fail "NVRTC did not compile the model's CUDA candidate"
fi

# a server that is not there at all
tttd-generate -q --task loops --children 2 --lm http://127.0.0.1:1 --lm-retries 1 --hardware test "$tmp/parents.mp" |
	tttd-cat >"$tmp/out.jsonl" || fail "an unreachable server stopped tttd-generate"
[ "$(jq -r .status "$tmp/out.jsonl" | sort -u)" = lm_error ] || fail "unreachable: $(head -1 "$tmp/out.jsonl")"
grep -q "cannot reach 'http://127.0.0.1:1/v1/completions'" "$tmp/out.jsonl" || fail "the reason does not name the URL"

# failure records flow through the rest of the pipeline as rollouts of reward 0
gen nocode --lm-no-prefill
tttd-compile -q <"$tmp/out.mp" | tttd-bench -q --backend cpu --task loops | tttd-score -q --task loops | tttd-cat >"$tmp/scored.jsonl"
jq -e -s 'length == 3 and all(.[]; .reward == 0 and .status == "no_code")' "$tmp/scored.jsonl" >/dev/null ||
	fail "failure records through compile, bench and score: $(head -1 "$tmp/scored.jsonl")"

# the training protocol: two candidates of one group, advantages +1 and -1
cat >"$tmp/batch.json" <<'JSON'
{"kind":"candidate","id":"a","task":"loops","step":3,"status":"ok","advantage":1.0,"prompt_tokens":[1,2],"completion_tokens":[5,6],"token_logprobs":[-0.5,-1.5],"adapter":"base"}
{"kind":"candidate","id":"b","task":"loops","step":3,"status":"ok","advantage":-1.0,"prompt_tokens":[1,2],"completion_tokens":[7],"token_logprobs":[-2.0],"adapter":"base"}
{"kind":"candidate","id":"c","task":"loops","step":3,"status":"ok","advantage":0.5}
JSON
tttd-cat -j "$tmp/batch.json" >"$tmp/batch.mp"
: >"$tmp/calls.jsonl"
tttd-train --lm-trainer "$url" --save "$tmp/ck1" -o "$tmp/train.mp" "$tmp/batch.mp" 2>"$tmp/train.err" || fail "tttd-train: $(cat "$tmp/train.err")"
grep -q 'carry no token ids' "$tmp/train.err" || fail "no warning for the record without tokens"
jq -r .path "$tmp/calls.jsonl" | tr '\n' ' ' >"$tmp/paths"
[ "$(cat "$tmp/paths")" = "/tttd/v1/begin /tttd/v1/logprobs /tttd/v1/forward_backward /tttd/v1/optim_step /tttd/v1/save_weights_for_sampler " ] ||
	fail "protocol calls: $(cat "$tmp/paths")"
# d_t = sampler - base(-1): 0.5, -0.5, -1.0; mean -1/3; A_t = A + 0.1 (mean - d_t)
jq -e -s '.[2].body as $b | $b.loss_fn == "importance_sampling" and ($b.data | length) == 2
	and (($b.data[0].advantages[0] - (1 + 0.1 * (-1/3 - 0.5))) | fabs) < 1e-9
	and (($b.data[0].advantages[1] - (1 + 0.1 * (-1/3 + 0.5))) | fabs) < 1e-9
	and (($b.data[1].advantages[0] - (-1 + 0.1 * (-1/3 + 1.0))) | fabs) < 1e-9
	and $b.data[0].logprobs == [-0.5, -1.5]' "$tmp/calls.jsonl" >/dev/null ||
	fail "KL-shaped advantages: $(sed -n 3p "$tmp/calls.jsonl")"
jq -e -s '.[3].body.adam == {"learning_rate": 4e-05, "beta1": 0.9, "beta2": 0.95, "eps": 1e-08}' "$tmp/calls.jsonl" >/dev/null ||
	fail "Adam settings: $(sed -n 4p "$tmp/calls.jsonl")"
adapter=$(tttd-cat "$tmp/train.mp" | jq -r .adapter)
[ "$(tttd-cat "$tmp/ck1" | jq -r '.format + " " + .adapter')" = "lm $adapter" ] || fail "checkpoint: $(tttd-cat "$tmp/ck1")"
tttd-cat "$tmp/train.mp" | jq -e '.trained == 2 and .tokens == 3 and .reused == false' >/dev/null || fail "summary: $(tttd-cat "$tmp/train.mp")"
# the same step again (a resumed run): the service has the adapter, nothing is trained twice
: >"$tmp/calls.jsonl"
tttd-train -q --lm-trainer "$url" --save "$tmp/ck2" -o "$tmp/train2.mp" "$tmp/batch.mp" || fail "tttd-train again"
[ "$(jq -r .path "$tmp/calls.jsonl" | tr '\n' ' ')" = "/tttd/v1/begin /tttd/v1/save_weights_for_sampler " ] ||
	fail "a repeated step trained again: $(jq -r .path "$tmp/calls.jsonl" | tr '\n' ' ')"
[ "$(tttd-cat "$tmp/train2.mp" | jq -r .adapter)" = "$adapter" ] || fail "a repeated step named another adapter"
# the next step starts from the adapter the checkpoint names, and generation samples from it
: >"$tmp/calls.jsonl"
tttd-train -q --lm-trainer "$url" --policy "$tmp/ck1" --save "$tmp/ck3" --kl 0 -o /dev/null "$tmp/batch.mp"
jq -e -s --arg a "$adapter" '.[0].body.adapter == $a and (map(.path) | index("/tttd/v1/logprobs") == null)' "$tmp/calls.jsonl" >/dev/null ||
	fail "--policy start adapter or --kl 0: $(head -2 "$tmp/calls.jsonl")"
: >"$tmp/calls.jsonl"
tttd-generate -q --task loops --children 1 --lm "$url" --policy "$tmp/ck1" --hardware test "$tmp/parents.mp" | tttd-cat >"$tmp/out.jsonl"
[ "$(jq -r .body.model "$tmp/calls.jsonl" | head -1)" = "$adapter" ] || fail "generation did not sample from the adapter"
[ "$(jq -r .adapter "$tmp/out.jsonl")" = "$adapter" ] || fail "the candidate does not name its adapter"
# a trainer that is not there: a clear one-line error, exit 1
if tttd-train -q --lm-trainer http://127.0.0.1:1 --lm-retries 0 --save "$tmp/ck4" "$tmp/batch.mp" 2>"$tmp/err"; then
	fail "tttd-train succeeded without a trainer"
fi
grep -q "^tttd-train: training service: cannot reach 'http://127.0.0.1:1/tttd/v1/begin'" "$tmp/err" || fail "trainer error: $(cat "$tmp/err")"
echo "lm_fake: ok"
