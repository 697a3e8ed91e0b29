import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAM_SYSTEM, isConnected, parseSources, readSourcesFile } from '../../lib/sources';

const defaults = { timeZone: 'America/Montreal' };
const lab = { id: 'lab-1', name: 'Laboratoire A', domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', port: 4130 };
const pharmacy = { id: 'pharm-1', name: 'Pharmacie A', domain: 'MEDICATIONS', protocol: 'fhir-r4', url: 'http://pharm.example/fhir/', region: 'Montréal', area: 'Centre', patientId: 'nam' };

describe('the sources file', () => {
  test("the demo sources file covers Montréal's six areas and Mauricie, pharmacies first, with clinics and an emergency room planned", () => {
    const sources = readSourcesFile(join(__dirname, '../../demo/sources.json'), defaults);
    const pharmacyAreas = sources.filter((s) => s.kind === 'pharmacy').map((s) => `${s.region}/${s.area}`);
    expect([...new Set(pharmacyAreas)].sort()).toEqual(['Mauricie/Trois-Rivières', 'Montréal/Centre', 'Montréal/Centre-west', 'Montréal/East', 'Montréal/North', 'Montréal/South-west', 'Montréal/West']);
    expect(sources.filter((s) => s.kind === 'emergency-room')).toHaveLength(1);
    expect(sources.every((s) => s.connectedSince)).toBe(true);
  });

  test('a FHIR source without namSystem uses the Canadian baseline system for the Québec health card', () => {
    const [source] = parseSources({ sources: [pharmacy] }, defaults);
    expect(source.namSystem).toBe(DEFAULT_NAM_SYSTEM);
    expect(source.url).toBe('http://pharm.example/fhir');
    expect(source.timeZone).toBe('America/Montreal');
  });

  test('hundreds of sources are accepted', () => {
    const many = Array.from({ length: 428 }, (_, i) => ({ ...pharmacy, id: `pharm-${i}` }));
    expect(parseSources({ sources: many }, defaults)).toHaveLength(428);
  });

  test('the same id twice is refused, naming the entry', () => {
    expect(() => parseSources({ sources: [pharmacy, pharmacy] }, defaults)).toThrow('sources[1].id "pharm-1" is listed twice');
  });

  test('an unknown domain or protocol is refused', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, domain: 'BILLING' }] }, defaults)).toThrow(/domain must be one of/);
    expect(() => parseSources({ sources: [{ ...pharmacy, protocol: 'soap' }] }, defaults)).toThrow(/protocol must be one of/);
  });

  test('a protocol that cannot serve the domain is refused (a pharmacy over DICOMweb)', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, protocol: 'dicomweb' }] }, defaults)).toThrow(/cannot serve domain MEDICATIONS/);
  });

  test('a pharmacy that pushes its dispenses over HL7 v2 (MLLP) is a MEDICATIONS source; an MLLP imaging centre is refused', () => {
    const [source] = parseSources({ sources: [{ ...lab, id: 'pharm-hl7', domain: 'MEDICATIONS', port: 4131 }] }, defaults);
    expect(source).toMatchObject({ domain: 'MEDICATIONS', protocol: 'hl7v2-mllp', port: 4131 });
    expect(() => parseSources({ sources: [{ ...lab, domain: 'IMAGING' }] }, defaults)).toThrow('sources[0]: protocol hl7v2-mllp cannot serve domain IMAGING');
  });

  test('an MLLP source needs a port; an HTTP source needs a URL', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', url: undefined }] }, defaults)).toThrow(/port must be a TCP port/);
    expect(() => parseSources({ sources: [{ ...pharmacy, url: undefined }] }, defaults)).toThrow(/url must be a non-empty string/);
  });

  test('patientId is nam or local', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, patientId: 'mrn' }] }, defaults)).toThrow(/patientId must be/);
  });

  describe('MLLP over TLS (tls)', () => {
    const tls = { certFile: '/etc/qhr/listener.crt', keyFile: '/etc/qhr/listener.key', caFile: '/etc/qhr/lab-ca.crt', requireClientCert: true };

    test('a lab source may name its certificate, key and client CA', () => {
      expect(parseSources({ sources: [{ ...lab, tls }] }, defaults)[0].tls).toEqual(tls);
    });

    test('requireClientCert defaults to false', () => {
      expect(parseSources({ sources: [{ ...lab, tls: { certFile: '/c.pem', keyFile: '/k.pem' } }] }, defaults)[0].tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem', requireClientCert: false });
    });

    test('relative paths start at the sources file\'s folder', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sources-'));
      try {
        writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources: [{ ...lab, tls: { certFile: 'tls/listener.crt', keyFile: 'tls/listener.key' } }] }));
        expect(readSourcesFile(join(dir, 'sources.json'), defaults)[0].tls).toMatchObject({ certFile: join(dir, 'tls/listener.crt'), keyFile: join(dir, 'tls/listener.key') });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a missing certificate or key is refused, naming the entry and the field', () => {
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, keyFile: undefined } }] }, defaults)).toThrow('sources[0].tls.keyFile must be a file path');
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, certFile: undefined } }] }, defaults)).toThrow('sources[0].tls.certFile must be a file path');
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, certFile: ' ' } }] }, defaults)).toThrow('sources[0].tls.certFile must be a file path');
    });

    test('requireClientCert without a CA to check against is refused', () => {
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, caFile: undefined } }] }, defaults)).toThrow(/sources\[0\]\.tls\.caFile is required with requireClientCert/);
    });

    test('a client CA without requireClientCert is refused: it would protect nothing', () => {
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, requireClientCert: false } }] }, defaults)).toThrow(/sources\[0\]\.tls\.caFile only serves to check client certificates/);
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, requireClientCert: 'yes' } }] }, defaults)).toThrow('sources[0].tls.requireClientCert must be true or false');
    });

    test('a misspelt TLS setting is refused rather than ignored', () => {
      expect(() => parseSources({ sources: [{ ...lab, tls: { ...tls, requireClientCerts: true } }] }, defaults)).toThrow(/sources\[0\]\.tls\.requireClientCerts is not a TLS setting/);
    });

    test("a listener's TLS settings on an HTTP source are refused: there tls is the client side (test/lib/source-auth.test.ts)", () => {
      expect(() => parseSources({ sources: [{ ...pharmacy, url: 'https://pharm.example/fhir', tls }] }, defaults)).toThrow(/^sources\[0\]\.tls\.requireClientCert is for an MLLP listener/);
    });
  });

  describe('senders allowed to connect (allowedSenders)', () => {
    test('IPv4 and IPv6 addresses and CIDR ranges are accepted', () => {
      const allowedSenders = ['10.1.2.0/24', '192.168.0.7', '::1', 'fd00:1::/32'];
      expect(parseSources({ sources: [{ ...lab, allowedSenders }] }, defaults)[0].allowedSenders).toEqual(allowedSenders);
    });

    test.each([['10.1.2.0/33'], ['10.1.2'], ['lab.example.org'], ['::1/129'], ['10.1.2.0/24/8'], ['fe80::1%eth0'], ['']])('%p is refused, naming its index', (entry) => {
      expect(() => parseSources({ sources: [{ ...lab, allowedSenders: ['127.0.0.1', entry] }] }, defaults)).toThrow(/^sources\[0\]\.allowedSenders\[1\] must be an IPv4 or IPv6 address or CIDR range/);
    });

    test('an empty list is refused (it would refuse every sender)', () => {
      expect(() => parseSources({ sources: [{ ...lab, allowedSenders: [] }] }, defaults)).toThrow(/sources\[0\]\.allowedSenders must be a non-empty list/);
    });

    test('allowedSenders is for MLLP listeners only', () => {
      expect(() => parseSources({ sources: [{ ...pharmacy, allowedSenders: ['10.0.0.1'] }] }, defaults)).toThrow('sources[0].allowedSenders: only an MLLP listener (protocol hl7v2-mllp) has it');
    });
  });

  describe('the kind of source and when it connects (roll-out by area)', () => {
    test('an entry without kind takes its domain\'s: a pharmacy, a clinic, a laboratory, an imaging centre', () => {
      const [a, b] = parseSources({ sources: [pharmacy, lab] }, defaults);
      expect([a.kind, b.kind]).toEqual(['pharmacy', 'laboratory']);
    });

    test('an emergency room says so, and serves clinical data', () => {
      const er = { ...pharmacy, id: 'er-1', domain: 'CLINICAL', kind: 'emergency-room' };
      expect(parseSources({ sources: [er] }, defaults)[0].kind).toBe('emergency-room');
    });

    test('a kind that does not serve the domain is refused, naming the entry', () => {
      expect(() => parseSources({ sources: [{ ...pharmacy, kind: 'emergency-room' }] }, defaults)).toThrow('sources[0]: a source of kind emergency-room serves CLINICAL, not MEDICATIONS');
      expect(() => parseSources({ sources: [{ ...pharmacy, kind: 'hospital' }] }, defaults)).toThrow(/sources\[0\]\.kind must be one of pharmacy, clinic, emergency-room, laboratory, imaging/);
    });

    test('connectedSince is a calendar day; anything else is refused', () => {
      expect(parseSources({ sources: [{ ...pharmacy, connectedSince: '2026-03-02' }] }, defaults)[0].connectedSince).toBe('2026-03-02');
      for (const bad of ['2026-02-30', '2026-3-2', '2026-03-02T00:00:00Z', 20260302]) {
        expect(() => parseSources({ sources: [{ ...pharmacy, connectedSince: bad }] }, defaults)).toThrow('sources[0].connectedSince must be a calendar date, YYYY-MM-DD');
      }
    });

    test('a source is connected from the first moment of its connectedSince day, in its own time zone', () => {
      const [source] = parseSources({ sources: [{ ...pharmacy, connectedSince: '2026-12-01' }] }, defaults);
      // 23:30 in Montréal on November 30 is already December 1 in UTC: not yet connected.
      expect(isConnected(source, new Date('2026-12-01T04:30:00Z'))).toBe(false);
      expect(isConnected(source, new Date('2026-12-01T05:00:00Z'))).toBe(true);
      expect(isConnected({ ...source, connectedSince: undefined }, new Date('1999-01-01'))).toBe(true);
    });
  });
});
