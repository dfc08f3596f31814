// Samples of a filtered dataset view, fetched a page at a time as the grid scrolls to them, so
// opening 7,390 images asks for ~200 rows rather than all of them.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SampleSummary, SplitName, Species } from '../../../shared/contract';
import { useApi } from '../app-context';

export interface SampleFilters {
  split?: SplitName;
  species?: Species;
  breed?: string;
  labeled?: boolean;
  runId?: number;
  order: 'id' | 'dice-asc' | 'dice-desc';
}

const PAGE = 200;

export function useSamplePages(datasetId: number | undefined, filters: SampleFilters) {
  const api = useApi();
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, SampleSummary[]>());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const key = JSON.stringify([datasetId, filters]);

  const loadPage = useCallback(
    (page: number) => {
      if (datasetId === undefined || pages.current.has(page) || inflight.current.has(page)) return;
      const gen = generation.current;
      inflight.current.add(page);
      api.datasets
        .samples({ datasetId, ...filters, offset: page * PAGE, limit: PAGE })
        .then((res) => {
          if (gen !== generation.current) return;
          pages.current.set(page, res.items);
          setTotal(res.total);
          setError(null);
          setTick((t) => t + 1);
        })
        .catch((err: Error) => gen === generation.current && setError(err.message))
        .finally(() => inflight.current.delete(page));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    inflight.current = new Set();
    setTotal(null);
    setError(null);
    loadPage(0);
  }, [key, loadPage]);

  const ensureRange = useCallback(
    (start: number, end: number) => {
      for (let p = Math.floor(start / PAGE); p <= Math.floor(Math.max(start, end - 1) / PAGE); p++) loadPage(p);
    },
    [loadPage],
  );

  const get = (index: number): SampleSummary | undefined => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE];
  return { total, error, get, ensureRange };
}
