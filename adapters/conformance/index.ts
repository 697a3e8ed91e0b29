/**
 * The adapter conformance suite (issue #9 §6): the checks every adapter passes in CI against its
 * protocol's demo source, and that an integrator runs against a live source (`npm run conformance`).
 * See docs/adapters.md, "Conformance".
 */
export { runConformance, type CheckResult } from './run';
export type { ConformanceSubject, FailureCase } from './subject';
export { CONFORMANCE_PROFILES, profileOf, type Batching, type ConformanceProfile } from './profiles';
export { RequestCounter } from './request-count';
export { httpFailureCases } from './failures';
export { recordProblems, contractTypeOf, kindsNarrowedBySince } from './contract';
export { maskNam, personalWordsOf } from './personal-words';
export { captureLog, type CapturedLog } from './log-capture';
