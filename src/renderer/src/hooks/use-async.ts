// Loads something when its inputs change, keeping the error next to the data so each screen can
// show the failure where it happened. Stale answers (inputs changed meanwhile) are dropped.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
  setData: (v: T) => void;
}

export function useAsync<T>(load: () => Promise<T> | null, deps: DependencyList): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const p = load();
    if (!p) {
      setLoading(false);
      return;
    }
    const my = ++seq.current;
    setLoading(true);
    p.then(
      (v) => {
        if (my !== seq.current) return;
        setData(v);
        setError(null);
        setLoading(false);
      },
      (err: Error) => {
        if (my !== seq.current) return;
        setError(err.message);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}
