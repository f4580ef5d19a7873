import type { TradingClient } from '@ws/client';
import { createContext, type ReactNode, useContext, useMemo, useRef } from 'react';
import { StreamHub } from './stream-hub.js';
import type { ErrorSink } from './streams.js';

interface TradingClientContextValue {
  client: TradingClient;
  hub: StreamHub;
  onError: ErrorSink;
}

const TradingClientContext = createContext<TradingClientContextValue | null>(null);

/** One hub per client: every provider of the same client shares its subscriptions. */
const hubs = new WeakMap<TradingClient, StreamHub>();

function hubOf(client: TradingClient): StreamHub {
  let hub = hubs.get(client);
  if (!hub) {
    hub = new StreamHub();
    hubs.set(client, hub);
  }
  return hub;
}

export interface TradingClientProviderProps {
  /** The app's client; the provider never creates or closes it (the app owns its lifetime). */
  client: TradingClient;
  /** Failed subscriptions of the hooks (an unknown symbol, a refused token…). Default: `console.error`. */
  onError?: (error: Error) => void;
  children?: ReactNode;
}

/** Makes `client` available to the hooks below it. */
export function TradingClientProvider({ client, onError, children }: TradingClientProviderProps) {
  // Streams outlive renders: they report through the latest `onError`, so an inline callback does not
  // restart anything.
  const latest = useRef(onError);
  latest.current = onError;
  const value = useMemo<TradingClientContextValue>(
    () => ({ client, hub: hubOf(client), onError: (error) => (latest.current ?? console.error)(error) }),
    [client],
  );
  return <TradingClientContext.Provider value={value}>{children}</TradingClientContext.Provider>;
}

/** @internal The provider's client, hub and error sink. */
export function useTradingContext(): TradingClientContextValue {
  const value = useContext(TradingClientContext);
  if (!value) throw new Error('@ws/react: wrap your components in <TradingClientProvider client={…}>');
  return value;
}

/** The `TradingClient` of the nearest provider, for what the hooks do not cover (requests, `admin`). */
export function useTradingClient(): TradingClient {
  return useTradingContext().client;
}
