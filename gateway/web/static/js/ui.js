// ui.js: the pieces every page uses — sections, tables, error boxes, field
// errors next to their inputs, and a progress bar for long operations.
import { h } from './dom.js';
import { t, lang } from './i18n.js';

export function section(title, ...body) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...body);
}

// table(['列', …], rows): rows are arrays of cells (text or nodes), or
// {cells, class} to mark a row.
export function table(headers, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' }, h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => {
      const cells = Array.isArray(r) ? r : r.cells;
      return h('tr', Array.isArray(r) ? {} : { class: r.class, dataset: r.dataset },
        cells.map((c, i) => {
          const td = c instanceof Node && c.tagName === 'TD' ? c : h('td', {}, c);
          if (headers[i] && !td.dataset.label) td.dataset.label = headers[i];
          return td;
        }));
    }))));
}

// errorBox shows an API error in Chinese; the server's own words follow
// in small print for whoever has to report it.
export function errorBox(err) {
  const box = h('div', { class: 'error', role: 'alert', dataset: { status: err.status || '' } },
    h('strong', {}, err.message || String(err)));
  if (err.status) box.appendChild(h('span', { class: 'small' }, ` (HTTP ${err.status}${err.serverMessage ? ': ' + err.serverMessage : ''})`));
  return box;
}

// showFieldErrors puts each violation next to the input whose name is the
// field (or its last part), and the rest at the top of the form.
export function showFieldErrors(form, err) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.remove();
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  const rest = [];
  for (const v of err.violations || []) {
    const names = [v.field, v.field.split('.').slice(-1)[0], v.field.split('.')[0]];
    let input = null;
    for (const n of names) { input = form.querySelector(`[name="${CSS.escape(n)}"]`); if (input) break; }
    if (input) {
      input.classList.add('invalid');
      input.setAttribute('aria-invalid', 'true');
      input.insertAdjacentElement('afterend', h('span', { class: 'field-error', dataset: { field: v.field } }, v.text));
    } else rest.push(`${v.field}: ${v.text}`);
  }
  const top = h('div', { class: 'form-error error', role: 'alert' }, err.message, rest.length ? h('div', {}, rest.join('；')) : null);
  form.prepend(top);
}

export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.remove();
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
}

export function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

// progress is a bar for a long operation: moving until the operation
// reports how far it is, then (set) a percentage with its number; done
// replaces it with the outcome.
export function progress(label) {
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-busy': 'true' },
    h('span', {}, label || t('正在处理…')), h('div', { class: 'bar' }, h('div')));
  return {
    el: bar,
    set(percent) {
      const pct = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
      let meter = bar.querySelector('progress');
      if (!meter) {
        meter = h('progress', { max: 100 });
        bar.querySelector('.bar').replaceWith(meter, h('span', { class: 'pct' }));
      }
      meter.value = pct;
      bar.setAttribute('aria-valuenow', pct);
      bar.dataset.percent = pct;
      bar.querySelector('.pct').textContent = ` ${pct}%`;
    },
    done(text) { bar.setAttribute('aria-busy', 'false'); bar.classList.add('done'); bar.firstChild.textContent = text; },
  };
}

const payerNames = {
  city_finance: ['市财政', 'City finance'], district_finance: ['区财政', 'District finance'],
  district_civil_affairs: ['区民政', 'District civil affairs'], province_finance: ['省财政', 'Province finance'],
  parent: ['家长', 'Parents'],
};
// payer names a paying party in the reader's language (the id otherwise).
export function payer(id) { const p = payerNames[id]; return p ? p[lang() === 'en' ? 1 : 0] : id; }

const roleNames = {
  ROLE_PARENT: '家长', ROLE_SCHOOL_ADMIN: '学校管理员', ROLE_FINANCE_OFFICER: '财务', ROLE_BUREAU_ADMIN: '教育局',
  ROLE_TEACHER: '教师', ROLE_INSTRUCTOR: '外聘教师', ROLE_OPERATOR: '平台运维', ROLE_INSTITUTION: '机构',
};
export function roleName(r) { return t(roleNames[r] || r); }
