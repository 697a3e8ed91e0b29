import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file the pages load, served by the gateway itself. */
export interface AppAsset {
  type: string;
  body: Buffer;
}

const JS = 'text/javascript; charset=utf-8';

/**
 * The pages' own files (gateway/app/static/): plain ES modules and one stylesheet, no build step,
 * no CDN, nothing from another origin (issue #11: works offline). The operations the pages send
 * are one JSON file, usable as a safelist manifest (SAFELIST_FILE).
 */
const FILES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'main.js': JS,
  'dom.js': JS,
  'i18n.js': JS,
  'strings-fr.js': JS,
  'strings-en.js': JS,
  'session.js': JS,
  'api.js': JS,
  'records.js': JS,
  'page-search.js': JS,
  'page-patient.js': JS,
  'page-me.js': JS,
  'page-clerk.js': JS,
  'page-sign-in.js': JS,
  'operations.json': 'application/json; charset=utf-8',
};

/** Served only while the development secret is in use (gateway/app/dev-sign-in.ts): never otherwise. */
export const DEV_ONLY_FILES: Record<string, string> = { 'page-dev-sign-in.js': JS };

export const STATIC_DIR = join(__dirname, 'static');

/** Every asset, read once when the gateway starts with the pages on; the development ones only when asked for. */
export function readAppAssets({ development }: { development: boolean }): Map<string, AppAsset> {
  const files = { ...FILES, ...(development ? DEV_ONLY_FILES : {}) };
  return new Map(Object.entries(files).map(([name, type]) => [name, { type, body: readFileSync(join(STATIC_DIR, name)) }]));
}
