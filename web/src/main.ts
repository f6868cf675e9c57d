// The chat page: who the user is (anonymous, or logged in through the development
// login), Replicache in the browser, and the rooms and messages (rooms.ts, messages.ts).

import { Replicache } from "replicache";
import { element } from "./dom";
import { startChat } from "./chat";
import { indexes, mutatorsFor, type Mutators } from "./mutators";
import { subscribeToPokes } from "./poke";
import { logIn, loginOffered, logOut, storedLogin, type Session } from "./session";

/** Shows the login form until a login succeeds, then reloads the page as that user. */
function showLogin() {
  const form = element<HTMLFormElement>("login");
  const input = element<HTMLInputElement>("login-user");
  const error = element<HTMLParagraphElement>("login-error");
  element<HTMLDivElement>("chat").hidden = true;
  form.hidden = false;
  input.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    logIn(input.value.trim())
      .then(() => location.reload())
      .catch((e: unknown) => {
        error.textContent = e instanceof Error ? e.message : String(e);
      });
  });
}

/** Opens Replicache as `session`'s user and starts the chat. */
function open(session: Session) {
  const user = session?.user ?? "";
  if (session !== null) {
    const badge = element<HTMLSpanElement>("user");
    badge.textContent = session.user;
    badge.hidden = false;
    const logout = element<HTMLButtonElement>("logout");
    logout.hidden = false;
    logout.addEventListener("click", () => {
      logOut();
      location.reload();
    });
  }
  const rep = new Replicache<Mutators>({
    // One local database per user, so that two logins never share a cache.
    name: session === null ? "replichat" : `replichat-${session.user}`,
    pushURL: "/api/replicache-push",
    pullURL: "/api/replicache-pull",
    auth: session === null ? "" : `Bearer ${session.token}`,
    mutators: mutatorsFor(user),
    indexes,
    logLevel: "error",
  });
  // A token the server no longer accepts (expired, another secret): log in again.
  rep.getAuth = () => {
    logOut();
    location.reload();
    return undefined;
  };
  const chat = startChat(rep, session);
  void rep.clientGroupID.then((clientGroupID) => {
    const params = new URLSearchParams({ clientGroupID });
    if (session !== null) {
      params.set("auth", session.token);
    }
    subscribeToPokes(`/api/replicache-poke?${params}`, {
      pull: () => void rep.pull(),
      connected: (openNow) => chat.streamChanged(openNow),
    });
  });
}

const login = storedLogin();
if (login !== null) {
  open(login);
} else {
  void loginOffered().then((offered) => (offered ? showLogin() : open(null)));
}
