import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryCsv } from '../../demo/people';
import type { Domain, Protocol } from '../../lib/sources';
import type { WorldModel } from './model';
import { sourcesFile } from './province';

/** A source as the bench calls it (the point-to-point reference takes these). */
export interface WorldSourceRef {
  id: string;
  domain: Domain;
  protocol: Protocol;
  url: string;
}

/** A person of the bench: their NAM and the sources that hold their data (none for an empty record). */
export interface WorldPerson {
  nam: string;
  sources: WorldSourceRef[];
}

export interface WorldFiles {
  /** A SOURCES_FILE (lib/sources.ts format). */
  sourcesFile: string;
  /** A REGISTRY_FILE: nam,family_name,given_name,birth_date,sex. */
  registryFile: string;
  /** Who holds whom, for the bench: { sources: WorldSourceRef[], people: [nam, source indices][] }. */
  peopleFile: string;
}

interface PeopleFile {
  sources: WorldSourceRef[];
  people: [string, number[]][];
}

/** Writes the world's files into `dir`, for a world answering at `url`. One write each: 100,000 people take well under a second. */
export function writeWorldFiles(model: WorldModel, url: string, dir: string): WorldFiles {
  const files: WorldFiles = { sourcesFile: join(dir, 'sources.json'), registryFile: join(dir, 'registry.csv'), peopleFile: join(dir, 'people.json') };
  writeFileSync(files.sourcesFile, JSON.stringify(sourcesFile(model.sources, url), null, 1));
  writeFileSync(files.registryFile, registryCsv([...model.people]));
  const people: PeopleFile = {
    sources: model.sources.map((s) => ({ id: s.id, domain: s.domain, protocol: s.protocol, url: `${url}${s.path}` })),
    people: model.people.map((person) => [person.nam, model.holdings.sourcesOf(person.index)]),
  };
  writeFileSync(files.peopleFile, JSON.stringify(people));
  return files;
}

/** The people file read back; each person's sources are shared objects, so 100,000 people stay small. */
export function readWorldPeople(peopleFile: string): { sources: WorldSourceRef[]; people: WorldPerson[] } {
  const file = JSON.parse(readFileSync(peopleFile, 'utf8')) as PeopleFile;
  return { sources: file.sources, people: file.people.map(([nam, indices]) => ({ nam, sources: indices.map((i) => file.sources[i]) })) };
}
