import net from 'node:net';
import { CR, FS, frame } from '../../../adapters/hl7v2/mllp';
import type { DemoPerson } from '../../../demo/people';

const RAMQ = 'RAMQ&2.16.124.10.101.1.60.100&ISO';

/** A large ORU^R01 v2.5.1 for one person: one order with `results` OBX (a full automated chemistry run). */
export function largeOru(person: DemoPerson, controlId: string, results: number): string {
  const segments = [
    `MSH|^~\\&|SIL-OPTILAB|CHUM|QHR|QHR|20251030101500-0400||ORU^R01^ORU_R01|${controlId}|P|2.5.1|||||CAN||UNICODE UTF-8`,
    `PID|1||${person.nam}^^^${RAMQ}^JHN||${person.familyName}^${person.givenName}||${person.birthDate.replaceAll('-', '')}|${person.sex}`,
    `ORC|RE||${controlId}-1^CHUM`,
    `OBR|1||${controlId}-1^CHUM|PANEL^Bilan complet^L|||20251030073000-0400|||||||||||||||20251030101500-0400|||F`,
  ];
  for (let i = 1; i <= results; i++) {
    segments.push(`OBX|${i}|NM|${10000 + i}-${i % 10}^Analyte ${i}^LN||${(i % 97) / 10}|mmol/L|0.0-9.9||||F|||20251030073000-0400`);
  }
  return segments.join('\r') + '\r';
}

/** Sends one message over its own MLLP connection and resolves with MSA-1 of the ACK (AA, AE, AR). */
export function sendOverMllp(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(frame(Buffer.from(message, 'utf8'))));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(Buffer.from([FS, CR]));
      if (end < 0) return;
      socket.end();
      const msa = received.subarray(1, end).toString('utf8').split('\r').find((segment) => segment.startsWith('MSA|'));
      resolve(msa?.split('|')[1] ?? '');
    });
    socket.on('error', reject);
  });
}
