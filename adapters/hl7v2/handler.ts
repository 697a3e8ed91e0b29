import type { Hl7Message } from '@medplum/core';
import type { Logger } from '../../lib/logger';
import type { Domain, SourceConfig } from '../../lib/sources';
import type { CrossReference } from '../port';
import type { AckOutcome } from './ack';
import type { DispenseMessageStore } from './dispense-store';
import type { MessageHeader } from './header';
import type { LabMessageStore } from './lab-store';
import type { PatientEventStore } from './patient-events';

/** What answering a message needs: the source it came to, and the stores of the feeds it takes. */
export interface AnswerContext {
  source: SourceConfig;
  /** ORU^R01: stores each message (and PID-3's links, the locator entries) in one transaction with others; ./lab-store.ts. */
  store?: LabMessageStore;
  /** RDS^O13: the pharmacy dispenses, the same way; ./dispense-store.ts. */
  dispenses?: DispenseMessageStore;
  /** ADT^A08 and ADT^A40: identifier updates and merges into the cross-reference; ./patient-events.ts. */
  patients?: PatientEventStore;
  /** Gives MR-only messages the NAM the cross-reference already knows for their MR. */
  xref: Pick<CrossReference, 'namFor'>;
  logger: Logger;
  /** Told the ACK code of every answer (ops/metrics.ts counts them by source and code). */
  onAck?: (sourceId: string, ackCode: string) => void;
}

/** A handler's answer: the ACK's outcome and counts for the log line (never content). */
export interface Handled {
  outcome: AckOutcome;
  fields?: Record<string, unknown>;
}

/**
 * One message type the MLLP listener takes (MSH-9 `type^event`), in a module of its own
 * (./handlers/*.ts). Acceptance validation of MSH is done before `handle` (./header.ts); `handle`
 * validates the content (AE on the first problem), stores, and never resolves AA before the commit.
 */
export interface MessageHandler {
  /** MSH-9.1^MSH-9.2, as in the v2.5.1 trigger event tables: `ORU^R01`. */
  readonly code: string;
  /** The sources that take it, by domain; unset: every MLLP source (patient administration). */
  readonly domains?: readonly Domain[];
  /**
   * MSH-9 of the application acknowledgment when it is not the general ACK (v2.5.1 Ch. 4 §4.13.7:
   * RDS^O13 is answered RRD^O14^RRD_O14; its MSA and ERR are the ACK's).
   */
  readonly ackType?: string;
  /** The log line's message (`lab message`, `pharmacy message`, `patient message`). */
  readonly logAs: string;
  /** Whether this listener was given what the handler stores into. */
  ready(context: AnswerContext): boolean;
  handle(message: Hl7Message, header: MessageHeader, context: AnswerContext): Promise<Handled>;
}

/** A loggable name for an error: a driver's code or the class, never its message (it may quote values). */
export const failureOf = (error: unknown) => (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';
