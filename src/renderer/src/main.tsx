// Placeholder entry: the UI engineer replaces this with the studio's React app. It only shows
// which transport the page found (the preload bridge in Electron, else the HTTP API).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

function App() {
  const transport = typeof window !== 'undefined' && window.studio ? 'Electron bridge' : 'HTTP API';
  return (
    <main>
      <h1>Pet Segmentation Studio</h1>
      <p>Connected through: {transport}</p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
