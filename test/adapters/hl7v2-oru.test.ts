import { Hl7Message } from '@medplum/core';
import { readOru, type OruMessage } from '../../adapters/hl7v2/oru';
import type { Rejection } from '../../adapters/hl7v2/rejection';
import { MRN, NAM, RAMQ, labSource, oru, sample } from '../fixtures/hl7/messages';

const source = labSource();
const DEFAULT_OBX_LINE = 'OBX|1|NM|2345-7^Glucose^LN||7.9|mmol/L|3.6-6.1|H|||F|||20250301081500-0500';
const accepted = (text: string): OruMessage => {
  const outcome = readOru(Hl7Message.parse(text), source);
  if (!outcome.ok) throw new Error(`rejected: ${outcome.rejection.reason}`);
  return outcome.message;
};
const rejected = (text: string): Rejection => {
  const outcome = readOru(Hl7Message.parse(text), source);
  if (outcome.ok) throw new Error('accepted');
  return outcome.rejection;
};

describe('ORU^R01 mapping: the real samples', () => {
  it('the NIST lead sample maps value, unit, range and H flag', () => {
    const message = accepted(sample('nist-oru-r01-2.5.1-lead.hl7'));
    expect(message.controlId).toBe('NIST-100929110701660');
    expect(message.patients).toHaveLength(1);
    expect(message.patients[0].patient).toEqual({ localIds: ['9817566735'] });
    const [lead] = message.patients[0].results;
    expect(lead).toEqual({
      id: expect.stringMatching(/^lab-test\/[0-9a-f]{8}\/NIST-100929110701660\/1$/),
      code: '10368-9',
      display: 'Lead BldC-mCnc',
      value: '50',
      unit: 'ug/dL',
      referenceRange: '<9 mcg/dL:  Acceptable background lead exposure',
      abnormalFlag: 'H',
      status: 'F',
      observedAt: '2008-08-15T10:30:00-07:00',
    });
  });

  // The ELR guide's published example has two stray field separators in its first OBX
  // ("|1|||>^11.0|"), so by position OBX-5 is empty, the SN value sits in OBX-7 and H~POS in OBX-10.
  const HEP_C = 'elr-oru-r01-2.5.1-hepatitis-c.hl7';
  const realigned = () => sample(HEP_C).replace('|1|||>^11.0|', '|1|>^11.0|');

  it('the hepatitis C sample maps its SN value, two abnormal flags and offset timestamps (first OBX realigned)', () => {
    expect(realigned()).not.toBe(sample(HEP_C));
    const message = accepted(realigned());
    expect(message.sender).toBe('Lab1^1234^CLIA|^1234^CLIA');
    // PID-3: an MR and an SS; the SS (a US social security number) is not a local id.
    expect(message.patients[0].patient).toEqual({ localIds: ['36363636'] });
    const [sn, age, employment] = message.patients[0].results;
    expect(sn).toMatchObject({ code: '5198-7', display: 'HCV Ab Ser EIA-aCnc', value: '>11.0', unit: '1', abnormalFlag: 'H,POS', status: 'F' });
    // OBX-14 "200808151100" has no offset: MSH-7 "20080818183002.1-0700" gives the message's default.
    expect(sn.observedAt).toBe('2008-08-15T11:00:00-07:00');
    expect(age).toMatchObject({ code: '35659-2', value: '29', unit: 'a', status: 'F' });
    expect(employment).toMatchObject({ code: '11294-6', value: 'food handler' });
    expect(message.patients[0].results.map((r) => r.id.split('/').pop())).toEqual(['1', '2', '3']);
  });

  it('the hepatitis C sample as published is answered AE (OBX 1 has no result status): shifted fields are never stored', () => {
    expect(rejected(sample(HEP_C))).toEqual({
      ackCode: 'AE',
      errorCode: 101,
      reason: 'OBX-11 (result status) is required',
      location: { segment: 'OBX', sequence: 1, field: 11 },
    });
  });
});

describe('ORU^R01 mapping: identifiers in PID-3', () => {
  it('a JHN and an MR give the NAM and the local id', () => {
    expect(accepted(oru()).patients[0].patient).toEqual({ nam: NAM, localIds: [MRN] });
  });

  it('an MR alone is kept as the local id, without a NAM', () => {
    expect(accepted(oru({ pid3: `${MRN}^^^CHUM^MR` })).patients[0].patient).toEqual({ localIds: [MRN] });
  });

  it('a JHN that is not a valid NAM is answered AE, even with an MR beside it', () => {
    const rejection = rejected(oru({ pid3: `TREM75991212^^^${RAMQ}^JHN~${MRN}^^^CHUM^MR` }));
    expect(rejection).toMatchObject({ ackCode: 'AE', errorCode: 102, location: { segment: 'PID', sequence: 1, field: 3, repetition: 1 } });
    expect(rejection.reason).not.toContain('TREM');
  });

  it("another province's health card (JHN of another authority) is ignored, the MR is kept", () => {
    expect(accepted(oru({ pid3: `1234567890^^^ON^JHN~${MRN}^^^CHUM^MR` })).patients[0].patient).toEqual({ localIds: [MRN] });
  });

  it('two different NAMs in one PID-3 are answered AE', () => {
    expect(rejected(oru({ pid3: `${NAM}^^^${RAMQ}^JHN~GAGJ80010112^^^${RAMQ}^JHN` }))).toMatchObject({ ackCode: 'AE', errorCode: 205 });
  });

  it('a message without PID-3 is answered AE with the reason, naming PID-3', () => {
    expect(rejected(oru({ pid3: '' }))).toEqual({
      ackCode: 'AE',
      errorCode: 101,
      reason: 'PID-3 (patient identifier list) is empty',
      location: { segment: 'PID', sequence: 1, field: 3 },
    });
  });

  it('a PID-3 with only other kinds of ids (SS) is answered AE', () => {
    expect(rejected(oru({ pid3: '444333333^^^SSA^SS' }))).toMatchObject({ ackCode: 'AE', errorCode: 101 });
  });
});

describe('ORU^R01 mapping: results', () => {
  it('maps each OBX to a result with a stable id, LOINC code, unit, range, flag, status and time', () => {
    const [glucose, potassium] = accepted(oru()).patients[0].results;
    expect(glucose).toEqual({
      id: expect.stringMatching(/^lab-test\/[0-9a-f]{8}\/MSG-0001\/1$/),
      code: '2345-7',
      display: 'Glucose',
      value: '7.9',
      unit: 'mmol/L',
      referenceRange: '3.6-6.1',
      abnormalFlag: 'H',
      status: 'F',
      observedAt: '2025-03-01T08:15:00-05:00',
    });
    expect(potassium.abnormalFlag).toBeUndefined();
    expect(accepted(oru()).patients[0].results[0].id).toBe(glucose.id);
  });

  it('renders CWE by its text, SN ratios and escaped text', () => {
    const obx = [
      'OBX|1|CWE|94500-6^SARS-CoV-2 RNA^LN||260415000^Non détecté^SCT||||||F',
      'OBX|2|SN|5195-3^Titre^LN||^1^:^128||||||F',
      'OBX|3|ST|8251-1^Commentaire^LN||5 \\T\\ 10 \\F\\ ok||||||F',
    ];
    const [cwe, sn, st] = accepted(oru({ obx })).patients[0].results;
    expect(cwe.value).toBe('Non détecté');
    expect(sn.value).toBe('1:128');
    expect(st.value).toBe('5 & 10 | ok');
  });

  it('OBX-14 empty: the time is OBR-7; DTM without offset: MSH-7 gives it, else the source time zone', () => {
    const noTime = ['OBX|1|NM|2345-7^Glucose^LN||5.0|mmol/L|||||F'];
    expect(accepted(oru({ obx: noTime })).patients[0].results[0].observedAt).toBe('2025-03-01T08:15:00-05:00');
    expect(accepted(oru({ obx: noTime, obr7: '20250715081500' })).patients[0].results[0].observedAt).toBe('2025-07-15T08:15:00-05:00');
    expect(accepted(oru({ obx: noTime, obr7: '20250715081500', msh7: '20250715101500' })).patients[0].results[0].observedAt).toBe('2025-07-15T08:15:00-04:00');
  });

  it('an OBX without an OBX-3 code is answered AE, naming the OBX', () => {
    const obx = [DEFAULT_OBX_LINE, 'OBX|2|NM|^Potassium^LN||4.1|mmol/L|||||F'];
    expect(rejected(oru({ obx }))).toEqual({
      ackCode: 'AE',
      errorCode: 101,
      reason: 'OBX-3 (observation identifier) has no code',
      location: { segment: 'OBX', sequence: 2, field: 3 },
    });
  });

  it.each([
    ['OBX-14', { obx: ['OBX|1|NM|2345-7^Glucose^LN||5.0|mmol/L|||||F|||20250231081500'] }, 'OBX'],
    ['OBR-7', { obr7: '2025-03-01' }, 'OBR'],
    ['MSH-7', { msh7: '202503011015-05' }, 'MSH'],
  ])('a bad timestamp in %s is answered AE', (_field, parts, segment) => {
    expect(rejected(oru(parts))).toMatchObject({ ackCode: 'AE', errorCode: 102, location: { segment } });
  });

  it('an OBX before any OBR is answered AE (segment sequence)', () => {
    const text = oru().replace(/OBR\|[^\r]*\r/, '');
    expect(rejected(text)).toMatchObject({ ackCode: 'AE', errorCode: 100 });
  });
});

describe('ORU^R01 acceptance: messages we never accept are rejected AR', () => {
  it.each([
    ['a message that is not ORU^R01 is rejected AR', { type: 'ADT^A01^ADT_A01' }, 200],
    ['an ORU of another event is rejected AR', { type: 'ORU^R30^ORU_R30' }, 201],
    ['a training message (MSH-11 T) is rejected AR', { processingId: 'T' }, 202],
    ['another HL7 version is rejected AR', { version: '2.3' }, 203],
    ['a message without MSH-10 is rejected AR', { controlId: '' }, 101],
  ])('%s', (_name, parts, errorCode) => {
    expect(rejected(oru(parts))).toMatchObject({ ackCode: 'AR', errorCode });
  });
});
