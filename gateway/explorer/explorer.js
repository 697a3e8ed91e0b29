// Starts GraphiQL (its UMD build, served by the gateway: window.React, window.ReactDOM, window.GraphiQL)
// against the gateway, sending the token typed in the bar as `Authorization: Bearer`. Plain browser
// script, no build step. The token lives in this page only: GraphiQL does not persist headers.
(function () {
  'use strict';
  var container = document.getElementById('graphiql');
  var tokenField = document.getElementById('qhr-token');
  var endpoint = container.getAttribute('data-endpoint');
  var root = ReactDOM.createRoot(container);

  function tokenOf(text) {
    return text.trim().replace(/^Bearer\s+/i, '');
  }

  // A new fetcher for each token: GraphiQL fetches the schema again with it (introspection needs a
  // token too). Without one, the gateway would only answer UNAUTHENTICATED: say what to do instead.
  function fetcherWith(token) {
    return function (params, options) {
      if (!token) return Promise.resolve({ errors: [{ message: 'Paste a provider token in the Bearer token field above (npm run token -- --role physician).' }] });
      var headers = Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, (options && options.headers) || {});
      if (token) headers.authorization = 'Bearer ' + token;
      return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params) }).then(function (response) {
        return response.json();
      });
    };
  }

  var defaultQuery = [
    '# A provider token goes in the field above (npm run token -- --role physician).',
    'query PatientSummary($nam: NAM!) {',
    '  patient(nam: $nam) {',
    '    nam',
    '    givenName',
    '    familyName',
    '    medications { name din dispensedAt }',
    '  }',
    '}',
    '',
  ].join('\n');

  // Keyed by the token: a new token starts GraphiQL afresh (no answer of the previous one left on
  // screen); the editor's tabs are kept in the browser's storage by GraphiQL itself.
  function render() {
    var token = tokenOf(tokenField.value);
    root.render(
      React.createElement(GraphiQL, {
        key: token,
        fetcher: fetcherWith(token),
        defaultQuery: defaultQuery,
        defaultHeaders: '',
        shouldPersistHeaders: false,
      }),
    );
  }

  tokenField.addEventListener('change', render);
  render();
})();
