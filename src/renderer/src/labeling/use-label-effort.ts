// The work behind a label, sent with each save (labeling effort, issue 13): active seconds since
// the photo was opened or last saved (pointer and key activity; a gap over a minute between two
// signs of life counts as away, not as labeling), clicks of the click tool, brush/eraser/fill
// strokes, and the suggestion the label started from: the first run's prediction adopted or the
// first click-model answer since open/last save. `changedPixels` compares the saved mask with
// that suggestion's mask (the adopted prediction, or the click model's answer behind the current
// state: after a click is undone, the answer before it), so 0 means it was saved as it came.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { LabelEffort } from '../../../shared/contract';
import { changedPixels } from './click-session';

/** A pause longer than this between two signs of activity is not counted. */
export const IDLE_GAP_MS = 60_000;

interface Tally {
  activeMs: number;
  lastActivity: number;
  clicks: number;
  strokes: number;
  source: LabelEffort['source'];
  sourceRunId: number | null;
  suggestion: Uint8Array | null;
}

const fresh = (now: number): Tally => ({ activeMs: 0, lastActivity: now, clicks: 0, strokes: 0, source: 'none', sourceRunId: null, suggestion: null });

export interface LabelEffortTracker {
  noteStroke: () => void;
  /** A click-model answer for `clicks` new clicks is in the editor. */
  noteClickAnswer: (runId: number, mask: Uint8Array, clicks: number) => void;
  /** A run's prediction replaced the label. */
  notePredictionAdopted: (runId: number, mask: Uint8Array) => void;
  /**
   * The record for saving `saved` now (does not reset; call `saved()` once the save succeeded).
   * `clickAnswer`: the click model's answer the current state comes from, if any.
   */
  effortFor: (saved: Uint8Array, clickAnswer?: Uint8Array | null) => LabelEffort;
  saved: () => void;
}

export function useLabelEffort(photoKey: string): LabelEffortTracker {
  const tally = useRef<Tally>(fresh(performance.now()));

  const activity = useCallback(() => {
    const now = performance.now();
    const t = tally.current;
    const gap = now - t.lastActivity;
    if (gap <= IDLE_GAP_MS) t.activeMs += gap;
    t.lastActivity = now;
  }, []);

  // A new photo starts a new count.
  useEffect(() => {
    tally.current = fresh(performance.now());
  }, [photoKey]);

  useEffect(() => {
    const events = ['pointerdown', 'pointermove', 'keydown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, activity, { passive: true, capture: true });
    return () => {
      for (const e of events) window.removeEventListener(e, activity, { capture: true });
    };
  }, [activity]);

  const noteStroke = useCallback(() => {
    tally.current.strokes++;
  }, []);

  const noteClickAnswer = useCallback((runId: number, mask: Uint8Array, clicks: number) => {
    const t = tally.current;
    t.clicks += clicks;
    if (t.source === 'none') {
      t.source = 'interactive';
      t.sourceRunId = runId;
    }
    if (t.source === 'interactive') t.suggestion = mask.slice();
  }, []);

  const notePredictionAdopted = useCallback((runId: number, mask: Uint8Array) => {
    const t = tally.current;
    if (t.source === 'none') {
      t.source = 'prediction';
      t.sourceRunId = runId;
    }
    if (t.source === 'prediction') t.suggestion = mask.slice();
  }, []);

  const effortFor = useCallback(
    (saved: Uint8Array, clickAnswer?: Uint8Array | null): LabelEffort => {
      activity();
      const t = tally.current;
      if (t.source === 'interactive' && clickAnswer) t.suggestion = clickAnswer;
      const suggested = t.source !== 'none' && t.suggestion !== null;
      return {
        seconds: Math.round(t.activeMs) / 1000,
        clicks: t.clicks,
        strokes: t.strokes,
        source: suggested ? t.source : 'none',
        sourceRunId: suggested ? t.sourceRunId : null,
        changedPixels: suggested ? changedPixels(saved, t.suggestion!) : null,
      };
    },
    [activity],
  );

  const saved = useCallback(() => {
    tally.current = fresh(performance.now());
  }, []);

  return useMemo(() => ({ noteStroke, noteClickAnswer, notePredictionAdopted, effortFor, saved }), [noteStroke, noteClickAnswer, notePredictionAdopted, effortFor, saved]);
}
