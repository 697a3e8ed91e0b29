/**
 * `npm run demo:sources`: the demo source systems alone (FHIR R4 server on 4110, DICOMweb PACS on
 * 4120, as demo/sources.json says), for running our services apart against them. With `--lab`,
 * the demo laboratory then sends its ORU^R01 messages to the lab listener (127.0.0.1:4130) once
 * it answers, and the demo HL7 pharmacy its RDS^O13 dispenses to each MLLP source of domain
 * MEDICATIONS. Ctrl-C stops them.
 */
import { parseArgs } from 'node:util';
import { startDemoLabSystem } from '../demo/lab-system';
import { startDemoPharmacySystem } from '../demo/pharmacy-system';
import { demoPeople } from '../demo/people';
import { demoPortOf, startDemoHttpSystems } from '../demo/systems';
import { loadConfig } from '../lib/config';

async function main() {
  const { values } = parseArgs({ options: { lab: { type: 'boolean', default: false } } });
  const config = loadConfig();
  const people = demoPeople();
  const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);
  const systems = await startDemoHttpSystems({ host: config.host, fhirPort: demoPortOf(config.sources, 'fhir-r4'), pacsPort: demoPortOf(config.sources, 'dicomweb'), people });
  say(`FHIR R4 server (pharmacies, clinic): ${systems.fhirUrl}`);
  say(`DICOMweb PACS: ${systems.pacsUrl}`);
  process.on('SIGINT', () => void systems.stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void systems.stop().then(() => process.exit(0)));
  if (!values.lab) return;
  for (const source of config.sources.filter((s) => s.protocol === 'hl7v2-mllp')) {
    for (let attempt = 1; ; attempt++) {
      try {
        const pharmacy = source.domain === 'MEDICATIONS';
        const system = pharmacy ? await startDemoPharmacySystem({ host: config.host, port: source.port!, people, source }) : await startDemoLabSystem({ host: config.host, port: source.port!, people });
        await system.close();
        say(`${pharmacy ? 'pharmacy' : 'laboratory'} ${source.id}: sent ${system.sent} ${pharmacy ? 'RDS^O13' : 'ORU^R01'} messages, ${system.acked} acknowledged`);
        break;
      } catch {
        if (attempt === 30) throw new Error(`no lab listener answered on port ${source.port}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[demo] could not start: ${error.message}\n`);
  process.exit(1);
});
