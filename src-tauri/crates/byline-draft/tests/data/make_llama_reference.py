"""Records llama.cpp's greedy continuation of fixed prompts, as the reference Byline's drafting must match.

usage:
  make_llama_reference.py MODEL.gguf OUT.json [--tokens 64] [--threads 2]

The references checked in:
  smollm2_q4_1_reference.json  SmolLM2-135M-Instruct.Q4_1.gguf (the test model)
  tiny_q4_k_m_reference.json   a random-weight qwen2 model in the Q4_K_M layout (Q4_K and Q6_K), written by
                               `byline bench random-model --shape tiny-q4_k_m --tokenizer-from
                               SmolLM2-135M-Instruct.Q4_1.gguf --out tiny-q4_k_m.gguf`; the test writes the same
                               file and checks its SHA-256 against the one recorded here.

For each prompt (English and Chinese, short and about 1,500 tokens) the prompt is rendered in the model's own
chat template, tokenized by llama.cpp, evaluated, and continued greedily (argmax of the logits, end of turn
ignored) for --tokens steps. Written for each step: the chosen id, its logit and the gap to the runner-up,
so a test can tell a real disagreement from kernels rounding differently where two logits are nearly tied.
Needs `pip install llama-cpp-python numpy` (built from source, so it runs llama.cpp compiled for this CPU).
Re-run it whenever the prompts or the model change; the JSON is checked in, so CI needs no llama.cpp.
"""
import argparse
import hashlib
import json

import numpy as np

SHORT_EN = "Write a one-sentence headline for a story about a city council approving a new flood barrier."
SHORT_ZH = "请为一篇关于市议会批准修建防洪堤的报道写一个标题。"

PARAGRAPH_EN = (
    "The city council voted seven to two on Tuesday night to fund a 20 million pound flood barrier along the "
    "river, after a winter in which more than 300 homes in the lower town were flooded twice. Residents who "
    "packed the public gallery applauded the decision, but two councillors warned that the cost would delay "
    "repairs to schools and roads. The engineering firm that drew up the plans said work could start in the "
    "spring and finish within three years, provided the environment agency approves the design. "
)
PARAGRAPH_ZH = (
    "市议会周二晚间以七票赞成、两票反对的结果，批准拨款两千万英镑沿河修建防洪堤。去年冬天，下城区三百多户居民的住宅"
    "两次被洪水淹没。挤满旁听席的居民对这一决定报以掌声，但两名议员警告说，这笔开支将推迟学校和道路的维修工作。"
    "负责设计方案的工程公司表示，只要环境署批准设计，工程可在明年春天动工，并在三年内完工。"
)


def prompts():
    long_en = PARAGRAPH_EN * 14 + "\n\nSummarise this story in three sentences for a news bulletin."
    long_zh = PARAGRAPH_ZH * 5 + "\n\n请用三句话为新闻简报概括这篇报道。"
    mixed = "Translate into English: " + PARAGRAPH_ZH
    return [
        ("short-en", SHORT_EN),
        ("short-zh", SHORT_ZH),
        ("long-en", long_en),
        ("long-zh", long_zh),
        ("translate-zh-en", mixed),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=args.model, n_ctx=4096, n_threads=args.threads, n_batch=512, logits_all=False, verbose=False
    )
    template = llm.metadata.get("tokenizer.chat_template")
    formatter = llama_cpp.llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=llm._model.token_get_text(llm.token_eos()),
        bos_token=llm._model.token_get_text(llm.token_bos()),
    )
    cases = []
    for name, text in prompts():
        rendered = formatter(messages=[{"role": "user", "content": text}]).prompt
        ids = llm.tokenize(rendered.encode("utf-8"), add_bos=False, special=True)
        llm.reset()
        llm.eval(ids)
        steps = []
        for _ in range(args.tokens):
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            order = np.argsort(logits)[::-1]
            best, second = int(order[0]), int(order[1])
            steps.append({"id": best, "logit": float(logits[best]), "gap": float(logits[best] - logits[second])})
            llm.eval([best])
        cases.append({"name": name, "prompt": rendered, "prompt_ids": [int(i) for i in ids], "steps": steps})
        print(f"{name}: {len(ids)} prompt tokens", flush=True)
    with open(args.model, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    reference = {
        "model": args.model.rsplit("/", 1)[-1],
        "sha256": sha256,
        "llama_cpp_python": llama_cpp.__version__,
        "tokens": args.tokens,
        "cases": cases,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
