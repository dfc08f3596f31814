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


def mean_sd(xs):
    """'mean ± standard deviation' of seeds' scores, or '–' when any seed lacks the score."""
    if any(x is None for x in xs):
        return '–'
    return f'{statistics.mean(xs):.4f} ± {statistics.stdev(xs) if len(xs) > 1 else 0.0:.4f}'


def best_score(r, key):
    """The best checkpoint's test Dice with TTA ('tta') or multi-scale TTA ('multiScale'), if scored."""
    return (r.get('testDiceBest') or {}).get(key)


for minutes in sorted({r['minutes'] for r in records}):
    rows = [r for r in records if r['minutes'] == minutes]
    print(f'\n### {minutes:g}-minute budget\n')
    print('| configuration | flags | seed | planned epochs | img/s alone | best valid Dice (epoch) | test Dice | with TTA | multi-scale TTA |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        res, tta = r['result'], r.get('testDiceBest') or {}
        ips = r['probeImgPerSec'][-1] if r.get('probeImgPerSec') else None
        print(f"| {r['name']} | `{recipe_of(r)}` | {seed_of(r)} | {r['plannedEpochs']} | {ips if ips is not None else '–'} | "
              f"{f4(res['bestValidDice'])} ({res['bestEpoch']}) | {f4(res['testDice'])} | {f4(tta.get('tta'))} | {f4(tta.get('multiScale'))} |")
    by_recipe = {}
    for r in rows:
        by_recipe.setdefault(recipe_of(r), []).append(r)
    repeated = {k: v for k, v in by_recipe.items() if len(v) > 1}
    if repeated:
        print(f'\nRepeated seeds ({minutes:g} minutes): mean ± standard deviation over the seeds\n')
        print('| flags | seeds | test Dice | with TTA | multi-scale TTA |')
        print('|---|---|---|---|---|')
        for k, v in repeated.items():
            print(f"| `{k}` | {', '.join(str(seed_of(r)) for r in v)} | {mean_sd([r['result']['testDice'] for r in v])} | "
                  f"{mean_sd([best_score(r, 'tta') for r in v])} | {mean_sd([best_score(r, 'multiScale') for r in v])} |")

# The presets as a user runs them: a real wall-clock budget on the otherwise idle machine, so the
# plan, not a probe, sets the epochs (docs/quality-preset-runs.jsonl, beside the study's records).
presets = os.path.join(os.path.dirname(path), 'quality-preset-runs.jsonl')
if os.path.exists(presets):
    runs = [json.loads(l) for l in open(presets) if l.strip()]
    label = lambda r: f"`{r['preset']}`" + (f" `{r['flags']}`" if r.get('flags') else '')
    print('\n### The presets as a user runs them\n')
    print('| preset | seed | commit | planned epochs | trained | train img/s (median epoch) | wall time | best valid Dice (epoch) | test Dice | with TTA | multi-scale TTA |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for r in runs:
        print(f"| {label(r)} | {r['seed']} | {r['commit']} | {r['plannedEpochs']} | {r['epochsTrained']} | {r['trainImgPerSec']} | "
              f"{r['wallSeconds'] // 60}:{r['wallSeconds'] % 60:02d} | {f4(r['bestValidDice'])} ({r['bestEpoch']}) | "
              f"{f4(r['testDice'])} | {f4(best_score(r, 'tta'))} | {f4(best_score(r, 'multiScale'))} |")
    for key in sorted({label(r) for r in runs}):
        v = [r for r in runs if label(r) == key]
        if len(v) > 1:
            print(f"\n{key} over {len(v)} runs (seeds {', '.join(str(r['seed']) for r in v)}): test Dice {mean_sd([r['testDice'] for r in v])}, "
                  f"with TTA {mean_sd([best_score(r, 'tta') for r in v])}, multi-scale TTA {mean_sd([best_score(r, 'multiScale') for r in v])}.")

# Multi-scale test-time augmentation: what it added to the mirror alone, on every checkpoint scored both ways.
gains = [(r['name'], r['testDiceBest']['tta'], r['testDiceBest']['multiScale'], r['testDiceBest'].get('multiScaleSizes'))
         for r in records if 'multiScale' in (r.get('testDiceBest') or {}) and 'tta' in r['testDiceBest']]
if gains:
    d = [m - t for _, t, m, _ in gains]
    print(f'\nMulti-scale TTA ("auto" sizes) over the mirror alone, {len(d)} checkpoints: '
          f'{min(d):+.4f} to {max(d):+.4f}, mean {statistics.mean(d):+.4f}; worse on {sum(x < 0 for x in d)}.')

# How the "auto" sizes were chosen (scripts/tta-sizes-study.ts): Dice of each combination of sizes.
choice = os.path.join(os.path.dirname(path), 'quality-tta-sizes.jsonl')
if os.path.exists(choice):
    runs = [json.loads(l) for l in open(choice) if l.strip()]
    combos = [c for c in runs[-1]['diceBySizes']]
    print('\nChoosing the sizes: mean Dice at the photos\' sizes, mirror at each size, 119 test photos\n')
    print('| sizes | ' + ' | '.join(r['name'] for r in runs) + ' | mean gain over 128 alone |')
    print('|---|' + '---|' * len(runs) + '---|')
    for c in combos:
        cells = [r['diceBySizes'].get(c) for r in runs]
        gain = [x - r['diceBySizes']['128'] for x, r in zip(cells, runs) if x is not None]
        print(f"| {c} | " + ' | '.join(f4(x) for x in cells) + f" | {statistics.mean(gain):+.4f} over {len(gain)} |")
