/** HL7 v2.5.1 over MLLP: the listener and its feeds (ORU^R01 lab results, RDS^O13 pharmacy dispenses, ADT^A08/A40 patient events). */
export { buildAck, type AckOutcome } from './ack';
export { readA08, readA40, type PatientMerge, type PatientUpdate } from './adt';
export { createDispenseSource } from './dispense-source';
export { DispenseStore, type DispenseMessageStore } from './dispense-store';
export type { AnswerContext, MessageHandler } from './handler';
export { HANDLERS } from './handlers';
export { createLabSource } from './lab-source';
export { LabStore, type LabMessageStore, type SaveOutcome } from './lab-store';
export { MllpDeframer, frame } from './mllp';
export { charsetOf, decodeMessage } from './charset';
export { readOru, type OruMessage, type OruOutcome, type PatientResults } from './oru';
export type { LabObservation } from './obx';
export { PatientEvents, type PatientEventStore } from './patient-events';
export type { OruPatient } from './pid';
export { readRds, type DispenseMessage } from './rds';
export { startMllpReceiver, type MllpReceiver, type MllpReceiverOptions } from './receiver';
export { ErrorCode, type Rejection } from './rejection';
