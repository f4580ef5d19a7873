import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeFailure } from './admin-connection.js';

/**
 * Runs `load` now and every `intervalMs` while the view is shown; `refresh()` runs it at once.
 * A failure is kept in `error` (and the last good data stays on screen).
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refresh = useCallback(async () => {
    try {
      const next = await loadRef.current();
      setData(next);
      setError(null);
      return next;
    } catch (err) {
      setError(describeFailure(err));
      return null;
    }
  }, []);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);
  return { data, error, refresh };
}
