import { useState } from 'preact/hooks';

interface LoginFormProps {
  onSubmit: (token: string, remember: boolean) => void;
  busy: boolean;
  error: string | null;
}

/** Paste an admin JWT; it is kept in memory, or in this tab's sessionStorage when asked. */
export function LoginForm({ onSubmit, busy, error }: LoginFormProps) {
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        const value = token.trim();
        if (value) onSubmit(value, remember);
      }}
    >
      <h2>Log in</h2>
      <label for="token">Admin token (JWT)</label>
      <textarea
        id="token"
        name="token"
        rows={4}
        required
        spellcheck={false}
        autocomplete="off"
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
        aria-describedby="token-help"
      />
      <p id="token-help" class="help">
        A JWT with role <code>admin</code> from your identity provider. In development:{' '}
        <code>pnpm admin token --user ops --role admin</code>.
      </p>
      <label class="check">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
        Keep me logged in in this tab (sessionStorage)
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Connecting…' : 'Log in'}
      </button>
      {error ? (
        <p class="error" role="alert" data-testid="login-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
