// The signed-in person's token, kept in this page's memory only: never in localStorage,
// sessionStorage, IndexedDB, a cookie or Cache Storage, so nothing of it outlives the tab or
// survives sign-out (issue #11 §5). The price: reloading the page asks to sign in again; moving
// between pages does not (the pages are one document, main.js changes the address with history).

let token = null;
let claims = null;

/** Reads the token's claims (role, sub, facility, exp) for the pages; the gateway is what verifies it. */
function claimsOf(text) {
  const parts = text.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return null;
    return { sub: payload.sub, role: payload.role, facility: typeof payload.facility === 'string' ? payload.facility : undefined, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
  } catch {
    return null;
  }
}

/** Signs in with a bearer token; false when it cannot be read. */
export function signIn(text) {
  const read = claimsOf(text.trim());
  if (!read) return false;
  token = text.trim();
  claims = read;
  return true;
}

/** Forgets the token and who signed in. */
export function signOut() {
  token = null;
  claims = null;
}

/** Who is signed in ({ role, sub, facility }), or null; a token past its expiry counts as signed out. */
export function current() {
  if (claims?.exp && claims.exp * 1000 <= Date.now()) signOut();
  return claims;
}

export const bearer = () => token;
