import type { SourceConfig } from '../lib/sources';
import { startDemoFhirServer, type DemoFhirServer } from './fhir-server';
import { startDemoPacs, type DemoPacs } from './pacs-server';
import type { DemoPerson } from './people';

/**
 * The demo source systems that answer over HTTP (a FHIR R4 server for the pharmacies and the
 * clinic, a DICOMweb PACS). They stand for the outside world: the platform reaches them only
 * through the URLs in the sources file, like any other server of the same protocol.
 */
export interface DemoHttpSystems {
  fhirUrl: string;
  pacsUrl: string;
  /** The servers themselves, for tests that change what a source holds. */
  fhir: DemoFhirServer;
  pacs: DemoPacs;
  stop(): Promise<void>;
}

export async function startDemoHttpSystems(options: { host: string; fhirPort: number; pacsPort: number; people: DemoPerson[] }): Promise<DemoHttpSystems> {
  const fhir = await startDemoFhirServer({ host: options.host, port: options.fhirPort, people: options.people });
  const pacs = await startDemoPacs({ host: options.host, port: options.pacsPort, people: options.people }).catch(async (error) => {
    await fhir.close();
    throw error;
  });
  return {
    fhirUrl: fhir.url,
    pacsUrl: pacs.url,
    fhir,
    pacs,
    stop: async () => {
      await Promise.all([fhir.close(), pacs.close()]);
    },
  };
}

/** The port a demo source's URL names (the demo sources file fixes them: 4110 FHIR, 4120 PACS). */
export function demoPortOf(sources: readonly SourceConfig[], protocol: 'fhir-r4' | 'dicomweb'): number {
  const url = sources.find((s) => s.protocol === protocol)?.url;
  return url ? Number(new URL(url).port) : 0;
}

/**
 * The demo sources pointed at demo systems started elsewhere (tests start them on free ports):
 * same ids, names and paths, other origins; MLLP listeners on free ports too.
 */
export function relocateDemoSources(sources: readonly SourceConfig[], at: { fhirUrl: string; pacsUrl: string }): SourceConfig[] {
  const move = (url: string, base: string) => {
    const from = new URL(url);
    const to = new URL(base);
    return `${to.origin}${from.pathname}`;
  };
  return sources.map((source) => {
    if (source.protocol === 'fhir-r4') return { ...source, url: move(source.url!, at.fhirUrl) };
    if (source.protocol === 'dicomweb') return { ...source, url: move(source.url!, at.pacsUrl) };
    return { ...source, port: 0 };
  });
}
