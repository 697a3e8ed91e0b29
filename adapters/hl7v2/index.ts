/** HL7 v2.5.1 ORU^R01 over MLLP: the laboratory adapter (receiver, store, read side). */
export { buildAck, type AckOutcome } from './ack';
export { createLabSource } from './lab-source';
export { LabStore, type LabMessageStore, type SaveOutcome } from './lab-store';
export { MllpDeframer, frame } from './mllp';
export { charsetOf, decodeMessage } from './charset';
export { readOru, type OruMessage, type OruOutcome, type PatientResults } from './oru';
export type { LabObservation } from './obx';
export type { OruPatient } from './pid';
export { startMllpReceiver, type MllpReceiver, type MllpReceiverOptions } from './receiver';
export { ErrorCode, type Rejection } from './rejection';
