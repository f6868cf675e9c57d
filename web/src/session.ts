// Who the page is: anonymous when the server runs without authentication (the
// tutorial's chat), or a user logged in through the server's development login.

const SESSION_KEY = "replichat.session";

/** A logged-in user and their token. */
export type Login = { user: string; token: string };

/** The page's identity: `null` when the server needs no login. */
export type Session = Login | null;

/** The stored login, if any. */
export function storedLogin(): Login | null {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Login | null;
    return value !== null && typeof value.user === "string" && typeof value.token === "string"
      ? value
      : null;
  } catch {
    return null;
  }
}

/** Forgets the stored login. */
export function logOut() {
  localStorage.removeItem(SESSION_KEY);
}

/** True when the server offers the development login (`dev_login = true`). */
export async function loginOffered(): Promise<boolean> {
  try {
    const response = await fetch("/api/dev-login");
    const body = (await response.json()) as { available?: boolean };
    return body.available === true;
  } catch {
    return false;
  }
}

/** Logs in as `user` and stores the login; throws with the server's message. */
export async function logIn(user: string): Promise<Login> {
  const response = await fetch("/api/dev-login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!response.ok || typeof body.token !== "string") {
    throw new Error(body.message ?? `login failed (${response.status})`);
  }
  const login = { user, token: body.token };
  localStorage.setItem(SESSION_KEY, JSON.stringify(login));
  return login;
}
