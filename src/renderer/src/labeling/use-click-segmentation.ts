// The click tool: each click sends the clicks so far to the chosen click-to-segment run
// (labeling.click) and the answer replaces the mask as one undoable change, carrying the click
// session with it (so undo takes the click back too). The chosen run is remembered per dataset
// in the browser's storage; the list of runs refreshes when a run finishes an epoch, so a click
// model being trained appears (and improves) while the user labels.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { InteractiveRunInfo } from '../../../shared/contract';
import { decodeMaskRuns } from '../../../shared/mask-runs';
import { useApi } from '../app-context';
import { useEvent } from '../hooks/use-event';
import { asClickSession, previousMaskFor, type ClickSession, type PhotoClick } from './click-session';
import type { MaskEditor } from './use-mask-editor';

const RUN_KEY = 'seg-studio.click-run:';

export interface ClickTiming {
  /** Server time: encoding + forward pass + resize to the photo. */
  serverMs: number;
  /** Of which the model (encoding + forward pass). */
  modelMs: number;
  /** From sending the click to the mask being in the editor. */
  roundTripMs: number;
  /** The click had to load the checkpoint or prepare the photo first. */
  cold: boolean;
  checkpointEpoch: number | null;
}

export interface ClickSegmentation {
  runs: InteractiveRunInfo[] | null;
  runsError: string | null;
  runId: number | null;
  chooseRun: (runId: number | null) => void;
  /** The clicks of the current state (they follow undo/redo), for drawing. */
  clicks: PhotoClick[];
  click: (x: number, y: number, positive: boolean) => void;
  pending: boolean;
  last: ClickTiming | null;
  error: string | null;
  reloadRuns: () => void;
}

function rememberedRun(datasetId: number): number | null {
  const v = Number(localStorage.getItem(RUN_KEY + datasetId));
  return Number.isInteger(v) && v > 0 ? v : null;
}

export function useClickSegmentation(opts: {
  datasetId: number;
  sampleId: string;
  editor: MaskEditor;
  /** After an answer is in the editor: the run, the mask at the photo's size, the clicks it answered. */
  onAnswer?: (runId: number, mask: Uint8Array, clicks: number) => void;
}): ClickSegmentation {
  const api = useApi();
  const { datasetId, sampleId, editor } = opts;
  const [runs, setRuns] = useState<InteractiveRunInfo[] | null>(null);
  const [runsError, setRunsError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number | null>(() => rememberedRun(datasetId));
  const [pending, setPending] = useState(false);
  const [last, setLast] = useState<ClickTiming | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(opts);
  latest.current = opts;
  const busy = useRef(false);
  /** Clicks made while an answer was on its way: sent together with the next request. */
  const queued = useRef<PhotoClick[]>([]);

  const reloadRuns = useCallback(() => {
    api.labeling.interactiveRuns({ datasetId }).then(
      (r) => {
        setRuns(r);
        setRunsError(null);
      },
      (err: Error) => setRunsError(err.message),
    );
  }, [api, datasetId]);
  useEffect(() => {
    setChosen(rememberedRun(datasetId));
    reloadRuns();
  }, [datasetId, reloadRuns]);
  useEvent('run:epoch', () => reloadRuns());

  // The remembered run if it is still there, else the newest run of this dataset (then any).
  const runId = runs ? (runs.find((r) => r.runId === chosen)?.runId ?? runs[0]?.runId ?? null) : null;
  const run = runs?.find((r) => r.runId === runId) ?? null;

  const chooseRun = useCallback(
    (id: number | null) => {
      if (id === null) localStorage.removeItem(RUN_KEY + datasetId);
      else localStorage.setItem(RUN_KEY + datasetId, String(id));
      setChosen(id);
    },
    [datasetId],
  );

  const send = useCallback(
    async (fresh: PhotoClick[]) => {
      const e = latest.current.editor;
      const mask = e.mask;
      if (!mask || runId === null || !run) return;
      busy.current = true;
      setPending(true);
      setError(null);
      const session = asClickSession(e.attachment, runId);
      const clicks = [...(session?.clicks ?? []), ...fresh];
      try {
        const t0 = performance.now();
        const res = await api.labeling.click({
          datasetId,
          sampleId,
          runId,
          clicks,
          prevMask: previousMaskFor(session, mask, run.size),
        });
        if (res.width !== mask.width || res.height !== mask.height) throw new Error(`the answer is ${res.width}×${res.height}, the photo ${mask.width}×${mask.height}`);
        const data = decodeMaskRuns(res.runs, res.width * res.height);
        if (!data) throw new Error('the answer does not cover the photo');
        const next: ClickSession = { kind: 'click-session', runId, clicks, modelMask: res.modelMask, answer: data.slice() };
        latest.current.editor.replace({ width: res.width, height: res.height, data }, next);
        setLast({ serverMs: res.ms, modelMs: res.modelMs, roundTripMs: performance.now() - t0, cold: res.cold, checkpointEpoch: res.checkpointEpoch });
        latest.current.onAnswer?.(runId, data, fresh.length);
      } catch (err) {
        setError((err as Error).message);
      } finally {
        busy.current = false;
        setPending(false);
      }
    },
    [api, datasetId, sampleId, runId, run],
  );

  // Clicks that arrived while waiting go out as soon as the previous answer is in.
  useEffect(() => {
    if (pending || queued.current.length === 0) return;
    const fresh = queued.current;
    queued.current = [];
    void send(fresh);
  }, [pending, send]);

  const click = useCallback(
    (x: number, y: number, positive: boolean) => {
      if (runId === null) {
        setError('Choose a click model first (or train one from the labels).');
        return;
      }
      const c = { x, y, positive };
      if (busy.current) queued.current.push(c);
      else void send([c]);
    },
    [runId, send],
  );

  return {
    runs,
    runsError,
    runId,
    chooseRun,
    clicks: asClickSession(editor.attachment, runId)?.clicks ?? [],
    click,
    pending,
    last,
    error,
    reloadRuns,
  };
}
