/** Where the pages' assets are served. */
export const APP_ASSET_PATH = '/app/assets/';

/**
 * The shell every page path answers with: the same bytes whatever the path (a NAM in
 * /app/patients/<NAM> is read by the script, never written into the HTML), French first. Nothing
 * personal is in it; the script signs in, asks /graphql with the bearer token and draws the page.
 * `devSignIn` only says whether the development sign-in is offered (gateway/app/dev-sign-in.ts).
 */
export function appPage({ devSignIn }: { devSignIn: boolean }): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Dossier santé Québec</title>
<link rel="stylesheet" href="${APP_ASSET_PATH}app.css">
<script type="module" src="${APP_ASSET_PATH}main.js"></script>
</head>
<body data-dev-sign-in="${devSignIn ? 'on' : 'off'}" data-endpoint="/graphql">
<a class="skip" href="#main">Aller au contenu</a>
<header class="bar" id="bar"></header>
<main id="main" tabindex="-1"><p>Chargement…</p><noscript>Ces pages demandent JavaScript. / These pages need JavaScript.</noscript></main>
<div id="announce" class="visually-hidden" role="status" aria-live="polite"></div>
</body>
</html>
`;
}

/**
 * What the pages may load and where they may connect: their own origin only, no inline script or
 * style (every script is a file of ours: an injected one does not run), no framing, no form posted
 * anywhere (forms are handled by the script), no plugin.
 */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
