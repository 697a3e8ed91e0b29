// Building the DOM without innerHTML: every value from the API becomes a text node, so nothing a
// source sent can become markup or script (and the CSP allows no inline script or style anyway).

/** An element with attributes (`on…` are listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let ids = 0;
/** A fresh id for label/aria wiring. */
export const uid = (prefix) => `${prefix}-${++ids}`;

/** A labelled text input with help text tied to it (aria-describedby). */
export function field({ label, name, type = 'text', help, required, autocomplete = 'off', value, pattern, inputmode, spellcheck }) {
  const id = uid(name);
  const helpId = help ? `${id}-help` : undefined;
  const errorId = `${id}-error`;
  const input = h('input', { id, name, type, required, autocomplete, value, pattern, inputmode, spellcheck: spellcheck === false ? 'false' : undefined, 'aria-describedby': [helpId, errorId].filter(Boolean).join(' ') });
  const error = h('p', { id: errorId, class: 'field-error', hidden: true });
  const wrapper = h('div', { class: 'field' }, h('label', { for: id }, label), help ? h('p', { id: helpId, class: 'help' }, help) : null, input, error);
  return {
    element: wrapper,
    input,
    showError(message) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    },
    clearError() {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    },
  };
}

/** A group of radio buttons in a fieldset with its legend. */
export function radios({ legend, name, options, checked }) {
  const inputs = [];
  const fieldset = h(
    'fieldset',
    { class: 'radios' },
    h('legend', {}, legend),
    options.map(({ value, label }) => {
      const id = uid(`${name}-${value}`);
      const input = h('input', { type: 'radio', id, name, value, checked: value === checked });
      inputs.push(input);
      return h('div', { class: 'radio' }, input, h('label', { for: id }, label));
    }),
  );
  return { element: fieldset, inputs, value: () => inputs.find((input) => input.checked)?.value };
}

/**
 * A data table with a caption and column headers (scope=col); the first column may head its row.
 * `columns`: [{ label, cell(row) -> node|string, rowHeader? , className?(row) }].
 */
export function table({ caption, columns, rows, rowClass }) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h('tr', { class: rowClass?.(row) }, columns.map((column) => h(column.rowHeader ? 'th' : 'td', column.rowHeader ? { scope: 'row' } : {}, column.cell(row) ?? '—'))),
        ),
      ),
    ),
  );
}
