/**
 * `npm run sources:check -- [FILE]`: checks a sources file as the services will when they read or
 * reload it (lib/sources.ts, the protocol registry lib/protocols.ts), before it is put in place.
 * Prints the roll-out it describes, by region, area and kind; exits 1 naming the first bad entry.
 */
import { join } from 'node:path';
import { PROTOCOL_SPECS } from '../lib/protocols';
import { isConnected, kindOf, readSourcesFile } from '../lib/sources';

const file = process.argv[2] ?? process.env.SOURCES_FILE ?? join(__dirname, '..', 'demo', 'sources.json');
try {
  const sources = readSourcesFile(file, { timeZone: process.env.SOURCE_TIME_ZONE || 'America/Montreal' });
  const now = new Date();
  const groups = new Map<string, { connected: number; planned: number }>();
  for (const source of sources) {
    const key = `${source.region ?? '(no region)'} / ${source.area ?? '(no area)'} / ${kindOf(source)}`;
    const group = groups.get(key) ?? { connected: 0, planned: 0 };
    if (isConnected(source, now)) group.connected++;
    else group.planned++;
    groups.set(key, group);
  }
  process.stdout.write(`sources file ${file}: ${sources.length} sources, valid\n`);
  for (const [key, { connected, planned }] of [...groups].sort(([a], [b]) => a.localeCompare(b, 'fr'))) {
    process.stdout.write(`  ${key}: ${connected} connected${planned ? `, ${planned} planned` : ''}\n`);
  }
  const protocols = new Set(sources.map((s) => s.protocol));
  for (const protocol of protocols) {
    const spec = PROTOCOL_SPECS[protocol];
    process.stdout.write(`  protocol ${protocol} (${spec.transport}; serves ${spec.domains.join(', ')}; own fields ${spec.fields.join(', ')}): ${spec.summary}\n`);
  }
} catch (error) {
  process.stderr.write(`sources file ${file}: ${(error as Error).message}\n`);
  process.exit(1);
}
