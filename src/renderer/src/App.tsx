// The shell: navigation, connection notice, and the screen the hash route names.
import { useRoute } from './router';
import { NavBar } from './components/NavBar';
import { ConnectionStatus } from './components/ConnectionStatus';
import { DatasetsPage } from './pages/datasets/DatasetsPage';
import { SamplePage } from './pages/sample/SamplePage';
import { AugmentPage } from './pages/augment/AugmentPage';
import { RunFormPage } from './pages/runs/RunFormPage';
import { RunsPage } from './pages/runs/RunsPage';
import { RunPage } from './pages/runs/RunPage';
import { SweepPage } from './pages/runs/SweepPage';
import { PredictionsPage } from './pages/predictions/PredictionsPage';
import { QueuePage } from './pages/queue/QueuePage';
import { useWindowTitle } from './pages/runs/use-window-title';

export function App() {
  const route = useRoute();
  useWindowTitle();
  let page;
  switch (route.page) {
    case 'datasets':
      page = <DatasetsPage datasetId={route.datasetId} />;
      break;
    case 'sample':
      page = <SamplePage key={`${route.datasetId}/${route.sampleId}`} datasetId={route.datasetId} sampleId={route.sampleId} />;
      break;
    case 'augment':
      page = <AugmentPage datasetId={route.datasetId} sampleId={route.sampleId} />;
      break;
    case 'new-run':
      page = <RunFormPage />;
      break;
    case 'runs':
      page = <RunsPage />;
      break;
    case 'run':
      page = <RunPage key={route.runId} runId={route.runId} />;
      break;
    case 'sweep':
      page = <SweepPage key={route.sweepId} sweepId={route.sweepId} />;
      break;
    case 'predictions':
      page = <PredictionsPage runId={route.runId} datasetId={route.datasetId} />;
      break;
    case 'queue':
      page = <QueuePage key={`${route.datasetId}/${route.kind}`} datasetId={route.datasetId} kind={route.kind} />;
      break;
  }
  return (
    <div className="app">
      <NavBar route={route} />
      <main className="main" id="main">
        <ConnectionStatus />
        {page}
      </main>
    </div>
  );
}

export function NoToken() {
  return (
    <main className="page no-token">
      <h1>Pet Segmentation Studio</h1>
      <p>
        This page needs the access token the server printed when it started. Open the full address it printed, which ends in <code>?token=…</code>, or
        start it with <code>seg-studio serve</code> and copy that line.
      </p>
    </main>
  );
}
