/** Sign in: an API key or a JWT, entered once, kept for this tab (sessionStorage), checked against GET /sessions. */
import { useState } from "preact/hooks";
import { ApiError, api, describeError } from "../api.ts";
import { forgetCredential, saveCredential } from "../credential.ts";

export function LoginScreen({ problem, onSignedIn }: { problem?: string; onSignedIn: () => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState(problem);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    saveCredential(value.trim());
    try {
      await api("GET", "sessions");
      onSignedIn();
    } catch (e) {
      forgetCredential();
      setError(e instanceof ApiError && e.status === 401 ? "The station did not accept this key." : describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="login">
      <h1>Sign in</h1>
      <p>Enter an API key (or a JWT). It stays in this browser tab only and is sent as a header with each call.</p>
      <form onSubmit={submit}>
        <div class="field">
          <label for="credential">API key or token</label>
          <input
            id="credential"
            type="password"
            autocomplete="off"
            required
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </div>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
