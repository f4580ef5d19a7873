const KEY = 'ws-console-token';

/**
 * The token lives in memory, or in this tab's sessionStorage when the operator asks (it survives a
 * reload, not the tab). Never localStorage, never a cookie.
 */
export const tokenStorage = {
  load(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  save(token: string): void {
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // Storage disabled: the token stays in memory only.
    }
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // nothing stored
    }
  },
};
