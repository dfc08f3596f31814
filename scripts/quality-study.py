#!/usr/bin/env python3
"""The quality-per-minute study (docs/quality.md): what test Dice a configuration reaches in a
fixed wall-clock budget on this machine.

Why two phases: on a 2-core machine the study cannot have the CPU to itself for hours while other
work goes on, yet a budget is wall-clock time. A budgeted run that planned N epochs trains exactly
as `--epochs N` would (src/engine/train/time-budget.ts), so each configuration is
  1. probed: `train --minutes M` at high priority (nice -15, near-alone) until the budget planner
     prints "planned N epochs"; the probe is then stopped;
  2. run: the same configuration with `--epochs N` to completion (its priority does not change
     the result, only the wall time); it records best valid Dice and test Dice (the mini set's own
     test split) in a studio database;
  3. score: `eval` of the best checkpoint on the test split with and without test-time
     augmentation (the default in eval and predict since it measurably helps).
The probe's epoch lines give the images/s alone. Results go to OUT/results.jsonl, one line per
configuration; the queue file is re-read after each configuration, so it can grow while it runs.

usage: scripts/quality-study.py --data DIR --queue FILE --out DIR [--cli bin/seg-studio.mjs]
queue lines: `name | train flags`, e.g. `b16-160 | --preset cpu-quick --size 160 --minutes 10`
(--minutes defaults to 10; '#' starts a comment).
"""
import argparse, json, os, re, signal, subprocess, time

ap = argparse.ArgumentParser()
ap.add_argument('--data', required=True)
ap.add_argument('--queue', required=True)
ap.add_argument('--out', required=True)
ap.add_argument('--cli', default=os.path.join(os.path.dirname(__file__), '..', 'bin', 'seg-studio.mjs'))
ap.add_argument('--once', action='store_true', help='stop when the queue is done instead of waiting for more lines')
opt = ap.parse_args()
os.makedirs(opt.out, exist_ok=True)
RESULTS = os.path.join(opt.out, 'results.jsonl')
CLI = ['node', opt.cli, 'train', '--data', opt.data]


def done_names():
    if not os.path.exists(RESULTS):
        return set()
    return {json.loads(l)['name'] for l in open(RESULTS) if l.strip()}


def next_job():
    done = done_names()
    for line in open(opt.queue):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        name, _, args = line.partition('|')
        if name.strip() not in done:
            return name.strip(), args.split()
    return None


def without_minutes(args):
    """The flags without --minutes M, and M (default 10)."""
    rest, minutes, skip = [], '10', False
    for i, a in enumerate(args):
        if skip:
            skip = False
        elif a == '--minutes':
            minutes, skip = args[i + 1], True
        else:
            rest.append(a)
    return rest, float(minutes)


def probe(name, args):
    rest, minutes = without_minutes(args)
    cmd = ['nice', '-n', '-15'] + CLI + rest + ['--minutes', str(minutes), '--epochs', '1000',
                                               '--out', os.path.join(opt.out, 'probe-' + name), '--no-record']
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    planned, img_per_s, log = None, [], []
    for line in p.stdout:
        log.append(line)
        m = re.search(r'planned (\d+) epochs?', line)
        if m:
            planned = int(m.group(1))
        m = re.search(r'^epoch (\d+):.*\| ([\d.]+) img/s', line)
        if m:
            img_per_s.append(float(m.group(2)))
            if planned is not None:
                break
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    with open(os.path.join(opt.out, f'probe-{name}.log'), 'w') as f:
        f.write(''.join(log))
    if planned is None:
        raise RuntimeError(f'probe {name}: no plan\n' + ''.join(log[-20:]))
    return planned, img_per_s, minutes


def run(name, args, epochs):
    rest, _ = without_minutes(args)
    cmd = CLI + rest + ['--epochs', str(epochs), '--out', os.path.join(opt.out, 'runs', name),
                                               '--db', os.path.join(opt.out, 'study.db'), '--json']
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(opt.out, f'run-{name}.log'), 'w') as f:
        f.write(p.stdout)
    last = [l for l in p.stdout.splitlines() if l.startswith('{')]
    if p.returncode != 0 or not last:
        raise RuntimeError(f'run {name} failed (exit {p.returncode})\n' + p.stdout[-2000:])
    return json.loads(last[-1]), time.time() - t0


def score(name):
    """Test Dice of the run's best checkpoint with test-time augmentation (eval's default) and without."""
    ck = os.path.join(opt.out, 'runs', name, 'best')
    out = {}
    for flag in ('--tta', '--no-tta'):
        p = subprocess.run(['node', opt.cli, 'eval', '--data', opt.data, '--checkpoint', ck, '--split', 'test', flag, '--json'],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        last = [l for l in p.stdout.splitlines() if l.startswith('{')]
        if p.returncode != 0 or not last:
            raise RuntimeError(f'eval {name} {flag} failed (exit {p.returncode})')
        out['tta' if flag == '--tta' else 'plain'] = json.loads(last[-1])['dice']
    return out


while True:
    job = next_job()
    if job is None:
        if opt.once:
            break
        time.sleep(20)
        continue
    name, args = job
    try:
        planned, img_per_s, minutes = probe(name, args)
        res, wall = run(name, args, planned)
        commit = subprocess.run(['git', '-C', os.path.dirname(os.path.abspath(opt.cli)), 'rev-parse', '--short', 'HEAD'],
                                capture_output=True, text=True).stdout.strip()
        rec = {'name': name, 'args': ' '.join(args), 'minutes': minutes, 'plannedEpochs': planned,
               'probeImgPerSec': img_per_s, 'wallSeconds': wall, 'commit': commit, 'result': res,
               'testDiceBest': score(name)}
    except Exception as e:  # recorded, and the study goes on with the next configuration
        rec = {'name': name, 'args': ' '.join(args), 'error': str(e)[-3000:]}
    with open(RESULTS, 'a') as f:
        f.write(json.dumps(rec) + '\n')
    print(time.strftime('%H:%M:%S'), name, rec.get('plannedEpochs'), (rec.get('result') or {}).get('testDice'), flush=True)
