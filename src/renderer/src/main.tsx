// Entry: pick the transport (Electron bridge or HTTP with the page's token) and mount the studio.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { AppProvider } from './app-context';
import { App, NoToken } from './App';
import { blockDropNavigation } from './block-drop-navigation';
import './styles/app.css';

blockDropNavigation();
const client = createClient();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {client ? (
      <AppProvider client={client}>
        <App />
      </AppProvider>
    ) : (
      <NoToken />
    )}
  </StrictMode>,
);
