/**
 * `npm run new:adapter -- NAME --protocol new --domain DOMAIN`: scaffolds a new source protocol
 * (adapters/NAME/, a mapping spec and its samples) and prints the registry lines to add.
 * `npm run new:adapter -- NAME --protocol P` (P in the registry): a new source speaking an existing
 * protocol needs no code: prints its sources-file entry and the conformance command to run.
 * Never overwrites a file. Exit status 2 on bad usage. See docs/adapters.md, "Template".
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { scaffoldProtocol, ScaffoldError, sourceEntryFor } from './new-adapter-files';

const USAGE = 'usage: npm run new:adapter -- NAME --protocol new --domain MEDICATIONS|LAB_RESULTS|IMAGING|CLINICAL\n       npm run new:adapter -- SOURCE_ID --protocol EXISTING_PROTOCOL';

function parse(argv: readonly string[]): { name: string; protocol: string; domain?: string; root: string } {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('--')) throw new ScaffoldError('NAME is required, first');
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (!['--protocol', '--domain', '--root'].includes(flag)) throw new ScaffoldError(`unknown argument ${flag}`);
    if (value === undefined || value.startsWith('--')) throw new ScaffoldError(`${flag} needs a value`);
    options[flag.slice(2)] = value;
  }
  if (!options.protocol) throw new ScaffoldError('--protocol is required: "new", or a protocol of the registry');
  return { name, protocol: options.protocol, domain: options.domain, root: options.root ?? join(__dirname, '..') };
}

function main(argv: readonly string[]): number {
  const args = parse(argv);
  const repoRoot = join(__dirname, '..');
  if (args.protocol !== 'new') {
    if (args.domain) throw new ScaffoldError('--domain goes with --protocol new; a source entry takes its domain in the sources file');
    const { entry } = sourceEntryFor(args.name, args.protocol);
    console.log(`A new source speaking ${args.protocol} needs no code: its adapter serves every source of the protocol.`);
    console.log('Add this entry to your sources file (README, "Sources file"), then check it against the live source:\n');
    console.log(JSON.stringify(entry, null, 2));
    console.log(`\nnpm run conformance -- --source ${args.name} --sources YOUR_SOURCES_FILE --nam NAM --nam NAM`);
    return 0;
  }
  if (!args.domain) throw new ScaffoldError('--domain is required with --protocol new');
  const scaffold = scaffoldProtocol(args.name, args.domain, repoRoot, args.root);
  const existing = scaffold.files.filter((file) => existsSync(file.path)).map((file) => relative(args.root, file.path));
  const folder = join(args.root, 'adapters', args.name);
  if (existsSync(folder)) existing.unshift(relative(args.root, folder) + '/');
  if (existing.length) throw new ScaffoldError(`will not overwrite: ${existing.join(', ')} already exist(s)`);
  for (const file of scaffold.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, { flag: 'wx' });
    console.log(`created ${relative(args.root, file.path)}`);
  }
  console.log('\nThen add to the registry (the compiler names anything missing once the first is in):');
  for (const { file, line } of scaffold.registryLines) console.log(`  ${file}:\n    ${line}`);
  console.log(`\nNext: write the mappers (adapters/${args.name}/map.ts) and real samples (test/fixtures/${args.name}/), the search (search.ts), then:`);
  console.log(`  npx jest test/adapters/${args.name}    # fails until the mappers and samples are real`);
  console.log('  npx jest test/conformance              # once the protocol is in the registry with a demo system');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ScaffoldError)) throw error;
  console.error(`new:adapter: ${error.message}\n${USAGE}`);
  process.exitCode = 2;
}
