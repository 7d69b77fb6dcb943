// recon.js: the finance office's reconciliation dashboard (对账) of a
// school for a term or a month: income by payer against spending by
// treatment, as tables and charts, the discrepancy list with each rule
// explained, and the whole as a workbook written in the browser.
import { h } from './dom.js';
import { t, lang } from './i18n.js';
import { get, call } from './api.js';
import { section, table, showFieldErrors, field, payer, progress, errorBox } from './ui.js';
import { money } from './fmt.js';
import { terms, currentTerm } from './term.js';
import { barChart } from './chart.js';
import { workbook, download } from './xlsx.js';

const enc = encodeURIComponent;

const rules = {
  hour_unpaid: ['已审核课时未发放课酬', 'Approved hour not paid'],
  hour_pay_differs: ['课酬与课时不符', 'Pay differs from the hour'],
  hour_paid_twice: ['同一课时重复发放', 'Hour paid twice'],
  pay_without_hour: ['发放课酬但无课时记录', 'Pay without an hour'],
  fee_outstanding: ['家长欠费', 'Fees outstanding'],
  spending_within_income: ['支出超过收入', 'Spending above income'],
  labour_share: ['劳务费占比超限', 'Labour share above the limit'],
  management_share: ['管理费占比超限', 'Management share above the limit'],
  ledger_balanced: ['账目借贷不平', 'Ledger not balanced'],
};
const rule = (r) => (rules[r] ? rules[r][lang() === 'en' ? 1 : 0] : r);
const treatments = { labour: ['劳务费', 'labour'], salary_top_up: ['绩效补助', 'salary top-up'], institution: ['机构服务费', 'institutions'], management: ['管理费', 'management'] };
const treatment = (x) => (treatments[x] ? treatments[x][lang() === 'en' ? 1 : 0] : x);

function cents(s) {
  const neg = String(s || '0').startsWith('-');
  const [i, f = ''] = String(s || '0').replace('-', '').split('.');
  return (neg ? -1 : 1) * (Number(i) * 100 + Number((f + '00').slice(0, 2)));
}

export async function home(_p, query, account) {
  const district = account.district_id;
  const schools = (await get(`/v1/districts/${enc(district)}/schools`)).schools || [];
  const schoolId = query.get('school') || (schools.find((s) => s.school_id.endsWith('primary')) || schools[0] || {}).school_id;
  const page = h('div', { class: 'page finance wide' }, h('h1', {}, lang() === 'en' ? 'Reconciliation' : '对账'));
  if (!schoolId) return page;
  const list = await terms(schoolId);
  const term = list.find((x) => x.term_id === query.get('term')) || currentTerm(list);
  const school = h('select', { name: 'school_id' }, schools.map((s) => h('option', { value: s.school_id, selected: s.school_id === schoolId }, s.name)));
  const month = h('input', { name: 'month', placeholder: '2026-09', value: query.get('month') || '' });
  const form = h('form', { class: 'recon-form no-print', novalidate: true }, field(t('学校'), school),
    field(`${t('月份')}（${lang() === 'en' ? 'empty: the whole term' : '留空为整学期'}）`, month), h('button', { type: 'submit' }, t('查询')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ school: school.value });
    if (month.value.trim()) q.set('month', month.value.trim());
    location.hash = `#/finance/reconciliation?${q}`;
  });
  page.append(section(lang() === 'en' ? 'Reconciliation' : '对账', form));
  let path = `/v1/schools/${enc(schoolId)}/reconciliation?`;
  const m = /^(\d{4})-(\d{1,2})$/.exec(query.get('month') || '');
  if (query.get('month')) path += m ? `year=${m[1]}&month=${Number(m[2])}` : `year=0&month=0&term_id=`;
  else path += `term_id=${enc(term ? term.term_id : '')}`;
  let r;
  try {
    r = (await get(path)).reconciliation;
  } catch (err) {
    if (query.get('month') && !m) err.violations = [{ field: 'month', text: lang() === 'en' ? 'a month as 2026-09' : '月份格式：2026-09' }];
    showFieldErrors(form, err);
    return page;
  }
  const inc = r.income || {}, sp = r.spending || {};
  page.append(h('p', {}, `${r.from} – ${r.to} · `, h('span', { class: r.balanced ? 'badge ok' : 'badge bad', dataset: { balanced: String(!!r.balanced) } },
    r.balanced ? (lang() === 'en' ? 'reconciled' : '已对平') : (lang() === 'en' ? 'discrepancies' : '有差异'))));
  const incomeRows = (inc.payers || []).map((p) => [payer(p.payer_id), money(p.billed), money(p.received)]);
  page.append(h('div', { class: 'two' },
    section(t('收入'),
      table(['付款方', '应收', '已收'].map(t), [...incomeRows, { class: 'total', cells: [t('合计'), h('td', { class: 'num', dataset: { total: 'income' } }, money(inc.total)), ''] }]),
      barChart((inc.payers || []).map((p) => ({ label: payer(p.payer_id), value: cents(p.billed), text: money(p.billed) })))),
    section(lang() === 'en' ? 'Spending' : '支出',
      table(['内容', '金额'].map(t), [...(sp.by_treatment || []).map((x) => [treatment(x.treatment), money(x.amount)]),
        ...(sp.costs || []).map((x) => [x.kind, money(x.amount)]),
        { class: 'total', cells: [t('合计'), h('td', { class: 'num', dataset: { total: 'spending' } }, money(sp.total))] }]),
      barChart((sp.by_treatment || []).map((x) => ({ label: treatment(x.treatment), value: cents(x.amount), text: money(x.amount), class: 'bar alt' }))))));
  const ds = r.discrepancies || [];
  page.append(section(`${lang() === 'en' ? 'Discrepancies' : '差异清单'} (${ds.length})`, ds.length
    ? table(['规则', '说明', '金额'].map(t), ds.map((d) => ({ class: 'discrepancy', dataset: { rule: d.rule }, cells: [rule(d.rule),
      [d.staff_id && `staff ${d.staff_id}`, d.record_id && `record ${d.record_id}`, d.statement_id && `statement ${d.statement_id}`, d.student_id && `student ${d.student_id}`, d.payer_id && payer(d.payer_id)].filter(Boolean).join(' · '),
      money(d.amount)] })), { class: 'discrepancies' })
    : h('p', { class: 'ok' }, lang() === 'en' ? 'None' : '无差异')));
  const btn = h('button', { type: 'button', class: 'primary', dataset: { action: 'recon-xlsx' } }, lang() === 'en' ? 'Download reconciliation workbook' : '下载对账表');
  const status = h('div');
  btn.addEventListener('click', () => {
    const p = progress();
    status.replaceChildren(p.el);
    const dec = (s) => ({ decimal: String(s || '0') });
    download(workbook([
      { name: '收入 Income', rows: [['付款方 Payer', 'ID', '应收 Billed', '已收 Received'], ...(inc.payers || []).map((x) => [payer(x.payer_id), x.payer_id, dec(x.billed), dec(x.received)]),
        ['合计 Total', 'total', dec(inc.total), ''], ['应收学费 Fees billed', 'fees_billed', dec(inc.fees_billed)], ['已收 Collected', 'collected', dec(inc.collected)],
        ['已退 Refunded', 'refunded', dec(inc.refunded)], ['核销 Written off', 'written_off', dec(inc.written_off)], ['欠费 Outstanding', 'outstanding', dec(inc.outstanding)]] },
      { name: '支出 Spending', rows: [['内容 Item', 'ID', '金额 Amount'], ...(sp.by_treatment || []).map((x) => [treatment(x.treatment), x.treatment, dec(x.amount)]),
        ...(sp.costs || []).map((x) => [x.kind, x.kind, dec(x.amount)]), ['合计 Total', 'total', dec(sp.total)]] },
      { name: '差异 Discrepancies', rows: [['规则 Rule', 'ID', '教职工 Staff', '课时 Record', '账单 Statement', '学生 Student', '付款方 Payer', '金额 Amount'],
        ...ds.map((d) => [rule(d.rule), d.rule, d.staff_id, d.record_id, d.statement_id, d.student_id, d.payer_id, dec(d.amount)])] },
    ]), `reconciliation-${schoolId}-${r.from}-${r.to}.xlsx`);
    p.done(`${lang() === 'en' ? 'Downloaded' : '已下载'} ✓`);
  });
  // The server's own export (billing streams it from the database).
  const server = h('button', { type: 'button', dataset: { action: 'recon-export' } }, lang() === 'en' ? 'Export from the server (.xlsx)' : '服务器导出（.xlsx）');
  server.addEventListener('click', async () => {
    const p = progress(lang() === 'en' ? 'Exporting…' : '正在导出…');
    status.replaceChildren(p.el);
    try {
      const blob = await call('GET', path.replace('/reconciliation?', '/reconciliation:export?') + '&format=xlsx', undefined, { blob: true });
      download(blob, `对账-${schoolId}-${r.from}-${r.to}.xlsx`);
      p.done(`${lang() === 'en' ? 'Downloaded' : '已下载'} ✓`);
    } catch (err) { p.done(''); status.append(errorBox(err)); }
  });
  page.append(h('div', { class: 'no-print' }, btn, ' ', server, status));
  return page;
}

// district: the district's month rolled up over its schools (区级对账):
// each school's income and spending, whether it reconciles and how many
// discrepancies it has (a link opens the school's own 对账), and the
// district's totals as the API adds them.
export async function district(_p, query, account) {
  const districtId = account.district_id;
  const page = h('div', { class: 'page finance wide' }, h('h1', {}, t('区级对账')));
  const now = new Date();
  const monthQ = query.get('month') || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const month = h('input', { name: 'month', placeholder: '2026-09', value: monthQ });
  const form = h('form', { class: 'recon-form no-print', novalidate: true }, field(t('月份'), month), h('button', { type: 'submit' }, t('查询')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/finance/district?month=${enc(month.value.trim())}`;
  });
  page.append(section(t('区级对账'), form));
  const m = /^(\d{4})-(\d{1,2})$/.exec(monthQ);
  let r, schools;
  try {
    [r, schools] = await Promise.all([
      get(`/v1/districts/${enc(districtId)}/reconciliation?year=${m ? m[1] : 0}&month=${m ? Number(m[2]) : 0}`),
      get(`/v1/districts/${enc(districtId)}/schools`)]);
  } catch (err) {
    showFieldErrors(form, err);
    return page;
  }
  const names = new Map((schools.schools || []).map((s) => [s.school_id, s.name]));
  const row = (x, name, cls) => ({ class: cls, dataset: { school: x.school_id || 'total' }, cells: [
    name, h('td', { class: 'num', dataset: { total: 'income' } }, money(x.income && x.income.total)),
    h('td', { class: 'num', dataset: { total: 'spending' } }, money(x.spending && x.spending.total)),
    h('td', { class: 'num', dataset: { total: 'discrepancies' } }, String((x.discrepancies || []).length)),
    h('td', {}, x.balanced ? `✓ ${t('已平')}` : `✗ ${t('未平')}`)] });
  const tot = r.total || {};
  const rows = (r.schools || []).map((x) => row(x, h('a', { href: `#/finance/reconciliation?school=${enc(x.school_id)}&month=${enc(monthQ)}` }, names.get(x.school_id) || x.school_id), x.balanced ? null : 'unbalanced'));
  rows.push(row(tot, t('全区合计'), 'total'));
  page.append(section(`${tot.from || ''}–${tot.to || ''}`,
    table(['学校', '收入', '支出', '差异', '状态'].map(t), rows, { class: 'district-recon' }),
    barChart((r.schools || []).map((x) => ({ label: names.get(x.school_id) || x.school_id, value: Math.max(0, cents(x.income && x.income.total)), text: money(x.income && x.income.total) })))));
  // The district's discrepancies can run to hundreds (every unpaid hour):
  // counted here by rule and school; each school's page lists them.
  const groups = new Map();
  for (const d of tot.discrepancies || []) {
    const k = `${d.rule}|${d.school_id || ''}`;
    groups.set(k, { rule: d.rule, school: d.school_id || '', n: (groups.get(k) || { n: 0 }).n + 1 });
  }
  if (groups.size) page.append(section(t('差异'), table(['规则', '学校', '条数'].map(t), [...groups.values()].map((g) => ({ class: 'discrepancy-group',
    cells: [rule(g.rule), names.get(g.school) || g.school, h('td', { class: 'num' }, String(g.n))] })))));
  return page;
}
