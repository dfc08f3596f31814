#!/usr/bin/env python3
"""The markdown tables of docs/quality.md, from the study's raw records (docs/quality-study-results.jsonl,
written by scripts/quality-study.py), so no figure in the page is typed by hand.

usage: scripts/quality-table.py [RESULTS.jsonl]
Prints one table per budget (minutes), configurations in the order they ran, and for every
configuration run with several seeds, their mean and spread.
"""
import json, os, statistics, sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'docs', 'quality-study-results.jsonl')
records = [json.loads(l) for l in open(path) if l.strip()]
records = [r for r in records if 'result' in r]


def seed_of(r):
    a = r['args'].split()
    return int(a[a.index('--seed') + 1]) if '--seed' in a else 42


def recipe_of(r):
    """The flags without the seed: configurations that differ only in seed share a recipe."""
    a = r['args'].split()
    if '--seed' in a:
        i = a.index('--seed')
        a = a[:i] + a[i + 2:]
    return ' '.join(a)


def f4(x):
    return '–' if x is None else f'{x:.4f}'


for minutes in sorted({r['minutes'] for r in records}):
    rows = [r for r in records if r['minutes'] == minutes]
    print(f'\n### {minutes:g}-minute budget\n')
    print('| configuration | flags | seed | planned epochs | img/s alone | best valid Dice (epoch) | test Dice | with TTA |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        res, tta = r['result'], r.get('testDiceBest') or {}
        ips = r['probeImgPerSec'][-1] if r.get('probeImgPerSec') else None
        print(f"| {r['name']} | `{recipe_of(r)}` | {seed_of(r)} | {r['plannedEpochs']} | {ips if ips is not None else '–'} | "
              f"{f4(res['bestValidDice'])} ({res['bestEpoch']}) | {f4(res['testDice'])} | {f4(tta.get('tta'))} |")
    by_recipe = {}
    for r in rows:
        by_recipe.setdefault(recipe_of(r), []).append(r)
    repeated = {k: v for k, v in by_recipe.items() if len(v) > 1}
    if repeated:
        print(f'\nRepeated seeds ({minutes:g} minutes): mean ± standard deviation over the seeds\n')
        print('| flags | seeds | test Dice | with TTA |')
        print('|---|---|---|---|')
        for k, v in repeated.items():
            plain = [r['result']['testDice'] for r in v]
            tta = [r['testDiceBest']['tta'] for r in v if r.get('testDiceBest')]
            sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
            t = f'{statistics.mean(tta):.4f} ± {sd(tta):.4f}' if len(tta) == len(v) else '–'
            print(f"| `{k}` | {', '.join(str(seed_of(r)) for r in v)} | {statistics.mean(plain):.4f} ± {sd(plain):.4f} | {t} |")
