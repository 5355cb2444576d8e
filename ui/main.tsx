/**
 * The console's shell: the credential check, the navigation, and a hash
 * router (#/sessions, #/sessions/<id>, …), so every screen is the one page
 * /ui/ and the station needs no route per screen.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, describeError } from "./api.ts";
import { credential, forgetCredential } from "./credential.ts";
import { CreateScreen } from "./screens/create.tsx";
import { LoginScreen } from "./screens/login.tsx";
import { PlaygroundScreen } from "./screens/playground.tsx";
import { RegistryScreen } from "./screens/registry.tsx";
import { SessionScreen } from "./screens/session.tsx";
import { SessionsScreen } from "./screens/sessions.tsx";
import { StationScreen } from "./screens/station.tsx";
import "./style.css";

const useHash = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return hash;
};

function Screen({ hash }: { hash: string }) {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "sessions" && parts[1] && parts[2] === "playground") return <PlaygroundScreen sessionId={parts[1]} />;
  if (parts[0] === "sessions" && parts[1]) return <SessionScreen sessionId={parts[1]} />;
  if (parts[0] === "create") return <CreateScreen />;
  if (parts[0] === "registry") return <RegistryScreen />;
  if (parts[0] === "station") return <StationScreen />;
  return <SessionsScreen />;
}

const NAV = [
  ["#/sessions", "Sessions"],
  ["#/create", "Create"],
  ["#/registry", "Registry"],
  ["#/station", "Station"],
] as const;

type Access = "checking" | "needed" | "granted";

function App() {
  const hash = useHash();
  const [access, setAccess] = useState<Access>("checking");
  const [problem, setProblem] = useState<string>();

  const check = () => {
    setAccess("checking");
    api("GET", "sessions")
      .then(() => setAccess("granted"))
      .catch((error) => {
        setProblem(error instanceof ApiError && error.status === 401 ? undefined : describeError(error));
        setAccess("needed");
      });
  };
  useEffect(check, []);

  const current = `#/${hash.replace(/^#\/?/, "").split("/")[0] || "sessions"}`;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/sessions">
          MCP Station
        </a>
        {access === "granted" ? (
          <nav aria-label="Console">
            {NAV.map(([href, text]) => (
              <a href={href} aria-current={current === href ? "page" : undefined}>
                {text}
              </a>
            ))}
            <a href="api-docs/">API docs</a>
            {credential() ? (
              <button
                type="button"
                class="link"
                onClick={() => {
                  forgetCredential();
                  check();
                }}
              >
                Sign out
              </button>
            ) : null}
          </nav>
        ) : null}
      </header>
      <main id="main">
        {access === "checking" ? <p aria-live="polite">Connecting to the station…</p> : null}
        {access === "needed" ? <LoginScreen problem={problem} onSignedIn={() => setAccess("granted")} /> : null}
        {access === "granted" ? <Screen hash={hash} /> : null}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
