"""Latency of workbench.feedback.analyze: warm (median, p95) for a 250-word English answer and a 300-character
Chinese answer, incremental typing, and cold start (import + pipeline build, in a fresh process).

Targets (issues 4 and 15): p95 < 15 ms (en, 250 words) and < 25 ms (zh, 300 characters), for a past-episode answer
and for a hypothetical/habitual one (issue 15's mode signal runs on every sentence).
Run: ``.venv/bin/python benchmarks/bench_feedback.py`` (or under pytest-benchmark: ``pytest benchmarks/bench_feedback.py``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EN_SENTS = ["Last year at my previous job our onboarding kept losing new users in the first week.",
            "I had to find out why and fix it before the next release, which was six weeks away.",
            "I interviewed twenty users, pulled the funnel data and ran a quick experiment with two designs.",
            "Then I met each stakeholder, agreed priorities with engineering and cut the scope to three changes.",
            "We shipped the new flow on time and activation rose 18% within a month.",
            "Support tickets about setup fell by a third, and the team kept the weekly review afterwards."]
ZH_SENTS = ["去年在前公司，华东区新渠道的销售一直上不去，几个大客户也在考虑换供应商。",
            "领导让我牵头新渠道，目标是半年内把区域业绩拉回正增长。",
            "我先逐个拜访了二十多家重点客户，整理数据，找出价格和交付两个主要问题。",
            "然后我联合市场部做了促销活动，调整报价方案，并且每周复盘，逐个沟通跟进。",
            "最后三个月内新增客户12家，签下50万元合同，区域销售额增长了35%。"]


EN_HYPO = ["If a key client threatened to leave, I would first call them the same day to understand why.",
           "I usually keep a list of open issues for every account, so I would check it before the call.",
           "Then I would meet the team, agree on two or three changes and offer a short pilot.",
           "Whenever a client is unhappy I try to follow up every week until the problem is gone.",
           "That way they would see progress and hopefully stay with us for the next contract."]
ZH_HYPO = ["如果大客户突然说要换供应商，我会先当天约对接人聊一下，搞清楚原因。",
           "我一般会给每个客户建一个问题清单，平时每周都会跟进一次。",
           "然后我会拉上产品和交付的同事，一起定两三个改进点，再给客户一个试点方案。",
           "我的目标是先稳住这个客户，这样至少能争取到一两个季度的时间。"]


def english_answer(words: int = 250, sents: list[str] = EN_SENTS) -> str:
    out, i = [], 0
    while len(" ".join(out).split()) < words:
        out.append(sents[i % len(sents)])
        i += 1
    return " ".join(" ".join(out).split()[:words]).rstrip(".,") + "."


def chinese_answer(chars: int = 300, sents: list[str] = ZH_SENTS) -> str:
    out, i = "", 0
    while len(out) < chars:
        out += sents[i % len(sents)]
        i += 1
    return out[:chars - 1] + "。"


def timings(fn, text: str, n: int = 200) -> dict:
    for _ in range(5):
        fn(text)
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn(text)
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return {"median_ms": round(statistics.median(ts), 3), "p95_ms": round(ts[int(0.95 * (n - 1))], 3), "n": n}


def cold_start() -> float:
    code = ("import time; t0 = time.perf_counter(); from workbench.feedback import analyze; "
            "analyze('Last year I had to fix it. I did.'); analyze('去年我负责新渠道。我先拜访客户。'); "
            "print((time.perf_counter() - t0) * 1000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return round(float(out.stdout.strip().splitlines()[-1]), 1)


def incremental_typing(text: str) -> dict:
    from workbench.feedback import IncrementalAnalyzer

    inc = IncrementalAnalyzer()
    ts = []
    words = text.split()
    for i in range(1, len(words) + 1):
        t0 = time.perf_counter()
        inc.update(" ".join(words[:i]))
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return {"median_ms": round(statistics.median(ts), 3), "p95_ms": round(ts[int(0.95 * (len(ts) - 1))], 3),
            "n": len(ts)}


def main() -> None:
    cold = [cold_start() for _ in range(3)]
    from workbench.feedback import analyze

    en, zh = english_answer(), chinese_answer()
    print(f"en answer: {len(en.split())} words; zh answer: {len(zh)} characters")
    print("warm analyze, en 250 words   :", timings(lambda t: analyze(t, lang="en"), en), "(target p95 < 15 ms)")
    print("warm analyze, zh 300 chars   :", timings(lambda t: analyze(t, lang="zh"), zh), "(target p95 < 25 ms)")
    enh, zhh = english_answer(sents=EN_HYPO), chinese_answer(sents=ZH_HYPO)
    print("warm analyze, en hypothetical:", timings(lambda t: analyze(t, lang="en"), enh), "(target p95 < 15 ms)")
    print("warm analyze, zh hypothetical:", timings(lambda t: analyze(t, lang="zh"), zhh), "(target p95 < 25 ms)")
    print("warm analyze, en auto-detect :", timings(analyze, en))
    print("incremental, en word by word :", incremental_typing(en))
    print(f"cold start (fresh process: import + en and zh pipeline build + first analysis): "
          f"median {statistics.median(cold):.0f} ms of {cold}")


def test_bench_analyze_en(benchmark):  # pytest-benchmark entry points
    from workbench.feedback import analyze

    benchmark(analyze, english_answer(), lang="en")


def test_bench_analyze_zh(benchmark):
    from workbench.feedback import analyze

    benchmark(analyze, chinese_answer(), lang="zh")


if __name__ == "__main__":
    main()
