#!/usr/bin/env python3
"""Golden verdicts of open-instruct's Tülu 3 reward functions, for tulu4j's `--rules open-instruct`.

What it does
  1. Takes open-instruct's own `open_instruct/math_utils.py` and `open_instruct/ground_truth_utils.py`
     at commit 9c2d44bec (2024-11-20, "Ground-Truth RL (#377)", the code Tülu 3's RLVR ran; both files
     unchanged until 2025-02-01) out of a local open-instruct clone with `git show`, into a temporary
     directory (nothing of open-instruct is copied into tulu4j). The one import of `if_functions`
     (IFEval, not needed here) is replaced by an empty map.
  2. Runs `verify_gsm8k_sample`, `verify_math_sample`, `verify_strict_math_sample`, `is_equiv` and
     `hendrycks_is_equiv` on
       - CASES below: hand-built inputs, one or more per code path and quirk, and
       - a "realistic set": model-like completions built from the first items of the repo's
         data/gsm8k/test.jsonl and data/math500/test.jsonl, each item's gold answer written in many
         ways (each way is a `kind`), deterministic (no randomness).
  3. Writes src/test/resources/verify/openinstruct/cases.jsonl and realistic.jsonl with the verdicts
     (`expected` / `open_instruct`), which OpenInstructGoldenTest checks tulu4j against.

Requirements (the versions open-instruct pinned for Tülu 3 in requirements.txt at that commit):
  sympy==1.12.0 and antlr4-python3-runtime==4.11.0 importable (e.g. via PYTHONPATH); sympy 1.13+
  changed Float/Rational equality and gives different verdicts.

Usage
  python3 tools/openinstruct_golden.py --open-instruct /path/to/open-instruct [--out-dir DIR]
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile

COMMIT = "9c2d44bec"  # 9c2d44beca0727ba8c1fac205fc4957dd39e54f1

# (function, prediction or first argument, ground truth or second argument, note)
CASES = [
    # verify_gsm8k_sample: last match of [-+]?\d*\.\d+|\d+ after re.sub(r"(\d),(\d)", r"\1\2"), string ==
    ("gsm8k", "The answer is 540.", "540", "last number, trailing period not part of it"),
    ("gsm8k", "The answer is -540.", "540", "sign only in the decimal alternative: -540 matches as 540"),
    ("gsm8k", "The answer is -5.5.", "-5.5", "a decimal keeps its sign"),
    ("gsm8k", "The answer is -5.5.", "5.5", "so -5.5 is not 5.5"),
    ("gsm8k", "The answer is -540.", "-540", "a negative integer gold can never match"),
    ("gsm8k", "She pays $18.00 in total.", "18", "string comparison: 18.00 != 18"),
    ("gsm8k", "She pays 18.0 dollars.", "18", "18.0 != 18"),
    ("gsm8k", "The answer is 18", "18", "no period"),
    ("gsm8k", "The total is $1,234.", "1234", "thousands separator removed"),
    ("gsm8k", "The total is 1,234,567.", "1234567", "non-overlapping sub still joins 1,234,567"),
    ("gsm8k", "The list is 1,2,3", "3", "1,2,3 becomes 12,3: last number 3"),
    ("gsm8k", "The list is 1,2,3", "123", "not 123"),
    ("gsm8k", "#### 72", "72", "dataset form"),
    ("gsm8k", "The answer is 72. I double-checked: 8 * 9 = 72.", "72", "last number again 72"),
    ("gsm8k", "The answer is 72. Check: 8 * 9 = 72, so 72 + 0 = 72 and 1 more is 73.", "72",
     "a number after the answer wins"),
    ("gsm8k", "So she has .5 of a pie left", "0.5", ".5 is the string .5, not 0.5"),
    ("gsm8k", "So she has .5 of a pie left", ".5", "matches .5"),
    ("gsm8k", "The answer is 5.", "5", "5. -> 5"),
    ("gsm8k", "The answer is +7", "7", "+7 (integer): sign dropped as well"),
    ("gsm8k", "The answer is +7.5", "+7.5", "decimal keeps its +"),
    ("gsm8k", "no numbers here", "no numbers here", "no number: whole response compared"),
    ("gsm8k", "No Numbers Here", "no numbers here", "compared lower-cased"),
    ("gsm8k", "<|assistant|>\nI think 3\n<|assistant|>\nThe answer is 4", "4", "text after the last assistant tag"),
    ("gsm8k", "  The answer is 10  \n", "10", "stripped"),
    ("gsm8k", "\\boxed{25}", "25", "boxed is just text here"),
    ("gsm8k", "The answer is 25%", "25", "percent sign ignored"),
    ("gsm8k", "It costs 3.50 dollars", "3.5", "3.50 != 3.5"),
    ("gsm8k", "10-5 = 5", "5", "subtraction: last number"),
    ("gsm8k", "The answer is 1e3", "1000", "scientific notation: last number is 3"),
    ("gsm8k", "Answer: ٣", "٣", "Python's \\d is Unicode: Arabic-Indic digit"),
    # verify_math_sample (flex)
    ("math", "So the answer is $\\boxed{9}$.", "9", "boxed"),
    ("math", "So the answer is \\boxed{$9$}.", "9", "dollar signs inside the box: no candidate matches"),
    ("math", "So the answer is $\\boxed{\\$9}$.", "9", "\\$ inside the box: strip_string removes it"),
    ("math", "The answer is \\boxed{\\frac{1}{2}}.", "0.5", "sympy: 1/2 == 0.5"),
    ("math", "The answer is \\boxed{0.5}.", "\\frac{1}{2}", "strip_string maps 0.5 to \\frac{1}{2}"),
    ("math", "The answer is \\boxed{18.00}.", "18", "sympy: Float(18.00) - 18 == 0"),
    ("math", "The answer is \\boxed{\\dfrac{3}{4}}.", "\\frac{3}{4}", "dfrac -> frac"),
    ("math", "The answer is \\boxed{\\frac34}.", "\\frac{3}{4}", "fix_fracs"),
    ("math", "The answer is \\boxed{3/4}.", "\\frac{3}{4}", "fix_a_slash_b"),
    ("math", "The answer is \\boxed{5 \\text{ cm}}.", "5", "remove_right_units"),
    ("math", "The answer is \\boxed{5\\text{ cm}^2}.", "5", "units cut at \\text{ "),
    ("math", "The answer is \\boxed{x = 5}.", "5", "k = 5 -> 5 (left side at most two chars)"),
    ("math", "The answer is \\boxed{xyz = 5}.", "5", "left side too long: no match"),
    ("math", "The answer is \\boxed{50\\%}.", "50", "\\% removed"),
    ("math", "The answer is \\boxed{30^\\circ}.", "30", "degrees removed"),
    ("math", "The answer is \\boxed{1,000}.", "1000", "sympy reads 1,000 as 1000"),
    ("math", "The answer is \\boxed{1, 2}.", "1", "sympy stops at the comma: 1,2 reads as 1"),
    ("math", "The answer is \\boxed{(1,2)}.", "(1,2)", "tuple: string equality"),
    ("math", "The answer is \\boxed{(1, 2)}.", "(1,2)", "strip_string drops spaces"),
    ("math", "The answer is \\boxed{2\\sqrt{2}}.", "\\sqrt{8}", "sympy: equal"),
    ("math", "The answer is \\boxed{\\sqrt{8}}.", "2\\sqrt2", "2\\sqrt2 does not parse in sympy; strip_string forms differ"),
    ("math", "The answer is \\boxed{\\pi}.", "3.14159265358979", "pi is a symbol in sympy's LaTeX parser"),
    ("math", "The answer is \\boxed{2\\pi}.", "\\pi \\cdot 2", "symbols commute"),
    ("math", "The answer is \\boxed{x^2+2x+1}.", "(x+1)^2", "polynomial identity"),
    ("math", "The answer is \\boxed{\\infty}.", "\\infty", "oo - oo is nan, but strings equal"),
    ("math", "The answer is \\boxed{\\infty }.", "\\infty", "strip_string drops the space"),
    ("math", "The answer is \\boxed{\\text{(A)}}.", "A", "\\text{(A)} is text*A for sympy"),
    ("math", "The answer is \\boxed{\\text{(A)}}.", "\\text{(A)}", "same string"),
    ("math", "The answer is \\fbox{7}.", "7", "\\fbox fails remove_boxed's assertion; whole output then"),
    ("math", "The answer is \\boxed 7$.", "7", "the space form of \\boxed"),
    ("math", "The answer is \\boxed{7", "7", "unclosed box: no candidate from it; last-resort normalisation"),
    ("math", "Final Answer: The final answer is $7$. I hope it is correct.", "7", "Minerva sentence"),
    ("math", "Final Answer: The final answer is 7 I hope it is correct.", "7", "the regex eats the 7"),
    ("math", "We get $x = 7$.", "7", "between the last two dollars, normalised: after the last ="),
    ("math", "The answer is 7.", "7", "no box, no dollars: the whole output normalised"),
    ("math", "7", "7", "bare answer"),
    ("math", "The answer is $\\boxed{\\frac{1}{2}}$. Final Answer: The final answer is $3$. I hope it is correct.",
     "3", "both candidates tried"),
    ("math", "\\boxed{10!}", "3628800", "factorial"),
    ("math", "\\boxed{\\binom{5}{2}}", "10", "binomial"),
    ("math", "\\boxed{0.1+0.2}", "0.3", "float arithmetic leaves a residue"),
    ("math", "\\boxed{\\frac13+\\frac16}", "0.5", "float residue again"),
    ("math", "\\boxed{3)}", "3", "ANTLR ignores the unmatched parenthesis"),
    ("math", "\\boxed{12.}", "12", "12. parses as 1 (ANTLR's recovery)"),
    ("math", "\\boxed{12.}", "1", "12. parses as 1"),
    ("math", "\\boxed{\\sqrt{x^2}}", "x", "complex symbols: sqrt(x**2) != x"),
    ("math", "\\boxed{\\sqrt{2x}}", "\\sqrt{2}\\sqrt{x}", "sympy pulls sqrt(2) out"),
    ("math", "\\boxed{\\frac{x^2-1}{x-1}}", "x+1", "rational function"),
    ("math", "\\boxed{x(x+1)}", "x^2+x", "x( is a function application in sympy's grammar"),
    ("math", "\\boxed{2(x+1)}", "2x+2", "2( is a product"),
    ("math", "\\boxed{\\sin^{-1}(1)}", "\\frac{\\pi}{2}", "pi is a symbol: asin(1) = pi/2 (sympy's pi) != pi/2 symbol"),
    ("math", "\\boxed{2 x 3}", "6", "x between two numbers is a multiplication sign"),
    ("math", "\\boxed{\\lfloor 2.5 \\rfloor}", "2", "floor"),
    ("math", "\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "matrix: same string"),
    ("math", "\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", "strip_string drops spaces"),
    ("math", "\\boxed{5}", "\\boxed{5}", "the gold is not reduced to its box"),
    ("math", "\\boxed{\\$5}", "5", "\\$ removed by strip_string"),
    ("math", "The answer is \\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.", "\\left( 3, \\frac{\\pi}{2} \\right)", "MATH-500 #1"),
    ("math", "The answer is \\boxed{(3, \\frac{\\pi}{2})}.", "\\left( 3, \\frac{\\pi}{2} \\right)", "\\left, \\right, spaces dropped"),
    ("math", "The answer is \\boxed{\\text{Evelyn}}.", "\\text{Evelyn}", "text answer"),
    ("math", "The answer is \\boxed{Evelyn}.", "\\text{Evelyn}", "text*E*v*... != E*v*..."),
    ("math", "The answer is \\boxed{-2, 1}.", "-2,1", "strip_string: spaces"),
    ("math", "The answer is \\boxed{1, -2}.", "-2,1", "order matters"),
    ("math", "<|assistant|>\nThe answer is \\boxed{4}", "4", "assistant tag"),
    ("math", "\\boxed{\\sin(\\pi/6)}", "\\frac{1}{2}", "pi is a symbol: sin(pi/6) is not 1/2 for sympy"),
    ("math", "\\boxed{(1, 0.5)}", "(1, \\frac{1}{2})", "tuples: sympy cannot parse, strip_string differs"),
    ("math", "square", "square", "normalize_final_answer removes 'square': nothing left to match"),
    ("math", "Final Answer: The final answer is $\\text{Evelyn}$. I hope it is correct.", "\\text{Evelyn}",
     "the Minerva answer is normalised, the gold is not"),
    ("math", "\\boxed{4, 0}", "4", "two answers: sympy reads the first"),
    ("math", "\\boxed{\\frac{14}{3}.}", "\\frac{14}{3}", "sympy ignores the trailing period"),
    ("math", "\\boxed{10.}", "10", "10. reads as 1"),
    ("math", "\\boxed{2\\sqrt{2}}", "2\\sqrt2", "shorthand gold: sympy cannot lex \\sqrt2"),
    ("math", "\\boxed{e^{i\\pi}}", "-1", "e, i, pi are symbols"),
    ("math", "\\boxed{-\\frac{3}{4}}", "-3/4", "gold -3/4: fix_a_slash_b gives \\frac{-3}{4}; sympy equal"),
    ("gsm8k", "Each box holds 1,2 or 3 apples, so 6 in all", "6", "last number"),
    ("gsm8k", "The temperature fell to -3 degrees.", "-3", "negative integer gold"),
    ("gsm8k", "The answer is 1,5", "15", "any digit,digit is joined"),
    ("gsm8k", "The answer is 4\n<|assistant|>\nnot sure", "4", "only the text after the last assistant tag"),
    ("gsm8k", "Janet makes 18 dollars.\n#### 18", "Janet makes 18 dollars.\n#### 18", "gold given as a full answer"),
    ("gsm8k", "The answer is 18", "Janet sells 9 eggs.\n#### 18", "a full GSM8K answer as gold never matches"),
    # verify_strict_math_sample
    ("math_strict", "So the answer is $\\boxed{9}$.", "9", "strict ignores boxes; whole output normalised"),
    ("math_strict", "Final Answer: The final answer is $9$. I hope it is correct.", "9", "Minerva sentence"),
    ("math_strict", "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "0.5", "sympy"),
    ("math_strict", "Final Answer: The final answer is 18.00. I hope it is correct.", "18", "sympy: equal"),
    ("math_strict", "9", "9", "bare"),
    ("math_strict", "The answer is 9", "9", "normalize_final_answer keeps the words"),
    ("math_strict", "x = 9", "9", "text after the last ="),
    # is_equiv (sympy) directly
    ("is_equiv", "$9$", "9", "sympy cannot lex $"),
    ("is_equiv", "x=5", "x=5", "an Eq cannot be subtracted"),
    ("is_equiv", "0.5+x", "x+0.5", "floats in sums that cancel"),
    ("is_equiv", "3+", "3", "trailing operator ignored"),
    ("is_equiv", "3^", "3", "trailing caret ignored"),
    ("is_equiv", "2+(3", "2", "unclosed group after the operator"),
    ("is_equiv", "(3", "3", "unclosed group"),
    ("is_equiv", "5.", "5", "dot without digits"),
    ("is_equiv", "26000.", "2*6*0*0", "ANTLR splits the digits"),
    ("is_equiv", "0.15.", "0.1", "ANTLR keeps one decimal"),
    ("is_equiv", "\\log(e)", "1", "\\log is the natural logarithm; e is a symbol"),
    ("is_equiv", "\\ln(100)", "\\log(100)", "same"),
    ("is_equiv", "x_1", "x_{1}", "same symbol"),
    ("is_equiv", "\\sin x", "\\sin(x)", "function without parentheses"),
    ("is_equiv", "\\cos^2(x)+\\sin^2(x)", "1", "simplify knows it"),
    ("is_equiv", "\\overline{3}", "3", "conjugate of a real"),
    ("is_equiv", "\\dfrac{270}7\\text{ degrees}", "\\frac{270}7\\text{ degrees}", "text and DIFFERENTIAL symbols"),
    ("is_equiv", "", "", "empty input does not parse"),
    ("is_equiv", "\\frac{1}{0}", "\\frac{1}{0}", "zoo - zoo is nan"),
    ("is_equiv", "|x|", "x", "Abs"),
    ("is_equiv", "e^{i\\pi}", "-1", "e, i and pi are symbols"),
    ("is_equiv", "0, 365", "365", "sympy.Number('0365') raises"),
    ("is_equiv", "0365", "365", "leading zero: not a Python integer literal"),
    ("is_equiv", "0,000", "0", "all zeros is fine"),
    ("is_equiv", "1101_4\\%", "1101_4", "the parse stops at _ before the lexer meets \\%"),
    ("is_equiv", "50\\%", "50", "the lexer meets \\% while the parse still looks"),
    ("is_equiv", "(7x(x-1)(x-2))", "7x(x-1)(x-2)", "x(...) is the same undefined function on both sides"),
    ("is_equiv", "f(1,2)", "f(1, 2)", "function of two arguments"),
    # hendrycks_is_equiv (strip_string) directly
    ("hendrycks", "\\frac{1}{2}", "0.5", "0.5 -> \\frac{1}{2}"),
    ("hendrycks", "5 \\text{ cm} \\text{ m}", "5 \\text{ cm} \\text{ m}", "two units: raises, raw strings equal"),
    ("hendrycks", "5 \\text{ cm} \\text{ m}", "5", "two units: raises, raw strings differ"),
    ("hendrycks", "1.5/2", "1.5/2", "int('1.5') raises: raw equal"),
    ("hendrycks", "\\sqrt", "\\sqrt", "trailing \\sqrt raises: raw equal"),
    ("hendrycks", "\\frac", "\\frac", "trailing \\frac raises"),
    ("hendrycks", "\\frac1", "\\frac1", "short \\frac: returned unchanged"),
    ("hendrycks", "-3/4", "-\\frac{3}{4}", "fix_a_slash_b gives \\frac{-3}{4}"),
    ("hendrycks", "03/4", "\\frac{3}{4}", "non-canonical int: unchanged"),
    ("hendrycks", ".5", "0.5", "leading dot gets a 0"),
    ("hendrycks", "k = 5", "5", "short left side dropped"),
]

GSM_KINDS = ["hash", "answer_is", "answer_is_dollar", "dollar_cents", "decimal_zero", "units", "boxed",
             "bold", "comma", "negative_sign", "trailing_check", "wrong_by_one"]
MATH_KINDS = ["boxed", "boxed_in_dollars", "dollars_in_box", "minerva", "dfrac", "spaces", "decimal",
              "text_units", "equation", "last_dollar", "fbox", "period_in_box", "two_answers", "wrong_neighbour"]


def reference(repo):
    tmp = tempfile.mkdtemp(prefix="oi-ref-")
    for name in ("math_utils.py", "ground_truth_utils.py"):
        src = subprocess.run(["git", "-C", repo, "show", f"{COMMIT}:open_instruct/{name}"],
                             check=True, capture_output=True, text=True).stdout
        src = src.replace("from open_instruct.math_utils import", "from math_utils import")
        src = src.replace("from open_instruct.if_functions import IF_FUNCTIONS_MAP", "IF_FUNCTIONS_MAP = {}")
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(src)
    sys.path.insert(0, tmp)
    import sympy
    if not sympy.__version__.startswith("1.12"):
        sys.exit(f"need sympy 1.12 (open-instruct's pin), found {sympy.__version__}")
    return importlib.import_module("ground_truth_utils"), importlib.import_module("math_utils")


def run(fn, a, b, gtu, mu):
    return bool({
        "gsm8k": gtu.verify_gsm8k_sample,
        "math": gtu.verify_math_sample,
        "math_strict": gtu.verify_strict_math_sample,
        "is_equiv": mu.is_equiv,
        "hendrycks": mu.hendrycks_is_equiv,
    }[fn](a, b))


def gsm_rows(path, n):
    rows = []
    for line in open(path, encoding="utf-8"):
        item = json.loads(line)
        sol, gold = item["answer"].rsplit("####", 1)
        gold = gold.strip().replace(",", "")
        # the reasoning a model would write: the solution without the <<calculator>> annotations
        reasoning = "".join(part.split(">>")[-1] for part in sol.split("<<")).strip()
        g = int(gold)
        forms = {
            "hash": f"{reasoning}\n#### {gold}",
            "answer_is": f"{reasoning}\nThe answer is {gold}.",
            "answer_is_dollar": f"{reasoning}\nThe answer is ${gold}.",
            "dollar_cents": f"{reasoning}\nSo the total is ${gold}.00.",
            "decimal_zero": f"{reasoning}\nThe answer is {gold}.0",
            "units": f"{reasoning}\nThe answer is {gold} dollars.",
            "boxed": f"{reasoning}\nThe final answer is $\\boxed{{{gold}}}$.",
            "bold": f"{reasoning}\n**Answer: {gold}**",
            "comma": f"{reasoning}\nThe answer is {g:,}.",
            "negative_sign": f"{reasoning}\nThe answer is -{gold}.",
            "trailing_check": f"{reasoning}\nThe answer is {gold}. Check: {g} + 1 - 1 = {g}, and that used 2 steps.",
            "wrong_by_one": f"{reasoning}\nThe answer is {g + 1}.",
        }
        for kind in GSM_KINDS:
            rows.append({"dataset": "gsm8k", "item": len(rows) // len(GSM_KINDS), "kind": kind,
                         "prediction": forms[kind], "ground_truth": gold})
        if len(rows) >= n * len(GSM_KINDS):
            return rows
    return rows


def last_box(s):
    i = s.rfind("\\boxed")
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return i, j
    return None


def math_rows(path, n):
    items = [json.loads(line) for line in open(path, encoding="utf-8")]
    rows = []
    for idx, item in enumerate(items):
        ans = item["answer"]
        if "\n" in ans:
            continue
        sol = item["solution"]
        box = last_box(sol)
        if box is None:
            continue
        # the solution with its box unwrapped, cut before the last sentence that held the box
        reasoning = (sol[:box[0]] + sol[box[0] + 7:box[1]] + sol[box[1] + 1:]).strip()
        reasoning = reasoning[:600]
        decimal = None
        try:
            if "\\frac" in ans and ans.count("{") == 2:
                num, den = ans.replace("\\frac{", "").replace("\\dfrac{", "").rstrip("}").split("}{")
                value = int(num.lstrip("-")) / int(den)
                if len(repr(value)) <= 8:
                    decimal = ("-" if ans.startswith("-") else "") + repr(value)
            elif ans.lstrip("-").isdigit():
                decimal = ans + ".0"
        except ValueError:
            decimal = None
        neighbour = items[(idx + 1) % len(items)]["answer"]
        spaced = ans.replace(",", ", ").replace("+", " + ").replace("=", " = ")
        forms = {
            "boxed": f"{reasoning}\n\nTherefore, the answer is $\\boxed{{{ans}}}$.",
            "boxed_in_dollars": f"{reasoning}\n\n$$\\boxed{{{ans}}}$$",
            "dollars_in_box": f"{reasoning}\n\nThe answer is \\boxed{{${ans}$}}.",
            "minerva": f"{reasoning}\nFinal Answer: The final answer is ${ans}$. I hope it is correct.",
            "dfrac": f"{reasoning}\n\nThe answer is $\\boxed{{{ans.replace(chr(92) + 'frac', chr(92) + 'dfrac')}}}$.",
            "spaces": f"{reasoning}\n\nThe answer is $\\boxed{{ {spaced} }}$.",
            "period_in_box": f"{reasoning}\n\nThe answer is $\\boxed{{{ans}.}}$",
            "two_answers": f"{reasoning}\n\nThe solutions are $\\boxed{{{ans}, 0}}$.",
            "decimal": f"{reasoning}\n\nThe answer is $\\boxed{{{decimal if decimal else ans}}}$.",
            "text_units": f"{reasoning}\n\nThe answer is $\\boxed{{{ans} \\text{{ units}}}}$.",
            "equation": f"{reasoning}\n\nThe answer is $\\boxed{{x = {ans}}}$.",
            "last_dollar": f"{reasoning}\n\nSo the answer is ${ans}$.",
            "fbox": f"{reasoning}\n\nThe answer is $\\fbox{{{ans}}}$.",
            "wrong_neighbour": f"{reasoning}\n\nTherefore, the answer is $\\boxed{{{neighbour}}}$.",
        }
        for kind in MATH_KINDS:
            rows.append({"dataset": "math", "item": idx, "kind": kind, "prediction": forms[kind],
                         "ground_truth": ans})
        if len(rows) >= n * len(MATH_KINDS):
            return rows
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--open-instruct", required=True, help="a git clone of allenai/open-instruct")
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), ".."), help="the tulu4j checkout")
    ap.add_argument("--items", type=int, default=15, help="GSM8K and MATH-500 items in the realistic set")
    args = ap.parse_args()
    gtu, mu = reference(args.open_instruct)
    out_dir = os.path.join(args.repo, "src/test/resources/verify/openinstruct")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "cases.jsonl"), "w", encoding="utf-8") as f:
        for fn, a, b, note in CASES:
            f.write(json.dumps({"fn": fn, "prediction": a, "ground_truth": b, "expected": run(fn, a, b, gtu, mu),
                                "note": note}, ensure_ascii=False) + "\n")
    rows = gsm_rows(os.path.join(args.repo, "data/gsm8k/test.jsonl"), args.items)
    rows += math_rows(os.path.join(args.repo, "data/math500/test.jsonl"), args.items)
    with open(os.path.join(out_dir, "realistic.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            r["open_instruct"] = run(r["dataset"], r["prediction"], r["ground_truth"], gtu, mu)
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(CASES)} cases, {len(rows)} realistic completions (open-instruct {COMMIT})")


if __name__ == "__main__":
    main()
