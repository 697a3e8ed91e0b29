// The public GraphQL API, with the signed-in person's bearer token. A NAM travels in the
// variables of a POST body, never in a query string. The operations are one file
// (operations.json), the same text the gateway may hold as a safelist (SAFELIST_FILE).
import { bearer } from './session.js';

const endpoint = document.body.dataset.endpoint || '/graphql';
let operations = null;

async function operationText(name) {
  if (!operations) {
    const response = await fetch('/app/assets/operations.json', { credentials: 'omit' });
    operations = await response.json();
  }
  return operations[name];
}

/**
 * Runs a named operation: { status, data, errors } (errors always an array). A network failure
 * is an answer too ({ status: 0 }), so a page can say the service did not answer.
 */
export async function graphql(name, variables) {
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${bearer()}` },
      body: JSON.stringify({ query: await operationText(name), operationName: name, variables }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    return { status: 0, data: null, errors: [{ extensions: { code: 'NETWORK' } }] };
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { status: response.status, data: body.data ?? null, errors: Array.isArray(body.errors) ? body.errors : [] };
}

/** The error at a response path (['patient', 'medications']), if any. */
export const errorAt = (errors, path) => errors.find((error) => Array.isArray(error.path) && error.path.length === path.length && error.path.every((key, i) => key === path[i]));

/** Whether the answer says the token is no longer good. */
export const unauthenticated = (answer) => answer.status === 401 || answer.errors.some((error) => error.extensions?.code === 'UNAUTHENTICATED');

/** Whether the service asks to be retried (consent or the access log unavailable: 503). */
export const retryLater = (answer) => answer.status === 0 || answer.status >= 500 || answer.errors.some((error) => ['CONSENT_UNAVAILABLE', 'ACCESS_LOG_UNAVAILABLE', 'SERVICE_UNAVAILABLE'].includes(error.extensions?.code) && !error.path);
