import type { AnswerContext, MessageHandler } from '../handler';
import { adtA08 } from './adt-a08';
import { adtA40 } from './adt-a40';
import { oruR01 } from './oru-r01';
import { rdsO13 } from './rds-o13';

/**
 * Every message type the MLLP listener takes, one module each (dispatch on MSH-9, v2.5.1 Ch. 2
 * §2.14.9.9). Adding a feed is a module and a line here. Anything else is answered AR, ERR-3 200
 * (no message of that type here) or 201 (the type is, not that event), table 0357.
 */
export const HANDLERS: readonly MessageHandler[] = [oruR01, rdsO13, adtA08, adtA40];

/** The handlers of one listener: those of its source's domain that it was given a store for. */
export function handlersFor(context: AnswerContext): MessageHandler[] {
  return HANDLERS.filter((handler) => (!handler.domains || handler.domains.includes(context.source.domain)) && handler.ready(context));
}
