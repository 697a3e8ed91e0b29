import { decodeJwt } from 'jose';
import { signInternalToken, verifyInternalToken, type Caller } from '../../lib/internal-token';

const SECRET = 'internal-token-test-secret';
const CALLER: Caller = { providerId: 'MD-1', role: 'physician', domains: ['MEDICATIONS'], grants: { TREM75561212: null } };

describe('the token the gateway signs for a subgraph', () => {
  test('signed for one subgraph, it names that subgraph alone (aud a string, as before) and opens it', async () => {
    const token = await signInternalToken(CALLER, 'pharmacy', SECRET);
    expect(decodeJwt(token).aud).toBe('pharmacy');
    expect(await verifyInternalToken(token, 'pharmacy', SECRET)).toEqual({ ...CALLER, facility: undefined });
    expect(await verifyInternalToken(token, 'lab', SECRET)).toBeUndefined();
  });

  test('signed for several subgraphs (aud an array), each of them accepts it', async () => {
    const token = await signInternalToken(CALLER, ['patient-index', 'pharmacy', 'lab'], SECRET);
    expect(decodeJwt(token).aud).toEqual(['patient-index', 'pharmacy', 'lab']);
    for (const subgraph of ['patient-index', 'pharmacy', 'lab']) expect((await verifyInternalToken(token, subgraph, SECRET))?.providerId).toBe('MD-1');
  });

  test('a subgraph its aud array does not name refuses it', async () => {
    const token = await signInternalToken(CALLER, ['patient-index', 'pharmacy'], SECRET);
    expect(await verifyInternalToken(token, 'imaging', SECRET)).toBeUndefined();
    expect(await verifyInternalToken(token, 'clinic', SECRET)).toBeUndefined();
  });

  test('an aud array does not open a subgraph to a token signed with another secret', async () => {
    const token = await signInternalToken(CALLER, ['pharmacy'], 'another-secret');
    expect(await verifyInternalToken(token, 'pharmacy', SECRET)).toBeUndefined();
  });
});
