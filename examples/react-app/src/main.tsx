import { TradingClient } from '@ws/client';
import { TradingClientProvider } from '@ws/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

const user = new URLSearchParams(location.search).get('user') ?? 'demo-trader';
// A development token from the Vite dev server (see vite.config.ts); a real app gets one from its login.
const token = await fetch(`/dev-token?user=${encodeURIComponent(user)}`).then((r) => (r.ok ? r.text() : undefined));
const client = new TradingClient({ url: location.origin, token });

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <TradingClientProvider client={client}>
        <App user={token ? user : undefined} />
      </TradingClientProvider>
    </StrictMode>,
  );
}
