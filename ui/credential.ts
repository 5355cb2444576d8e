/**
 * The credential the person entered: kept in sessionStorage (this tab only,
 * gone when it closes), sent as a header, never put in a URL or a cookie.
 */
export const CREDENTIAL_KEY = "mcp-station.credential";

export const credential = (): string | null => sessionStorage.getItem(CREDENTIAL_KEY);
export const saveCredential = (value: string) => sessionStorage.setItem(CREDENTIAL_KEY, value);
export const forgetCredential = () => sessionStorage.removeItem(CREDENTIAL_KEY);

/** The header that carries it: an API key and a JWT both go as a bearer token. */
export function authHeaders(): Record<string, string> {
  const value = credential();
  return value ? { authorization: `Bearer ${value}` } : {};
}
