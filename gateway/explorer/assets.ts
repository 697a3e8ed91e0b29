import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A file the explorer page loads, served by the gateway itself. */
export interface ExplorerAsset {
  type: string;
  body: Buffer;
}

/**
 * Where each asset comes from: GraphiQL's and React's browser builds from node_modules (pinned in
 * package.json, so the page is the same offline as online: no CDN, issue #10 §4), and our own
 * start-up script and styles beside this file.
 */
const SOURCES: Record<string, { file: () => string; type: string }> = {
  'react.production.min.js': { file: () => inPackage('react', 'umd/react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.production.min.js': { file: () => inPackage('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.js': { file: () => inPackage('graphiql', 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.css': { file: () => inPackage('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'explorer.js': { file: () => join(__dirname, 'explorer.js'), type: 'text/javascript; charset=utf-8' },
  'explorer.css': { file: () => join(__dirname, 'explorer.css'), type: 'text/css; charset=utf-8' },
};

/** A file of an installed package that its `exports` do not list (the browser builds): found beside its package.json. */
function inPackage(name: string, file: string): string {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

/** The order the page loads the scripts in: React before ReactDOM before GraphiQL before ours. */
export const SCRIPTS = ['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js', 'explorer.js'] as const;
export const STYLES = ['graphiql.min.css', 'explorer.css'] as const;

/**
 * Every asset, read once when the gateway starts with the explorer on (about 2.4 MB). The
 * `sourceMappingURL` comment is dropped: the maps are not served.
 */
export function readExplorerAssets(): Map<string, ExplorerAsset> {
  return new Map(
    Object.entries(SOURCES).map(([name, { file, type }]) => {
      const text = readFileSync(file(), 'utf8').replace(/\n\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, '\n');
      return [name, { type, body: Buffer.from(text, 'utf8') }];
    }),
  );
}
