"""Golden AlpacaEval 2 numbers for AlpacaEvalTaskTest, from alpaca_eval's own rules.

alpaca_eval (tatsu-lab/alpaca_eval, Apache-2.0) cannot be installed here (no scikit-learn, patsy or
network), so this script re-implements, line for line and with numpy only, what
`alpaca_eval.evaluate(annotators_config="weighted_alpaca_eval_gpt4_turbo")` does for one model against
the reference outputs, at commit cd543a149df89434d8a54582c0151c0b945c3d20:

- the output-order coin: `utils.random_seeded_choice(seed="is_switched_outputs" + instruction + "123",
  choices=[False, True])` (processors.RandomSwitchTwoColumnsProcessor, seed 123 of BaseProcessor);
- the prompt: `utils.make_prompts` (each placeholder replaced once, in order of first appearance) and
  `utils.prompt_to_chatml`;
- `completion_parsers.logprob_parser(numerator_token="m", denominator_tokens=["m", "M"], is_binarize=False)`,
  then `3 - x` for switched rows; identical outputs are 1.5 without a request;
- `metrics.winrate.get_winrate` (AbsoluteScoringRule, ZeroOneScoringRule);
- `metrics.glm_winrate.get_length_controlled_winrate` with `length_controlled_v1`: the features of
  `_get_featurized_data` (df_gamed rows first, weight 0.2/2), `fit_LogisticRegressionCV` (soft labels as
  duplicated rows, GroupKFold(5), Cs = logspace(-4, 4, 10), L1, no intercept, refit at the best C).

scikit-learn's liblinear is replaced by an exact L1 solver (coordinate descent), and the optimum is
checked by its KKT conditions below, so these are the values liblinear approaches (it stops at tol 1e-4).
GroupKFold's argsort of equal group sizes is taken as stable (kind="stable").

The judge is the scripted one of the test (ScriptedJudge in AlpacaEvalTaskTest), restated here.

Run: /work/venv/bin/python tools/golden/alpaca_eval_lc.py   (prints the values the test asserts)
"""

import hashlib
import json
import math
import random
import re
from pathlib import Path

import numpy as np

FIX = Path(__file__).resolve().parents[2] / "src/test/resources/eval/alpaca_eval"
TEMPLATE = (Path(__file__).resolve().parents[2] / "src/main/resources/eval/alpaca_eval/alpaca_eval_clf.txt").read_text()


def make_prompt(instruction, output_1, output_2):
    text_to_format = re.findall(r"{([^ \s]+?)}", TEMPLATE)
    keys = list(dict.fromkeys(text_to_format))
    row = dict(instruction=instruction, output_1=output_1, output_2=output_2)
    p = TEMPLATE
    for k in keys:
        p = p.replace("{" + k + "}", str(row[k]), 1)
    return p


def prompt_to_chatml(prompt, start_token="<|im_start|>", end_token="<|im_end|>"):
    prompt = prompt.strip()
    message = []
    for p in prompt.split(start_token)[1:]:
        role, rest = p.split("\n", 1)
        message.append(dict(role=role.strip(), content=rest.split(end_token, 1)[0].strip()))
    return message


def scripted_judge(messages):
    """The test's judge: P(first shown) = len(first)/(len(first)+len(second)) + 0.1, clipped to [0.02, 0.98]."""
    user = messages[-1]["content"]
    if "[none]" in user:
        return [dict(token="The", logprob=-0.1), dict(token="Both", logprob=-2.5)]
    if "[only-M]" in user:
        return [dict(token="M", logprob=math.log(0.9)), dict(token="The", logprob=math.log(0.1))]
    m = re.search(r'"model_identifier": "m",\s*"output": """(.*?)"""', user, re.S).group(1)
    big = re.search(r'"model_identifier": "M",\s*"output": """(.*?)"""', user, re.S).group(1)
    p = min(0.98, max(0.02, len(m) / (len(m) + len(big)) + 0.1))
    return [dict(token="M", logprob=math.log(0.9 * (1 - p))), dict(token="m", logprob=math.log(0.9 * p)),
            dict(token="Both", logprob=math.log(0.1))]


def logprob_parser(top_logprobs, numerator_token="m", denominator_tokens=("m", "M")):
    d = {t["token"]: t["logprob"] for t in top_logprobs if t["token"] in list(denominator_tokens) + [numerator_token]}
    if not d:
        return float("nan")
    missing = float("-inf")
    base = d.get(numerator_token, missing)
    vals = np.array([d.get(t, missing) for t in denominator_tokens])
    mx = vals.max()
    den = mx + math.log(np.exp(vals - mx).sum())
    return 2 - math.exp(base - den)


def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


def l1_logistic(X, p, s, C):
    """argmin |w|_1 + C sum s_i [p_i log(1+e^-z) + (1-p_i) log(1+e^z)], exact coordinate minimisation."""
    w = np.zeros(X.shape[1])
    for _ in range(100000):
        moved = 0.0
        for j in range(X.shape[1]):
            z0 = X @ w - w[j] * X[:, j]
            grad = lambda t: C * np.sum(s * X[:, j] * (sigmoid(z0 + t * X[:, j]) - p))
            g0 = grad(0.0)
            if abs(g0) <= 1:
                t = 0.0
            else:
                sign = 1.0 if g0 < 0 else -1.0
                lo, hi = 0.0, sign
                while sign * (grad(hi) + sign) < 0:
                    lo, hi = hi, hi * 2
                for _ in range(2000):  # bisection to the last bit: independent of the Java Newton steps
                    mid = (lo + hi) / 2
                    if mid == lo or mid == hi:
                        break
                    if sign * (grad(mid) + sign) < 0:
                        lo = mid
                    else:
                        hi = mid
                t = (lo + hi) / 2
            moved = max(moved, abs(t - w[j]) / max(1, abs(t)))
            w[j] = t
        if moved < 1e-13:
            break
    # KKT: |grad_j| <= 1 where w_j = 0, grad_j = -sign(w_j) elsewhere
    g = C * (X.T @ (s * (sigmoid(X @ w) - p)))
    for j in range(len(w)):
        if w[j] == 0:
            assert abs(g[j]) <= 1 + 1e-9, (j, g[j])
        else:
            assert abs(g[j] + np.sign(w[j])) < 1e-8, (j, g[j], w[j])
    return w


def group_kfold(n_groups, n_splits=5):
    sizes = np.full(n_groups, 2)
    indices = np.argsort(sizes, kind="stable")[::-1]
    per_fold = np.zeros(n_splits)
    fold = np.zeros(n_groups, dtype=int)
    for gi, weight in enumerate(sizes[indices]):
        lightest = np.argmin(per_fold)
        per_fold[lightest] += weight
        fold[indices[gi]] = lightest
    return fold


def main():
    docs = json.loads((FIX / "alpaca_eval_gpt4_baseline.json").read_text())
    outs = [o["output"] for o in json.loads((FIX / "model_outputs.json").read_text())]
    refs = [d["output"] for d in docs]
    prefs, hashes = [], []
    for d, ref, out in zip(docs, refs, outs):
        switched = random.Random("is_switched_outputs" + d["instruction"] + "123").choices([False, True], k=1)[0]
        if ref == out:
            prefs.append(1.5)
            hashes.append(None)
            continue
        o1, o2 = (out, ref) if switched else (ref, out)
        msgs = prompt_to_chatml(make_prompt(d["instruction"], o1, o2))
        hashes.append(hashlib.sha256(msgs[1]["content"].encode()).hexdigest())
        x = logprob_parser(scripted_judge(msgs))
        prefs.append(3 - x if switched else x)
    prefs = np.array(prefs, dtype=float)
    print("system:", json.dumps(prompt_to_chatml(make_prompt("i", "a", "b"))[0]["content"])[:80], "...")
    print("user sha256 of comparisons 0, 11:", hashes[0], hashes[11])
    print("preferences:", repr(prefs.tolist()))

    # get_winrate
    kept = prefs[~np.isnan(prefs)]
    kept = np.where(kept == 0, 1.5, kept) - 1
    print("win_rate", kept.mean() * 100, "standard_error", kept.std(ddof=1) / math.sqrt(len(kept)) * 100,
          "n_wins", int((kept > 0.5).sum()), "n_wins_base", int((kept < 0.5).sum()),
          "n_draws", int((prefs == 1.5).sum()), "n_total", len(kept))
    disc = np.where(prefs[~np.isnan(prefs)] == 1.5, 0, np.round(prefs[~np.isnan(prefs)]))
    disc = np.where(disc == 0, 1.5, disc) - 1
    print("discrete_win_rate", disc.mean() * 100)
    print("avg_length", int(np.mean([len(o) for o in outs])))

    # length_controlled_v1
    import csv
    gamed = list(csv.DictReader(open(FIX / "df_gamed.csv")))
    seen, diff_by_row = set(), {}
    for r, g in enumerate(gamed):
        if g["index"] not in seen:
            seen.add(g["index"])
            diff_by_row[r] = float(g["instruction_difficulty"])
    n = len(docs)
    difficulty = np.array([diff_by_row[i] for i in range(n)])
    delta = np.array([len(r) - len(o) for r, o in zip(refs, outs)], dtype=float)
    std_delta = delta / delta.std(ddof=1)
    X, P, S = [], [], []
    for g in gamed:
        ng = g["not_gamed_baseline"] == "True"
        X.append([math.tanh(float(g["std_delta_len"])), float(g["instruction_difficulty"]), float(ng)])
        P.append(float(g["preference"]))
        S.append(1.0 if ng else 0.2 / 2)
    for i in range(n):
        if np.isnan(prefs[i]):
            continue
        X.append([math.tanh(std_delta[i]), difficulty[i], 1.0])
        P.append((1.5 if prefs[i] == 0 else prefs[i]) - 1)
        S.append(1.0)
    X, P, S = np.array(X), np.array(P), np.array(S)
    fold = group_kfold(len(X))
    Cs = np.logspace(-4, 4, 10)
    losses = []
    for C in Cs:
        tot = 0.0
        for k in range(5):
            tr, te = fold != k, fold == k
            w = l1_logistic(X[tr], P[tr], S[tr], C)
            q = np.clip(sigmoid(X[te] @ w), 1e-15, 1 - 1e-15)
            tot += -np.mean(S[te] * (P[te] * np.log(q) + (1 - P[te]) * np.log(1 - q)))
        losses.append(tot)
    best = int(np.argmin(losses))
    w = l1_logistic(X, P, S, Cs[best])
    glm = sigmoid(w[1] * difficulty + w[2])
    print("cv losses:", repr(losses))
    print("best C", repr(Cs[best]), "weights", repr(w.tolist()))
    print("length_controlled_winrate", repr(glm.mean() * 100), "lc_standard_error", repr(glm.std(ddof=1) / math.sqrt(n) * 100))


if __name__ == "__main__":
    main()
