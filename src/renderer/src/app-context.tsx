// What every screen needs: the client, the remembered datasets, and the augmentation settings the
// preview hands to the run form ("use these settings").
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AugmentConfig } from '../../shared/run-config';
import type { DatasetSummary } from '../../shared/contract';
import type { StudioClient } from './api/client';

interface AppState {
  client: StudioClient;
  datasets: DatasetSummary[];
  datasetsError: string | null;
  refreshDatasets: () => Promise<void>;
  /** Set by the augmentation preview; the run form starts from it when present. */
  augmentDraft: AugmentConfig | null;
  setAugmentDraft: (a: AugmentConfig | null) => void;
}

const Ctx = createContext<AppState | null>(null);

export function AppProvider({ client, children }: { client: StudioClient; children: ReactNode }) {
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [datasetsError, setDatasetsError] = useState<string | null>(null);
  const [augmentDraft, setAugmentDraft] = useState<AugmentConfig | null>(null);
  const refreshDatasets = useCallback(async () => {
    try {
      setDatasets(await client.api.datasets.list());
      setDatasetsError(null);
    } catch (err) {
      setDatasetsError((err as Error).message);
    }
  }, [client]);
  useEffect(() => {
    void refreshDatasets();
  }, [refreshDatasets]);
  return (
    <Ctx.Provider value={{ client, datasets, datasetsError, refreshDatasets, augmentDraft, setAugmentDraft }}>
      {children}
    </Ctx.Provider>
  );
}

export function useApp(): AppState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useApp outside AppProvider');
  return v;
}

export function useApi() {
  return useApp().client.api;
}
