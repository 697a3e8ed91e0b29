import { SCRIPTS, STYLES } from './assets';

/** Where the explorer's assets are served; the page names them relative to the gateway's own origin. */
export const ASSET_PATH = '/explorer/';

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The explorer page: GraphiQL, with a field for the provider's bearer token, loading nothing but
 * the gateway's own assets (same origin, no CDN). The token stays in the page's memory: it is not
 * stored, and GraphiQL is told not to persist headers.
 */
export function explorerPage({ endpoint }: { endpoint: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QHR gateway explorer</title>
${STYLES.map((name) => `<link rel="stylesheet" href="${ASSET_PATH}${name}">`).join('\n')}
</head>
<body>
<header class="qhr-bar">
<label for="qhr-token">Bearer token</label>
<input id="qhr-token" type="password" autocomplete="off" spellcheck="false" placeholder="paste a provider token (npm run token -- --role physician)">
<span class="qhr-note">Sent as <code>Authorization: Bearer …</code> to <code>${escapeAttribute(endpoint)}</code>; never stored.</span>
</header>
<main id="graphiql" data-endpoint="${escapeAttribute(endpoint)}">Loading the explorer…</main>
${SCRIPTS.map((name) => `<script src="${ASSET_PATH}${name}"></script>`).join('\n')}
</body>
</html>
`;
}

/**
 * What the page may load: its own origin only (so a stray external reference fails visibly, offline
 * or not); GraphiQL sets inline styles and embeds its fonts as data: URLs.
 */
export const EXPLORER_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
